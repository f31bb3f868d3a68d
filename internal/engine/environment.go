package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/code"
	"github.com/nubo-dev/nubo/internal/runtimeapi"
	"github.com/nubo-dev/nubo/internal/sandbox"
	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// environment is one execution environment: a sandbox running a runtime,
// its Runtime API, and its log stream.
type environment struct {
	id   string
	sb   sandbox.Sandbox
	rapi *runtimeapi.Server
	http *http.Server
	out  *output
	logs *logStream

	// initDuration is reported (and billed) with the first invocation.
	initDuration time.Duration
	// lastUsed is guarded by Engine.mu.
	lastUsed time.Time
	// extensions is how many extensions registered during Init.
	extensions int
	// reusable is false once an invocation left the runtime in a state
	// where it cannot take another event.
	reusable bool
	// endpoint is AWS_ENDPOINT_URL as the function sees it; api serves it
	// inside the sandbox when the sandbox allows that.
	endpoint string
	api      *http.Server
	// creds are the role's credentials the runtime was given; the
	// environment retires at retireAt, before they expire.
	creds    Credentials
	retireAt time.Time
	// started is set when a suppressed init has already logged the START
	// line of the invocation that follows.
	started bool
	// fz freezes the environment while it is idle.
	fz  freezing
	log *slog.Logger

	stopOnce sync.Once
}

// initFailure is an Init phase that did not complete.
type initFailure struct {
	errorType string // Runtime.ExitError, Runtime.ImportModuleError, ...
	payload   []byte // the error JSON the invoke returns
	timeout   bool
	duration  time.Duration
	exit      string
	message   string // what went wrong, when the runtime could not start
}

// initDoner is implemented by sandboxes that treat Init specially (Lambda
// gives Init more CPU than the function's share).
type initDoner interface{ InitDone() }

// newEnvironmentID returns the 32 hex digits of a log stream name.
func newEnvironmentID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// logStreamName is AWS's YYYY/MM/DD/[VERSION]ID.
func logStreamName(t time.Time, version, id string) string {
	return t.UTC().Format("2006/01/02") + "/[" + version + "]" + id
}

func logGroupOf(cfg *lambda.FunctionConfiguration) string {
	if cfg.LoggingConfig != nil && cfg.LoggingConfig.LogGroup != "" {
		return cfg.LoggingConfig.LogGroup
	}
	return "/aws/lambda/" + cfg.FunctionName
}

// newLogStream names the log stream of a new environment.
func (e *Engine) newLogStream(req *lambda.Invocation) *logStream {
	id := newEnvironmentID()
	return newLogStream(e.opts.Logs, id, logGroupOf(req.Target.Config), logStreamName(time.Now(), req.Target.Config.Version, id))
}

// start creates the sandbox, starts the runtime and waits for its Init
// phase, which limit bounds. A failed Init leaves nothing running.
func (e *Engine) start(ctx context.Context, req *lambda.Invocation, logs *logStream, limit time.Duration) (*environment, *initFailure, error) {
	cfg := req.Target.Config
	env := &environment{id: logs.id, logs: logs, log: e.log}
	// The role's credentials (issued on a function's first cold start)
	// are fetched while the code is found and the sandbox made.
	creds := make(chan error, 1)
	go func() { creds <- e.credentials(ctx, req, env) }()
	key, err := code.KeyOf(cfg.CodeSha256)
	if err != nil {
		return nil, nil, err
	}
	taskRoot, err := e.opts.Packages.Extract(ctx, key)
	if err != nil {
		return nil, nil, fmt.Errorf("extract code: %w", err)
	}
	var pr, pw *os.File
	if env.sb, pr, pw, err = e.createSandbox(ctx, env.id, taskRoot, cfg); err != nil {
		return nil, nil, err
	}
	if env.out, err = newOutput(pr, env.logs.line); err != nil {
		pw.Close()
		env.sb.Stop(0)
		return nil, nil, err
	}
	env.rapi = runtimeapi.New(runtimeapi.Info{FunctionName: cfg.FunctionName, FunctionVersion: cfg.Version,
		Handler: cfg.Handler, AccountID: req.Scope.Account})
	env.http = &http.Server{Handler: env.rapi}
	go env.http.Serve(env.sb.Listener())
	err = e.serveAPI(env, req)
	if cerr := <-creds; err == nil {
		err = cerr
	}
	if err != nil {
		pw.Close()
		env.stop(0)
		return nil, nil, err
	}

	env.logs.line(e.initStartLine(req))
	started := time.Now()
	argv, vars, err := e.opts.Launcher.Launch(cfg.Runtime, env.sb.Paths(), taskRoot, cfg.MemorySize)
	if err == nil {
		err = env.sb.Start(argv, e.environmentVariables(req, env, vars))
	}
	pw.Close() // the sandbox holds its own copy
	if err != nil {
		// The runtime cannot even start: AWS calls that an invalid entry
		// point, and it fails the invocation like any failed Init.
		env.stop(0)
		return nil, &initFailure{errorType: "Runtime.InvalidEntrypoint", message: err.Error(), duration: time.Since(started)}, nil
	}
	if fail := env.awaitInit(ctx, started, limit); fail != nil {
		env.stop(0)
		return nil, fail, nil
	}
	env.extensions = env.rapi.Extensions()
	return env, nil, nil
}

