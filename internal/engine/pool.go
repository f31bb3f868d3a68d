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

// functionKey names a function across its versions.
type functionKey struct{ region, name string }

// String is the key's name for the cluster's Share ("" for the account).
func (k functionKey) String() string {
	if k == (functionKey{}) {
		return ""
	}
	return k.region + "/" + k.name
}

func functionOf(req *lambda.Invocation) functionKey {
	return functionKey{req.Scope.Region, req.Target.Config.FunctionName}
}

// admitLocked counts req against its function's reservation, or against
// the account's unreserved concurrency.
func (e *Engine) admitLocked(req *lambda.Invocation) error {
	id := functionOf(req)
	if req.Target.Reserved != nil {
		if e.reserved[id] >= e.share(*req.Target.Reserved, id) {
			return lambda.Throttled(lambda.ReasonReservedFunctionConcurrentInvocationLimitExceeded)
		}
		e.reserved[id]++
	} else {
		if e.unreserved >= e.share(e.opts.MaxConcurrency-req.Target.ReservedTotal, functionKey{}) {
			return lambda.Throttled(lambda.ReasonConcurrentInvocationLimitExceeded)
		}
		e.unreserved++
	}
	e.inflight[id]++
	return nil
}

// share is this node's part of limit (all of it on a single node).
func (e *Engine) share(limit int, key functionKey) int {
	if e.opts.Share == nil {
		return limit
	}
	return e.opts.Share(limit, key.String())
}

func (e *Engine) unadmitLocked(req *lambda.Invocation) {
	id := functionOf(req)
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
	e.stopping++
	go func() {
		env.stop(e.opts.ShutdownGrace)
		e.mu.Lock()
		e.stopping--
		e.stopped.Broadcast()
		e.mu.Unlock()
	}()
}

// PoolID names the environments of a function version at one revision of
// its configuration, as Idle reports them.
func PoolID(region, name, version, revision string) string {
	return region + "/" + name + "/" + version + "@" + revision
}

// TargetPool is the PoolID of an invocation's resolved target.
func TargetPool(req *lambda.Invocation) string {
	cfg := req.Target.Config
	return PoolID(req.Scope.Region, cfg.FunctionName, cfg.Version, cfg.RevisionId)
}

// Idle counts the idle environments of each pool that has some.
func (e *Engine) Idle() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[string]int{}
	for k, p := range e.pools {
		if len(p.idle) > 0 && !p.draining {
			out[PoolID(k.region, k.name, k.version, p.revision)] = len(p.idle)
		}
	}
	return out
}

// HasIdle reports whether req's pool has an idle environment here.
func (e *Engine) HasIdle(req *lambda.Invocation) bool {
	cfg := req.Target.Config
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.pools[poolKey{req.Scope.Region, cfg.FunctionName, cfg.Version}]
	return p != nil && p.revision == cfg.RevisionId && len(p.idle) > 0
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
