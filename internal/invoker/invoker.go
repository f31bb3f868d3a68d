// Package invoker runs one invocation of a function named as callers name
// it: it resolves the name, version or alias through the control plane and
// hands the resolved version to the engine, here or, in a cluster, on the
// node that has a warm environment of it or the least load (place.go).
// The Invoke API, the asynchronous queue and the event source mappings
// all invoke through it.
package invoker

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/nubo-dev/nubo/internal/cluster"
	"github.com/nubo-dev/nubo/internal/engine"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/lambda/control"
)

// Invoker resolves and runs invocations.
type Invoker struct {
	control *control.Service
	engine  *engine.Engine
	place   *placer // nil on a single node
}

// New returns an Invoker; with a cluster, its invocations run where there
// is capacity, and it runs those other nodes send here.
func New(ctl *control.Service, eng *engine.Engine, c *cluster.Cluster) *Invoker {
	i := &Invoker{control: ctl, engine: eng}
	if c != nil {
		i.place = newPlacer(c, eng)
	}
	return i
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

// Invoke resolves inv's function and runs it synchronously, on the node
// placement picks (a streamed response runs here: its bytes go to this
// node's caller as they come).
func (i *Invoker) Invoke(ctx context.Context, inv *lambda.Invocation) (*lambda.Result, error) {
	if err := i.resolve(ctx, inv); err != nil {
		return nil, err
	}
	if inv.Stream != nil {
		return i.local(ctx, inv)
	}
	if i.place != nil {
		if node := i.place.pick(inv); node != "" {
			res, err := i.place.run(ctx, node, inv)
			if !errors.Is(err, errNotSent) {
				return res, err
			}
		}
	}
	res, err := i.local(ctx, inv)
	if i.place != nil && lambda.ThrottleReason(err) != "" {
		// This node's part of the limit is used up; another's may not be.
		if node := i.place.pickOther(); node != "" {
			if res, err2 := i.place.run(ctx, node, inv); err2 == nil {
				return res, nil
			}
		}
	}
	return res, err
}

// InvokeHere resolves inv's function and runs it on this node, as events
// this node took from a queue are (it took no more than its part of the
// function's concurrency).
func (i *Invoker) InvokeHere(ctx context.Context, inv *lambda.Invocation) (*lambda.Result, error) {
	if err := i.resolve(ctx, inv); err != nil {
		return nil, err
	}
	return i.local(ctx, inv)
}

func (i *Invoker) resolve(ctx context.Context, inv *lambda.Invocation) error {
	target, err := i.control.Resolve(ctx, inv.Scope, inv.Function)
	if err != nil {
		return err
	}
	inv.Target = target
	if inv.RequestID == "" {
		inv.RequestID = uuid.NewString()
	}
	return nil
}

func (i *Invoker) local(ctx context.Context, inv *lambda.Invocation) (*lambda.Result, error) {
	res, err := i.engine.Invoke(ctx, inv)
	if err != nil {
		return nil, err
	}
	res.RequestID, res.ExecutedVersion = inv.RequestID, inv.Target.Config.Version
	return res, nil
}
