// Package engine runs functions: it keeps warm execution environments per
// function version, starts one per concurrent request within the account's
// and the function's concurrency limits, hands each invocation to an
// environment's Runtime API, enforces timeouts, writes the START/END/REPORT
// log lines, and stops environments that crash, go stale or sit idle.
package engine

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/sandbox"
	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// Launcher says how to start a runtime in a sandbox.
type Launcher interface {
	// Launch returns the argv and the runtime-specific variables of a new
	// environment of runtime, laid out as paths says; taskRoot is where
	// nubo itself sees the function's code.
	Launch(runtime string, paths sandbox.Paths, taskRoot string, memoryMB int) (argv, env []string, err error)
	// RuntimeDir is the host directory of nubo's runtime clients.
	RuntimeDir() string
	// Version is the runtime's version for INIT_START ("python:3.11.v1").
	Version(runtime string) string
}

// Listener is implemented by sandboxes that can open further listeners in
// their own network, reachable only from inside.
type Listener interface {
	Listen(network, address string) (net.Listener, error)
}

// SandboxEndpoint is where functions in such a sandbox reach nubo's API
// (the linux driver listens on it ahead: linux.Options.Listen).
const SandboxEndpoint = "127.0.0.1:4566"

// Packages gives the extracted directory of a code package.
type Packages interface {
	Extract(ctx context.Context, key string) (string, error)
}

// LogSink stores log events. Append is on the invoke path and must not
// block for long.
type LogSink interface {
	Append(group, stream string, events []lambda.LogEvent)
}

// Options configures an Engine.
type Options struct {
	Driver   sandbox.Driver
	Launcher Launcher
	Packages Packages
	Logs     LogSink
	// MaxConcurrency is the account's concurrency limit.
	MaxConcurrency int
	// Share, when set, is this node's part of a limit that the nodes of a
	// cluster share (the account's unreserved concurrency, key "", or a
	// function's reservation, key "region/name"): each node admits up to
	// its part, and the parts add up to the limit.
	Share func(limit int, key string) int
	// KeepAlive is how long an idle environment stays warm.
	KeepAlive time.Duration
	// InitTimeout bounds the Init phase (10 s in Lambda).
	InitTimeout time.Duration
	// ShutdownGrace is how long a stopping runtime has between SIGTERM and
	// SIGKILL.
	ShutdownGrace time.Duration
	// Observer, when set, receives every invocation's record and throttle.
	Observer Observer
	// BillingGranularity is what billed durations are rounded up to (1 ms
	// when zero; Lambda billed in 100 ms steps before December 2020). The
	// REPORT line and the Observer's record show the same rounded value.
	BillingGranularity time.Duration
	// EndpointURL is nubo's AWS endpoint, given to functions as
	// AWS_ENDPOINT_URL. When a sandbox can listen inside itself (see
	// Listener), Identity's API is served there instead, at 127.0.0.1:4566
	// of the sandbox, and functions get that address.
	EndpointURL string
	// Identity, when set, gives each environment its function's role
	// (credentials, and the AWS API its sandbox reaches).
	Identity Identity
	Logger   *slog.Logger
}

// Identity is who a function acts as: Lambda gives every execution
// environment credentials of the function's execution role.
type Identity interface {
	// Credentials are credentials of the role, valid for hours.
	Credentials(ctx context.Context, scope lambda.Scope, cfg *lambda.FunctionConfiguration) (Credentials, error)
	// API serves nubo's AWS API to the function's sandbox, whose requests
	// act as the role.
	API(scope lambda.Scope, cfg *lambda.FunctionConfiguration) http.Handler
}

// Credentials are temporary credentials of a role.
type Credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
	Expiration                                 time.Time
}

// renewBefore is how long before its credentials expire an environment
// takes its last invocation: longer than the longest invocation (15
// minutes), so that no function sees its credentials expire. The next
// invocation starts an environment with fresh ones.
const renewBefore = 20 * time.Minute

// Engine runs invocations.
type Engine struct {
	opts Options
	log  *slog.Logger

	mu         sync.Mutex
	pools      map[poolKey]*pool
	unreserved int                 // invocations in flight of functions without a reservation
	reserved   map[functionKey]int // invocations in flight per function with one
	inflight   map[functionKey]int // invocations in flight per function
	// stopping counts the environments being stopped; stopped signals
	// each end. (Not a WaitGroup: an invocation that ends while stopAll
	// waits stops its environment then, and a WaitGroup's Add may not
	// race its Wait.)
	stopping int
	stopped  *sync.Cond
}

// New returns an Engine; Run must be running for idle environments to stop.
func New(opts Options) *Engine {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.InitTimeout == 0 {
		opts.InitTimeout = 10 * time.Second
	}
	if opts.KeepAlive == 0 {
		opts.KeepAlive = 10 * time.Minute
	}
	if opts.MaxConcurrency == 0 {
		opts.MaxConcurrency = 1000
	}
	e := &Engine{opts: opts, log: opts.Logger, pools: map[poolKey]*pool{}, reserved: map[functionKey]int{}, inflight: map[functionKey]int{}}
	e.stopped = sync.NewCond(&e.mu)
	return e
}

// Run stops environments idle for longer than the keep-alive until ctx
// ends, then stops every environment.
func (e *Engine) Run(ctx context.Context) error {
	tick := min(max(e.opts.KeepAlive/10, 10*time.Millisecond), time.Second)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			e.stopAll()
			return nil
		case now := <-t.C:
			e.reap(now)
		}
	}
}

// Removed drains the environments of a deleted function or version
// (version "" means all of them).
func (e *Engine) Removed(scope lambda.Scope, name, version string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for k, p := range e.pools {
		if k.region == scope.Region && k.name == name && (version == "" || k.version == version) {
			e.drainLocked(k, p)
		}
	}
}

// Concurrency reports the invocations in flight: in total and per function
// ("region/name").
func (e *Engine) Concurrency() (total int, byFunction map[string]int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	byFunction = make(map[string]int, len(e.inflight))
	for k, v := range e.inflight {
		byFunction[k.region+"/"+k.name] = v
		total += v
	}
	return total, byFunction
}

// stopAll stops every environment and waits for them, and for those
// whose invocations end meanwhile.
func (e *Engine) stopAll() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for k, p := range e.pools {
		e.drainLocked(k, p)
	}
	for e.stopping > 0 {
		e.stopped.Wait()
	}
}