// createSandbox creates the sandbox of environment id, its output on the
// pipe pw (the engine reads pr).
func (e *Engine) createSandbox(ctx context.Context, id, taskRoot string, cfg *lambda.FunctionConfiguration) (sb sandbox.Sandbox, pr, pw *os.File, err error) {
	if pr, pw, err = os.Pipe(); err != nil {
		return nil, nil, nil, err
	}
	sb, err = e.opts.Driver.Create(ctx, sandbox.Spec{
		ID: id, TaskRoot: taskRoot, RuntimeDir: e.opts.Launcher.RuntimeDir(),
		MemoryMB: cfg.MemorySize, EphemeralMB: ephemeralMB(cfg), Output: pw,
	})
	if err != nil {
		pr.Close()
		pw.Close()
		return nil, nil, nil, fmt.Errorf("create sandbox: %w", err)
	}
	return sb, pr, pw, nil
}

// credentials gives env the credentials of req's execution role.
func (e *Engine) credentials(ctx context.Context, req *lambda.Invocation, env *environment) error {
	id := e.opts.Identity
	if id == nil {
		return nil
	}
	creds, err := id.Credentials(ctx, req.Scope, req.Target.Config)
	if err != nil {
		return err
	}
	env.creds = creds
	if !creds.Expiration.IsZero() { // none: a role nubo does not verify
		env.retireAt = creds.Expiration.Add(-renewBefore)
	}
	return nil
}

// serveAPI serves nubo's AWS API inside the sandbox when the sandbox allows
// it, so that functions reach it without reaching the host.
func (e *Engine) serveAPI(env *environment, req *lambda.Invocation) error {
	l, ok := env.sb.(Listener)
	if !ok || e.opts.Identity == nil {
		env.endpoint = e.opts.EndpointURL
		return nil
	}
	ln, err := l.Listen("tcp", SandboxEndpoint)
	if err != nil {
		return fmt.Errorf("serve the AWS API in the sandbox: %w", err)
	}
	env.endpoint = "http://" + SandboxEndpoint
	env.api = &http.Server{Handler: e.opts.Identity.API(req.Scope, req.Target.Config), ReadHeaderTimeout: 20 * time.Second}
	go env.api.Serve(ln)
	return nil
}

func ephemeralMB(cfg *lambda.FunctionConfiguration) int {
	if cfg.EphemeralStorage != nil {
		return cfg.EphemeralStorage.Size
	}
	return lambda.MinEphemeral
}

func (e *Engine) initStartLine(req *lambda.Invocation) string {
	v := e.opts.Launcher.Version(req.Target.Config.Runtime)
	return fmt.Sprintf("INIT_START Runtime Version: %s\tRuntime Version ARN: arn:aws:lambda:%s::runtime:%s",
		v, req.Scope.Region, runtimeVersionHash(v))
}

// awaitInit waits until the runtime (and its extensions), started at
// started, ask for the first event, the runtime exits, or limit passes.
// Init lasts from the start, not from this call: a runtime forked ready
// may ask before the engine gets here.
func (env *environment) awaitInit(ctx context.Context, started time.Time, limit time.Duration) *initFailure {
	t := time.NewTimer(limit - time.Since(started))
	defer t.Stop()
	select {
	case <-env.rapi.InitDone():
		env.initDuration = time.Since(started)
		if d, ok := env.sb.(initDoner); ok {
			d.InitDone() // e.g. the linux driver ends Init's CPU boost
		}
		env.sb.MaxMemoryMB() // a first reading, in case the runtime dies before the next
		return nil
	case <-env.sb.Done():
		fail := &initFailure{duration: time.Since(started), exit: env.sb.Exit().String()}
		if rep := env.rapi.InitError(); rep != nil {
			fail.errorType, fail.payload = runtimeErrorType(rep.ErrorType), rep.Payload
		} else {
			fail.errorType = exitErrorType(env.sb.Exit())
		}
		return fail
	case <-t.C:
		return &initFailure{timeout: true, duration: time.Since(started)}
	case <-ctx.Done():
		return &initFailure{timeout: true, duration: time.Since(started)}
	}
}

// retired reports whether the environment's credentials are too close to
// expiring for another invocation.
func (env *environment) retired(now time.Time) bool {
	return !env.retireAt.IsZero() && !now.Before(env.retireAt)
}

// alive reports whether the runtime process still runs.
func (env *environment) alive() bool {
	select {
	case <-env.sb.Done():
		return false
	default:
		return true
	}
}

// stop ends the environment: its runtime gets SIGTERM and grace, then
// everything in the sandbox is killed; remaining output is flushed.
func (env *environment) stop(grace time.Duration) {
	env.stopOnce.Do(func() {
		env.wake()
		// SIGTERM reaches a runtime parked in /next; closing the Runtime
		// API first would make it exit before its handlers ran.
		env.sb.Stop(grace)
		env.rapi.Close()
		env.http.Close()
		if env.api != nil {
			env.api.Close()
		}
		select {
		case <-env.out.done:
		case <-time.After(2 * time.Second):
			// Something outside the sandbox's process tree holds the pipe.
			env.out.f.Close()
		}
		env.logs.flush()
	})
}
