package runtimes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// One catalogue serves the whole test binary, so the Java client is
// compiled once per run.
var (
	testDir      string
	catOnce      sync.Once
	sharedCat    *Catalogue
	sharedCatErr error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "nubo-runtimes-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func testCatalogue(t testing.TB) *Catalogue {
	t.Helper()
	catOnce.Do(func() {
		// NUBO_TEST_INTERPRETERS=python=/usr/bin/python3,node=... picks
		// interpreters as --runtime-interpreter does.
		interpreters := map[string]string{}
		for _, kv := range strings.Split(os.Getenv("NUBO_TEST_INTERPRETERS"), ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				interpreters[k] = v
			}
		}
		sharedCat, sharedCatErr = New(Options{Dir: filepath.Join(testDir, "runtime"), Interpreters: interpreters})
		if sharedCatErr == nil {
			sharedCat.probe() // tests read the found interpreters directly
		}
	})
	if sharedCatErr != nil {
		t.Fatalf("New: %v", sharedCatErr)
	}
	return sharedCat
}

// runtimeCatalogue is the tests' catalogue, once it can run the runtime
// id: a test whose interpreter is missing here is skipped; under CI (which
// installs every interpreter) it fails instead.
func runtimeCatalogue(t testing.TB, id string) *Catalogue {
	t.Helper()
	cat := testCatalogue(t)
	if err := cat.Check(id); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must provide every runtime: %v", err)
		}
		t.Skipf("skipping: %v", err)
	}
	return cat
}

// envSpec describes one execution environment.
type envSpec struct {
	runtime  string
	handler  string
	files    map[string]string // written into a fresh task root
	taskRoot string            // or an existing task root
	optFiles map[string]string // written into a fresh /opt
	env      map[string]string // the function's own variables
	forks    *ForkServers      // start it by forking, when set
}

// proc is a running environment and its fake Runtime API.
type proc struct {
	api      *fakeAPI
	cmd      *exec.Cmd // nil when forked
	pid      int
	status   syscall.WaitStatus // how it ended, once exited is closed
	logs     *lineLog
	exited   chan struct{}
	started  time.Time
	taskRoot string
}

const fnName = "nubo-test-fn"

func writeFiles(t testing.TB, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if filepath.Base(name) == "bootstrap" {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
}

func startEnv(t testing.TB, cat *Catalogue, spec envSpec) *proc {
	t.Helper()
	taskRoot := spec.taskRoot
	if taskRoot == "" {
		taskRoot = t.TempDir()
		writeFiles(t, taskRoot, spec.files)
	}
	optDir := t.TempDir()
	writeFiles(t, optDir, spec.optFiles)
	l, err := cat.Launch(spec.runtime, Layout{TaskRoot: taskRoot, RuntimeDir: cat.RuntimeDir(), OptDir: optDir})
	if err != nil {
		t.Fatalf("Launch(%s): %v", spec.runtime, err)
	}
	api := newFakeAPI()
	env := []string{
		"AWS_LAMBDA_RUNTIME_API=" + api.addr(),
		"_HANDLER=" + spec.handler,
		"LAMBDA_TASK_ROOT=" + taskRoot,
		"LAMBDA_RUNTIME_DIR=" + cat.RuntimeDir(),
		"AWS_LAMBDA_FUNCTION_NAME=" + fnName,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + fnName,
		"AWS_LAMBDA_LOG_STREAM_NAME=2026/01/02/[$LATEST]0123456789abcdef0123456789abcdef",
		"AWS_REGION=us-east-1",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY=secret",
		"AWS_SESSION_TOKEN=token",
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"TZ=:UTC",
		"LANG=en_US.UTF-8",
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.TempDir(),
	}
	env = append(env, l.Env...)
	for k, v := range spec.env {
		env = append(env, k+"="+v)
	}
	logs := &lineLog{}
	p := &proc{api: api, logs: logs, exited: make(chan struct{}), taskRoot: taskRoot}
	p.started = time.Now()
	if spec.forks != nil {
		p.fork(t, spec.forks, l.Argv, env)
	} else {
		p.exec(t, l.Argv, env)
	}
	t.Cleanup(func() {
		p.stop()
		api.close()
		if t.Failed() || os.Getenv("NUBO_TEST_LOGS") != "" {
			t.Logf("%s log:\n%s", spec.runtime, logs.String())
		}
	})
	return p
}

func (p *proc) exec(t testing.TB, argv, env []string) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = p.taskRoot
	cmd.Env = env
	cmd.Stdout = p.logs
	cmd.Stderr = p.logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		p.api.close()
		t.Fatalf("start %v: %v", argv, err)
	}
	p.cmd, p.pid = cmd, cmd.Process.Pid
	go func() {
		cmd.Wait()
		p.status = cmd.ProcessState.Sys().(syscall.WaitStatus)
		close(p.exited)
	}()
}

