// Package invoker runs one invocation of a function named as callers name
// it: it resolves the name, version or alias through the control plane and
// hands the resolved version to the engine. The Invoke API, the
// asynchronous queue and the event source mappings all invoke through it.
package invoker

import (
	"context"

	"github.com/google/uuid"

	"github.com/nubo-dev/nubo/internal/control"
	"github.com/nubo-dev/nubo/internal/engine"
	"github.com/nubo-dev/nubo/internal/lambda"
)

// Invoker resolves and runs invocations.
type Invoker struct {
	control *control.Service
	engine  *engine.Engine
}

// New returns an Invoker.
func New(ctl *control.Service, eng *engine.Engine) *Invoker {
	return &Invoker{control: ctl, engine: eng}
}

// Request is an invocation as a caller asks for it.
type Request struct {
	Scope lambda.Scope
	// Function is the function as named by the caller (name, qualified
	// name or ARN, with its qualifier merged in).
	Function lambda.FunctionRef
	// RequestID is the invocation's id; a new one is made when empty.
	RequestID     string
	Payload       []byte
	ClientContext string // decoded JSON
	TraceID       string
	Tail          bool
}

// Result is an invocation's outcome.
type Result struct {
	*engine.Response
	// ExecutedVersion is the version that ran.
	ExecutedVersion string
	RequestID       string
}

// Resolve checks that a function can be invoked, without invoking it (as
// DryRun does).
func (i *Invoker) Resolve(ctx context.Context, req *Request) error {
	_, err := i.control.Resolve(ctx, req.Scope, req.Function)
	return err
}

// Invoke runs req synchronously.
func (i *Invoker) Invoke(ctx context.Context, req *Request) (*Result, error) {
	target, err := i.control.Resolve(ctx, req.Scope, req.Function)
	if err != nil {
		return nil, err
	}
	id := req.RequestID
	if id == "" {
		id = uuid.NewString()
	}
	resp, err := i.engine.Invoke(ctx, &engine.Request{
		Scope: req.Scope, Function: target.Config, InvokedARN: target.InvokedARN, Qualifier: req.Function.Qualifier,
		RequestID: id, Payload: req.Payload, ClientContext: req.ClientContext, TraceID: req.TraceID, Tail: req.Tail,
		Reserved: target.Reserved, ReservedTotal: target.ReservedTotal,
	})
	if err != nil {
		return nil, err
	}
	return &Result{Response: resp, ExecutedVersion: target.Config.Version, RequestID: id}, nil
}
