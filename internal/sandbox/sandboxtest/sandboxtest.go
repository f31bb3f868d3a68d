// Package sandboxtest is the conformance suite every sandbox driver runs:
// Run(t, driver) checks the behaviour the engine relies on, with real
// processes.
package sandboxtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/sandbox"
)

// Run runs the conformance suite against d.
func Run(t *testing.T, d sandbox.Driver) {
	tests := []struct {
		name string
		fn   func(*testing.T, sandbox.Driver)
	}{
		{"OutputEnvAndWorkingDir", testOutputEnvAndWorkingDir},
		{"ExitStatus", testExitStatus},
		{"KillSignal", testKillSignal},
		{"StopKillsProcessTree", testStopKillsProcessTree},
		{"StopBeforeStart", testStopBeforeStart},
		{"RuntimeAPIReachable", testRuntimeAPIReachable},
		{"RuntimeAPIPrivate", testRuntimeAPIPrivate},
		{"PrivateTmp", testPrivateTmp},
		{"MaxMemory", testMaxMemory},
		{"TaskRootContents", testTaskRootContents},
		{"Freeze", testFreeze},
		{"StopFrozen", testStopFrozen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, d) })
	}
}

// env is a sandboxed process under test and its captured output.
type env struct {
	t   *testing.T
	sb  sandbox.Sandbox
	out *capture
}

var ids sync.Mutex
var nextID int

func create(t *testing.T, d sandbox.Driver, files map[string]string) *env {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(root, 0o755)
	out, err := newCapture()
	if err != nil {
		t.Fatal(err)
	}
	ids.Lock()
	nextID++
	id := fmt.Sprintf("conf%d-%d", os.Getpid(), nextID)
	ids.Unlock()
	sb, err := d.Create(context.Background(), sandbox.Spec{
		ID: id, TaskRoot: root, MemoryMB: 256, EphemeralMB: 512, Output: out.w,
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	e := &env{t: t, sb: sb, out: out}
	t.Cleanup(func() {
		sb.Stop(0)
		out.close()
	})
	return e
}

// serveRuntimeAPI answers every request on the sandbox's Runtime API
// listener with prefix and the request's path, until the test ends.
func (e *env) serveRuntimeAPI(prefix string) {
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, prefix+r.URL.Path)
	})}
	go srv.Serve(e.sb.Listener())
	e.t.Cleanup(func() { srv.Close() })
}

// start runs a shell script in the sandbox with a minimal environment.
func (e *env) start(script string, extra ...string) {
	e.t.Helper()
	p := e.sb.Paths()
	envv := append([]string{"PATH=/usr/local/bin:/usr/bin:/bin", "TMPDIR=" + p.Tmp, "LAMBDA_TASK_ROOT=" + p.TaskRoot,
		"AWS_LAMBDA_RUNTIME_API=" + e.sb.RuntimeAPI()}, extra...)
	if err := e.sb.Start([]string{"/bin/sh", "-c", script}, envv); err != nil {
		e.t.Fatalf("start: %v", err)
	}
}

// wait returns the exit once the process has ended and its output is read.
func (e *env) wait() sandbox.Exit {
	e.t.Helper()
	select {
	case <-e.sb.Done():
	case <-time.After(20 * time.Second):
		e.t.Fatal("process did not exit")
	}
	// Once the process and this end are gone, the reader gets EOF after the
	// last byte; a drain by sleeping could lose output on a busy machine.
	e.out.close()
	select {
	case <-e.out.done:
	case <-time.After(20 * time.Second):
		e.t.Fatal("the output pipe is still open")
	}
	return e.sb.Exit()
}

func testOutputEnvAndWorkingDir(t *testing.T, d sandbox.Driver) {
	e := create(t, d, nil)
	e.start(`echo hello; echo "FOO=$FOO"; pwd; echo oops >&2`, "FOO=bar baz")
	if ex := e.wait(); ex.Code != 0 || ex.Signal != "" {
		t.Fatalf("exit: %v", ex)
	}
	got := e.out.text()
	for _, want := range []string{"hello\n", "FOO=bar baz\n", e.sb.Paths().TaskRoot + "\n", "oops\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("output %q lacks %q", got, want)
		}
	}
}

func testExitStatus(t *testing.T, d sandbox.Driver) {
	e := create(t, d, nil)
	e.start(`exit 3`)
	ex := e.wait()
	if ex.Code != 3 || ex.String() != "exit status 3" {
		t.Fatalf("got %+v (%s), want exit status 3", ex, ex)
	}
}

func testKillSignal(t *testing.T, d sandbox.Driver) {
	e := create(t, d, nil)
	e.start(`kill -KILL $$`)
	if ex := e.wait(); ex.String() != "signal: killed" {
		t.Fatalf("got %q, want signal: killed", ex)
	}
}

