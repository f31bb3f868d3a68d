// Package sandbox is the contract between the engine and the drivers that
// run execution environments. A driver prepares a Sandbox (its filesystem
// view, its limits, and the listener of its own Runtime API), then starts
// one process tree in it; the engine serves the Runtime API on the listener
// and stops the sandbox when the environment ends. Every driver passes the
// conformance suite in sandbox/sandboxtest.
package sandbox

import (
	"context"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"
)

// Driver creates sandboxes.
type Driver interface {
	// Name is the driver's name as --sandbox selects it ("process", "linux").
	Name() string
	// Create prepares a sandbox for spec. Nothing runs in it until Start.
	Create(ctx context.Context, spec Spec) (Sandbox, error)
}

// Spec describes one execution environment.
type Spec struct {
	// ID names the environment (unique among live sandboxes).
	ID string
	// TaskRoot is the host directory of the extracted code, seen read-only
	// inside the sandbox.
	TaskRoot string
	// RuntimeDir is the host directory of nubo's runtime clients, seen
	// read-only inside the sandbox ("" when the runtime needs none).
	RuntimeDir string
	// MemoryMB is the function's memory size; drivers that enforce limits
	// also derive the CPU share from it.
	MemoryMB int
	// EphemeralMB is the size of the sandbox's private /tmp.
	EphemeralMB int
	// Output receives everything the processes write to stdout and stderr.
	Output *os.File
}

// Paths are the sandbox's own view of its directories, for the variables
// the runtime receives (LAMBDA_TASK_ROOT, LAMBDA_RUNTIME_DIR, TMPDIR).
type Paths struct {
	TaskRoot   string
	RuntimeDir string
	OptDir     string
	Tmp        string
}

// Sandbox is one prepared or running execution environment.
type Sandbox interface {
	// Paths are the sandbox's directories as its processes see them.
	Paths() Paths
	// Listener accepts the sandbox's connections to its Runtime API, which
	// only this sandbox can reach; RuntimeAPI is its host:port as seen from
	// inside (the value of AWS_LAMBDA_RUNTIME_API).
	Listener() net.Listener
	RuntimeAPI() string
	// Start runs argv with exactly the environment env. It may be called
	// once.
	Start(argv []string, env []string) error
	// Done is closed when the started process has exited; Exit then says how.
	Done() <-chan struct{}
	Exit() Exit
	// MaxMemoryMB is the peak memory of the sandbox's processes so far.
	MaxMemoryMB() int
	// Stop sends SIGTERM to every process of the sandbox, waits up to grace
	// for them to exit, kills whatever is left, and releases the sandbox's
	// resources. It is safe to call more than once.
	Stop(grace time.Duration) error
}

// Freezer is implemented by sandboxes that can suspend every process of
// the environment, as Lambda does between invocations: nothing the
// function left running (a background task, a fork bomb) gets CPU while no
// invocation is in progress. The engine freezes an environment only while
// it is idle, after its runtime has asked for the next event, and thaws it
// before handing it one.
type Freezer interface {
	// Freeze stops every process of the sandbox; when it returns nil, none
	// runs. A process can hold freezing up (one in an uninterruptible
	// sleep, or one starved of CPU): when ctx ends first, Freeze thaws the
	// sandbox and returns ctx's error.
	Freeze(ctx context.Context) error
	// Thaw lets them run again. Stop works on a frozen sandbox too.
	Thaw() error
}

// Exit describes how a sandbox's main process ended.
type Exit struct {
	Code   int
	Signal string // "killed", "terminated", ... ("" when it exited normally)
	// OOM is set when the sandbox's memory limit killed it.
	OOM bool
}

// ExitOf is the exit a process's wait status reports, as both drivers
// see it.
func ExitOf(ws syscall.WaitStatus) Exit {
	if ws.Signaled() {
		return Exit{Code: -1, Signal: ws.Signal().String()}
	}
	return Exit{Code: ws.ExitStatus()}
}

// String renders the exit as Go's os/exec does ("exit status 1",
// "signal: killed"), which is also how AWS words Runtime.ExitError.
func (e Exit) String() string {
	if e.Signal != "" {
		return "signal: " + e.Signal
	}
	return fmt.Sprintf("exit status %d", e.Code)
}
