package engine

import (
	"time"

	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// poolKey names the environments of one function version.
type poolKey struct {
	region, name, version string
}

// pool holds the environments of one function version at one revision of
// its configuration. A newer revision gets a new pool; the old one drains.
type pool struct {
	key      poolKey
	revision string
	idle     []*environment // most recently used last
	busy     int
	draining bool
}

// acquire admits req within the concurrency limits and returns a warm
// environment, or nil when the caller must start one in p.
func (e *Engine) acquire(req *lambda.Invocation) (*environment, *pool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.admitLocked(req); err != nil {
		if e.opts.Observer != nil {
			e.opts.Observer.Throttled(req.Scope.Region, req.Target.Config.FunctionName, req.Function.Qualifier)
		}
		return nil, nil, err
	}
	cfg := req.Target.Config
	k := poolKey{req.Scope.Region, cfg.FunctionName, cfg.Version}
	p := e.pools[k]
	if p != nil && p.revision != cfg.RevisionId {
		e.drainLocked(k, p)
		p = nil
	}
	if p == nil {
		p = &pool{key: k, revision: cfg.RevisionId}
		e.pools[k] = p
	}
	p.busy++
	now := time.Now()
	for len(p.idle) > 0 {
		env := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if env.alive() && !env.retired(now) {
			return env, p, nil
		}
		e.stopLocked(env)
	}
	return nil, p, nil
}

// release ends req's admission and returns env to its pool when it can
// serve again; otherwise env is stopped.
func (e *Engine) release(req *lambda.Invocation, p *pool, env *environment, reusable bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.unadmitLocked(req)
	p.busy--
	if env == nil {
		return
	}
	if now := time.Now(); reusable && !p.draining && env.alive() && !env.retired(now) {
		env.lastUsed = now
		p.idle = append(p.idle, env)
		env.idle()
		return
	}
	e.stopLocked(env)
}

func functionID(req *lambda.Invocation) string {
	return req.Scope.Region + "/" + req.Target.Config.FunctionName
}

// admitLocked counts req against its function's reservation, or against
// the account's unreserved concurrency.
func (e *Engine) admitLocked(req *lambda.Invocation) error {
	id := functionID(req)
	if req.Target.Reserved != nil {
		if e.reserved[id] >= *req.Target.Reserved {
			return lambda.Throttled(lambda.ReasonReservedFunctionConcurrentInvocationLimitExceeded)
		}
		e.reserved[id]++
	} else {
		if e.unreserved >= e.opts.MaxConcurrency-req.Target.ReservedTotal {
			return lambda.Throttled(lambda.ReasonConcurrentInvocationLimitExceeded)
		}
		e.unreserved++
	}
	e.inflight[id]++
	return nil
}

func (e *Engine) unadmitLocked(req *lambda.Invocation) {
	id := functionID(req)
	if e.inflight[id]--; e.inflight[id] <= 0 {
		delete(e.inflight, id)
	}
	if req.Target.Reserved != nil {
		if e.reserved[id]--; e.reserved[id] <= 0 {
			delete(e.reserved, id)
		}
		return
	}
	e.unreserved--
}

// drainLocked retires a pool: idle environments stop now, busy ones when
// they are released.
func (e *Engine) drainLocked(k poolKey, p *pool) {
	if e.pools[k] == p {
		delete(e.pools, k)
	}
	p.draining = true
	for _, env := range p.idle {
		e.stopLocked(env)
	}
	p.idle = nil
}

// reap stops environments idle for longer than the keep-alive, and forgets
// pools with nothing left in them.
func (e *Engine) reap(now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for k, p := range e.pools {
		kept := p.idle[:0]
		for _, env := range p.idle {
			if now.Sub(env.lastUsed) >= e.opts.KeepAlive || !env.alive() || env.retired(now) {
				e.stopLocked(env)
				continue
			}
			kept = append(kept, env)
		}
		clear(p.idle[len(kept):])
		p.idle = kept
		if len(p.idle) == 0 && p.busy == 0 {
			delete(e.pools, k)
		}
	}
}

// stopLocked stops env in the background.
func (e *Engine) stopLocked(env *environment) {
	e.environment.Add(1)
	go func() {
		defer e.environment.Done()
		env.stop(e.opts.ShutdownGrace)
	}()
}

// Environments counts the warm and busy environments, for tests and metrics.
func (e *Engine) Environments() (idle, busy int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, p := range e.pools {
		idle += len(p.idle)
		busy += p.busy
	}
	return idle, busy
}