// fork starts the environment through forks, waiting for its server to
// be ready.
func (p *proc) fork(t testing.TB, forks *ForkServers, argv, env []string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close() // the child has its own copy
	copied := make(chan struct{})
	go func() {
		io.Copy(p.logs, r)
		r.Close()
		close(copied)
	}()
	deadline := time.Now().Add(testTimeout)
	for {
		pid, wait, ok := forks.Fork(argv, env, p.taskRoot, w)
		if ok {
			p.pid = pid
			go func() {
				p.status = wait()
				<-copied
				close(p.exited)
			}()
			return
		}
		if time.Now().After(deadline) {
			p.api.close()
			t.Fatalf("the fork server was not ready within %v", testTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (p *proc) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	syscall.Kill(-p.pid, syscall.SIGKILL)
	<-p.exited
}

// invokeOpts are the optional parts of an invocation.
type invokeOpts struct {
	timeout time.Duration
	headers map[string]string
	arn     string
}

const testTimeout = 60 * time.Second // a JVM or Node start on a loaded machine, with the other suites beside it

func (p *proc) invoke(t testing.TB, payload string, opts ...invokeOpts) (apiResult, *invocation) {
	t.Helper()
	var o invokeOpts
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.timeout == 0 {
		o.timeout = 30 * time.Second
	}
	if o.arn == "" {
		o.arn = "arn:aws:lambda:us-east-1:123456789012:function:" + fnName
	}
	inv := &invocation{
		id:       newRequestID(),
		payload:  []byte(payload),
		deadline: time.Now().Add(o.timeout),
		arn:      o.arn,
		headers:  o.headers,
		result:   make(chan apiResult, 1),
	}
	p.api.enqueue(inv)
	select {
	case r := <-inv.result:
		return r, inv
	case r := <-p.api.initErr:
		t.Fatalf("init error instead of a result: %s", r.body)
	case <-p.exited:
		// The runtime may have posted just before exiting.
		select {
		case r := <-inv.result:
			return r, inv
		default:
		}
		t.Fatalf("runtime exited (%s) during invocation", describeStatus(p.status))
	case <-time.After(testTimeout):
		t.Fatalf("no result within %v", testTimeout)
	}
	return apiResult{}, nil
}

// initError waits for the runtime to post /init/error and exit.
func (p *proc) initError(t testing.TB) apiResult {
	t.Helper()
	var r apiResult
	select {
	case r = <-p.api.initErr:
	case <-p.exited:
		select {
		case r = <-p.api.initErr:
		default:
			t.Fatalf("runtime exited (%s) without /init/error", describeStatus(p.status))
		}
	case <-time.After(testTimeout):
		t.Fatalf("no /init/error within %v", testTimeout)
	}
	p.waitExit(t)
	if p.status.Exited() && p.status.ExitStatus() == 0 {
		t.Errorf("runtime exited 0 after an init error")
	}
	return r
}

func (p *proc) waitExit(t testing.TB) {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(testTimeout):
		t.Fatalf("runtime still running %v after it should have exited", testTimeout)
	}
}

func describeStatus(ws syscall.WaitStatus) string {
	if ws.Signaled() {
		return "signal: " + ws.Signal().String()
	}
	return fmt.Sprintf("exit status %d", ws.ExitStatus())
}

// lineLog collects the environment's stdout and stderr, one entry a line,
// as the engine turns them into log events.
type lineLog struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines []string
}

func (l *lineLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(b)
	for {
		i := bytes.IndexByte(l.buf.Bytes(), '\n')
		if i < 0 {
			break
		}
		l.lines = append(l.lines, string(l.buf.Next(i + 1)[:i]))
	}
	return len(b), nil
}

func (l *lineLog) Lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

func (l *lineLog) String() string { return strings.Join(l.Lines(), "\n") }

// waitLine waits until a log line satisfies ok.
func (l *lineLog) waitLine(ok func(string) bool) (string, bool) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		for _, line := range l.Lines() {
			if ok(line) {
				return line, true
			}
		}
		if time.Now().After(deadline) {
			return "", false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// errorBody is the union of what managed runtimes post to /error.
type errorBody struct {
	ErrorMessage *string  `json:"errorMessage"`
	ErrorType    *string  `json:"errorType"`
	RequestID    *string  `json:"requestId"`
	StackTrace   []string `json:"stackTrace"`
	Trace        []string `json:"trace"`
}

func decodeError(t testing.TB, r apiResult) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error body %q: %v", r.body, err)
	}
	return e
}

func str(p *string) string {
	if p == nil {
		return "<absent>"
	}
	return *p
}

// jsonEqual compares two JSON documents by value.
func jsonEqual(t testing.TB, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("response %q is not JSON: %v", truncate(got), err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want %q: %v", want, err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("response = %s, want %s", gb, wb)
	}
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}
