// Package invoker runs one invocation of a function named as callers name
// it: it resolves the name, version or alias through the control plane and
// hands the resolved version to the engine. The Invoke API, the
// asynchronous queue and the event source mappings all invoke through it.
package invoker

import (
	"context"

	"github.com/google/uuid"

	"github.com/nubo-dev/nubo/internal/engine"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/lambda/control"
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

// Resolve checks that a function can be invoked, without invoking it (as
// DryRun does), and sets inv's Target.
func (i *Invoker) Resolve(ctx context.Context, inv *lambda.Invocation) error {
	target, err := i.control.Resolve(ctx, inv.Scope, inv.Function)
	if err != nil {
		return err
	}
	inv.Target = target
	return nil
}

// Invoke resolves inv's function and runs it synchronously.
func (i *Invoker) Invoke(ctx context.Context, inv *lambda.Invocation) (*lambda.Result, error) {
	target, err := i.control.Resolve(ctx, inv.Scope, inv.Function)
	if err != nil {
		return nil, err
	}
	inv.Target = target
	if inv.RequestID == "" {
		inv.RequestID = uuid.NewString()
	}
	res, err := i.engine.Invoke(ctx, inv)
	if err != nil {
		return nil, err
	}
	res.RequestID, res.ExecutedVersion = inv.RequestID, target.Config.Version
	return res, nil
}
