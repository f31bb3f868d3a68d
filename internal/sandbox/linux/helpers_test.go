package linux

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/sandbox"
)

var tools struct {
	mu    sync.Mutex
	dir   string
	built map[string]string
}

// buildTool compiles testdata/name into a static binary, once per test
// binary, and returns its path.
func buildTool(t testing.TB, name string) string {
	t.Helper()
	tools.mu.Lock()
	defer tools.mu.Unlock()
	if p, ok := tools.built[name]; ok {
		return p
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("needs the go tool to build testdata programs")
	}
	if tools.dir == "" {
		dir, err := os.MkdirTemp("", "nubo-linux-tools")
		if err != nil {
			t.Fatal(err)
		}
		tools.dir, tools.built = dir, map[string]string{}
	}
	out := filepath.Join(tools.dir, name)
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./testdata/"+name)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", name, err, b)
	}
	tools.built[name] = out
	return out
}

// taskRoot makes a code directory holding files (name to content) and
// copies of the given binaries.
func taskRoot(t testing.TB, files map[string]string, bins ...string) string {
	t.Helper()
	root := t.TempDir()
	os.Chmod(root, 0o755)
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range bins {
		data, err := os.ReadFile(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, filepath.Base(b)), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// output collects what a sandbox writes.
type output struct {
	w    *os.File
	mu   sync.Mutex
	buf  bytes.Buffer
	done chan struct{}
}

func newOutput(t testing.TB) *output {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	o := &output{w: w, done: make(chan struct{})}
	go func() {
		defer close(o.done)
		b := make([]byte, 32<<10)
		for {
			n, err := r.Read(b)
			o.mu.Lock()
			o.buf.Write(b[:n])
			o.mu.Unlock()
			if err != nil {
				r.Close()
				return
			}
		}
	}()
	t.Cleanup(func() { w.Close() })
	return o
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// waitFor polls the output until it contains s.
func (o *output) waitFor(t testing.TB, s string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if bytes.Contains([]byte(o.String()), []byte(s)) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("output never showed %q: %q", s, o.String())
}

type env struct {
	sb  sandbox.Sandbox
	out *output
}

var envSeq struct {
	sync.Mutex
	n int
}

// create makes a sandbox for root, stopped when the test ends.
func create(t testing.TB, d *Driver, root string, memoryMB, ephemeralMB int) *env {
	t.Helper()
	envSeq.Lock()
	envSeq.n++
	id := fmt.Sprintf("t%d", envSeq.n)
	envSeq.Unlock()
	out := newOutput(t)
	sb, err := d.Create(context.Background(), sandbox.Spec{
		ID: id, TaskRoot: root, MemoryMB: memoryMB, EphemeralMB: ephemeralMB, Output: out.w,
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	t.Cleanup(func() { sb.Stop(0) })
	return &env{sb: sb, out: out}
}

var baseEnv = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "TMPDIR=/tmp", "LAMBDA_TASK_ROOT=/var/task"}

func (e *env) start(t testing.TB, argv []string, extra ...string) {
	t.Helper()
	env := append(append([]string{"AWS_LAMBDA_RUNTIME_API=" + e.sb.RuntimeAPI()}, baseEnv...), extra...)
	if err := e.sb.Start(argv, env); err != nil {
		t.Fatalf("start: %v", err)
	}
}

func (e *env) sh(t testing.TB, script string, extra ...string) {
	t.Helper()
	e.start(t, []string{"/bin/sh", "-c", script}, extra...)
}

// wait returns the exit once the sandbox has ended and its output is read.
func (e *env) wait(t testing.TB, timeout time.Duration) sandbox.Exit {
	t.Helper()
	select {
	case <-e.sb.Done():
	case <-time.After(timeout):
		t.Fatalf("sandbox still running after %v; output %q", timeout, e.out.String())
	}
	// Every process that held the pipe is gone: once this end is closed too,
	// the reader sees EOF after the last byte (a sleep here lost the output
	// of TestAttackForkBomb on a busy machine).
	e.out.w.Close()
	select {
	case <-e.out.done:
	case <-time.After(timeout):
		t.Fatal("the sandbox's output pipe is still open")
	}
	return e.sb.Exit()
}

// value returns the number printed as "name=N", or -1.
func (o *output) value(name string) int {
	for _, line := range strings.Split(o.String(), "\n") {
		if v, ok := strings.CutPrefix(line, name+"="); ok {
			if n, err := strconv.Atoi(v); err == nil {
				return n
			}
		}
	}
	return -1
}
