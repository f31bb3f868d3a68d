package engine

import (
	"context"
	"sync"
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
// load is not frozen and thawed between every two invocations, which took
// a third off the linux driver's warm rate at c=1 (no wait) and a tenth at
// c=64 (10 ms, when the pool's less used environments sat idle for tens of
// milliseconds at a time). Under such load the freeze costs a timer's
// reset and stop per invocation: its goroutine starts only when the timer
// fires.
//
// timer, armed and frozen belong to whoever holds the environment: the
// pool (idle runs under Engine.mu), then the invocation or the stop that
// takes it out, which calls wake first. The freeze the timer runs (freeze)
// sets frozen before it calls fired.Done, which wake waits for; mu guards
// what wake and that freeze share while both run.
type freezing struct {
	timer  *time.Timer // runs freeze; made by the first idle
	armed  bool        // idle set the timer and wake has not come since
	frozen bool
	fired  sync.WaitGroup // the timer's round: done when it was stopped or freeze ended

	mu     sync.Mutex
	woken  bool               // wake came: a freeze that has not begun does nothing
	cancel context.CancelFunc // ends the freeze under way, if any
}

// freezeAfter is how long an idle environment runs before it is frozen.
const freezeAfter = 100 * time.Millisecond

// idle freezes env once it has been idle for freezeAfter and its runtime is
// parked.
func (env *environment) idle() {
	if _, ok := env.sb.(sandbox.Freezer); !ok {
		return
	}
	env.fz.woken = false // no freeze runs: the last wake waited for it
	env.fz.armed = true
	env.fz.fired.Add(1)
	if env.fz.timer == nil {
		env.fz.timer = time.AfterFunc(freezeAfter, env.freeze)
	} else {
		env.fz.timer.Reset(freezeAfter)
	}
}

// freeze runs when the timer fires: it waits for the runtime to park,
// then freezes the sandbox, unless wake comes first.
func (env *environment) freeze() {
	defer env.fz.fired.Done()
	env.fz.mu.Lock()
	if env.fz.woken {
		env.fz.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env.fz.cancel = cancel
	env.fz.mu.Unlock()
	if env.rapi.Parked(ctx, env.sb.Done()) != nil {
		return
	}
	if err := env.sb.(sandbox.Freezer).Freeze(ctx); err != nil {
		if ctx.Err() == nil {
			env.log.Warn("freeze idle environment", "environment", env.id, "err", err)
		}
		return
	}
	env.fz.frozen = true
}

// wake ends a pending freeze and thaws env, before an invocation or Stop.
func (env *environment) wake() {
	if !env.fz.armed {
		return
	}
	env.fz.armed = false
	if env.fz.timer.Stop() {
		env.fz.fired.Done() // freeze will not run
		return
	}
	env.fz.mu.Lock()
	env.fz.woken = true
	if env.fz.cancel != nil {
		env.fz.cancel()
		env.fz.cancel = nil
	}
	env.fz.mu.Unlock()
	env.fz.fired.Wait()
	if !env.fz.frozen {
		return
	}
	env.fz.frozen = false
	if err := env.sb.(sandbox.Freezer).Thaw(); err != nil {
		env.log.Warn("thaw environment", "environment", env.id, "err", err)
	}
}
