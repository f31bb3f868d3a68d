package engine

import (
	"context"
	"time"

	"github.com/nubo-dev/nubo/internal/sandbox"
)

// freezing suspends an idle environment, as Lambda does between
// invocations, when its sandbox can (sandbox.Freezer): once the runtime
// has asked for the next event, nothing the function left behind runs
// until the environment gets one. Init and shutdown are never frozen: the
// engine calls idle only when an invocation has ended and the environment
// goes back to its pool, and wake before it hands it an event or stops it.
// The freeze waits for freezeAfter of idleness: an environment under steady
// load (the next event within milliseconds) is not frozen and thawed
// between every two invocations, which took a third off the linux driver's
// warm rate at c=1.
//
// The fields belong to whoever holds the environment: the pool (idle runs
// under Engine.mu), then the invocation or the stop that takes it out, which
// calls wake first; the pending freeze hands frozen over by closing done.
type freezing struct {
	frozen bool
	cancel context.CancelFunc // ends the pending freeze, if any
	done   chan struct{}      // closed when the pending freeze has ended
}

// freezeAfter is how long an idle environment runs before it is frozen.
const freezeAfter = 10 * time.Millisecond

// idle freezes env in the background once its runtime is parked.
func (env *environment) idle() {
	f, ok := env.sb.(sandbox.Freezer)
	if !ok {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	env.fz.cancel, env.fz.done = cancel, done
	go func() {
		defer close(done)
		if env.rapi.Parked(ctx, env.sb.Done()) != nil {
			return
		}
		t := time.NewTimer(freezeAfter)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
		if err := f.Freeze(ctx); err != nil {
			if ctx.Err() == nil {
				env.log.Warn("freeze idle environment", "environment", env.id, "err", err)
			}
			return
		}
		env.fz.frozen = true
	}()
}

// wake ends a pending freeze and thaws env, before an invocation or Stop.
func (env *environment) wake() {
	if env.fz.cancel == nil {
		return
	}
	env.fz.cancel()
	<-env.fz.done
	env.fz.cancel, env.fz.done = nil, nil
	if !env.fz.frozen {
		return
	}
	env.fz.frozen = false
	if err := env.sb.(sandbox.Freezer).Thaw(); err != nil {
		env.log.Warn("thaw environment", "environment", env.id, "err", err)
	}
}