// testStopKillsProcessTree starts a process that ignores SIGTERM and has
// children, one of them in its own session; Stop must end them all.
func testStopKillsProcessTree(t *testing.T, d sandbox.Driver) {
	e := create(t, d, nil)
	e.start(`trap '' TERM; sleep 1000 & echo child=$!; setsid sleep 1000 & echo escapee=$!; echo ready; wait`)
	e.out.waitFor(t, "ready")
	start := time.Now()
	if err := e.sb.Stop(200 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("Stop took %v", time.Since(start))
	}
	select {
	case <-e.sb.Done():
	default:
		t.Fatal("Done not closed after Stop")
	}
	for _, name := range []string{"child", "escapee"} {
		pid := e.out.value(name)
		if pid == 0 {
			t.Fatalf("no %s pid in output %q", name, e.out.text())
		}
		// Inside a PID namespace the printed pid is not the host's; a driver
		// with its own namespace is checked by the namespace going away.
		if d.Name() == "process" && processAlive(pid) {
			t.Errorf("%s (pid %d) survived Stop", name, pid)
		}
	}
	if err := e.sb.Stop(0); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func processAlive(pid int) bool {
	for i := 0; i < 50; i++ {
		if err := syscall.Kill(pid, 0); err != nil {
			return false
		}
		data, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if strings.Contains(string(data), ") Z ") {
			return false // a zombie waiting for its reaper is dead
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

func testStopBeforeStart(t *testing.T, d sandbox.Driver) {
	e := create(t, d, nil)
	if err := e.sb.Stop(0); err != nil {
		t.Fatal(err)
	}
	if err := e.sb.Start([]string{"/bin/true"}, nil); err == nil {
		t.Fatal("Start after Stop succeeded")
	}
}

// testRuntimeAPIReachable serves HTTP on the sandbox's listener and has the
// process call it at AWS_LAMBDA_RUNTIME_API.
func testRuntimeAPIReachable(t *testing.T, d sandbox.Driver) {
	e := create(t, d, nil)
	e.serveRuntimeAPI("pong:")
	e.start(`curl -sS "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/ping"; echo`)
	if ex := e.wait(); ex.Code != 0 {
		t.Fatalf("curl failed: %v, output %q", ex, e.out.text())
	}
	if got := e.out.text(); !strings.Contains(got, "pong:/2018-06-01/ping") {
		t.Fatalf("output %q", got)
	}
}

// testRuntimeAPIPrivate checks that a process outside the sandbox (this
// test) cannot use the sandbox's Runtime API, while the sandbox's own
// processes, children included, can.
func testRuntimeAPIPrivate(t *testing.T, d sandbox.Driver) {
	e := create(t, d, nil)
	e.serveRuntimeAPI("served:")
	e.start(`sh -c 'curl -sS "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/next"'; echo; echo ready; sleep 30`)
	e.out.waitFor(t, "ready")
	if got := e.out.text(); !strings.Contains(got, "served:/2018-06-01/runtime/invocation/next") {
		t.Fatalf("the sandbox's own process was not served: %q", got)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + e.sb.RuntimeAPI() + "/2018-06-01/runtime/invocation/next")
	if err != nil {
		return // unreachable from outside: as good as refused
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), "served:") {
		t.Fatalf("a process outside the sandbox was served: %s %q", resp.Status, body)
	}
}

func testPrivateTmp(t *testing.T, d sandbox.Driver) {
	a := create(t, d, nil)
	b := create(t, d, nil)
	a.start(`echo secret > "$TMPDIR/a.txt" && cat "$TMPDIR/a.txt"`)
	if ex := a.wait(); ex.Code != 0 || !strings.Contains(a.out.text(), "secret") {
		t.Fatalf("write tmp: %v %q", ex, a.out.text())
	}
	b.start(`ls "$TMPDIR"; test ! -e "$TMPDIR/a.txt" && echo isolated`)
	if ex := b.wait(); ex.Code != 0 || !strings.Contains(b.out.text(), "isolated") {
		t.Fatalf("tmp shared between sandboxes: %v %q", ex, b.out.text())
	}
}

// testMaxMemory reads the peak while the process runs, as the engine does
// after each invocation.
func testMaxMemory(t *testing.T, d sandbox.Driver) {
	e := create(t, d, nil)
	e.start(`x=$(head -c 20000000 /dev/zero | tr '\0' a); echo "allocated ${#x}"; sleep 30`)
	e.out.waitFor(t, "allocated 20000000")
	if mb := e.sb.MaxMemoryMB(); mb < 10 {
		t.Fatalf("MaxMemoryMB = %d after a 20 MB allocation", mb)
	}
	if err := e.sb.Stop(0); err != nil {
		t.Fatal(err)
	}
}

func testTaskRootContents(t *testing.T, d sandbox.Driver) {
	e := create(t, d, map[string]string{"bootstrap": "#!/bin/sh\necho from-bootstrap\n"})
	e.start(`"$LAMBDA_TASK_ROOT/bootstrap"`)
	if ex := e.wait(); ex.Code != 0 || !strings.Contains(e.out.text(), "from-bootstrap") {
		t.Fatalf("run bootstrap: %v %q", ex, e.out.text())
	}
}

// capture collects what the sandbox writes to its output pipe.
type capture struct {
	w    *os.File
	mu   sync.Mutex
	buf  bytes.Buffer
	done chan struct{}
}

func newCapture() (*capture, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	c := &capture{w: w, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		b := make([]byte, 4096)
		for {
			n, err := r.Read(b)
			c.mu.Lock()
			c.buf.Write(b[:n])
			c.mu.Unlock()
			if err != nil {
				r.Close()
				return
			}
		}
	}()
	return c, nil
}

func (c *capture) text() string {
	time.Sleep(20 * time.Millisecond) // let the reader catch up with the pipe
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

func (c *capture) waitFor(t *testing.T, s string) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(c.text(), s) {
			return
		}
	}
	t.Fatalf("output never showed %q: %q", s, c.text())
}

// settled waits until the output has stopped growing (for 100 ms) and
// returns it.
func (c *capture) settled(t *testing.T) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for last := c.text(); time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		now := c.text()
		if now == last {
			return now
		}
		last = now
	}
	t.Fatalf("output never stopped growing: %q", c.text())
	return ""
}

// value returns the number printed as "name=N".
func (c *capture) value(name string) int {
	for _, line := range strings.Split(c.text(), "\n") {
		if v, ok := strings.CutPrefix(line, name+"="); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}

func (c *capture) close() { c.w.Close() }
