package runtimes

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The whole Python conformance suite, with every environment forked.
func TestPythonForked(t *testing.T) {
	t.Parallel()
	forks := testCatalogue(t).ForkServers(time.Minute)
	t.Cleanup(forks.Close)
	s := pythonSuite()
	s.forks = forks
	runConformance(t, s)
}

// introspect reports what a Python environment sees of its process.
const introspect = `import os, sys, time, ctypes
def main(event, context):
    return {"pid": os.getpid(), "sid": os.getsid(0), "cwd": os.getcwd(), "environ": dict(os.environ),
            "path": sys.path, "argv": sys.argv, "tz": list(time.tzname), "stdin": os.readlink("/proc/self/fd/0"),
            "ctypes": getattr(ctypes, "who", "the standard library")}
`

func TestForkServer(t *testing.T) {
	t.Parallel()
	cat := runtimeCatalogue(t, "python3.12")
	look := func(t *testing.T, p *proc) map[string]any {
		t.Helper()
		r, _ := p.invoke(t, `{}`)
		if r.kind != "response" {
			t.Fatalf("got %s %s", r.kind, r.body)
		}
		var m map[string]any
		if err := json.Unmarshal(r.body, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}

	t.Run("a forked environment sees what an executed one sees", func(t *testing.T) {
		t.Parallel()
		forks := cat.ForkServers(time.Minute)
		t.Cleanup(forks.Close)
		spec := envSpec{runtime: "python3.12", handler: "app.main",
			files: map[string]string{"app.py": introspect, "ctypes.py": "who = 'the function'\n"},
			env:   map[string]string{"MY_VAR": "wörld ✓", "TZ": "America/New_York", "PYTHONPATH": "/nowhere/a:/nowhere/b"}}
		executed := look(t, startEnv(t, cat, spec))
		spec.forks = forks
		fp := startEnv(t, cat, spec)
		forked := look(t, fp)
		if got := int(forked["pid"].(float64)); got != fp.pid {
			t.Errorf("pid %d, want the forked pid %d", got, fp.pid)
		}
		if forked["sid"] != forked["pid"] {
			t.Errorf("session %v, want its own (%v)", forked["sid"], forked["pid"])
		}
		if forked["ctypes"] != "the function" { // the server imported ctypes for itself
			t.Errorf("import ctypes gave %v, want the function's ctypes.py", forked["ctypes"])
		}
		if forked["cwd"] != fp.taskRoot {
			t.Errorf("cwd %v, want %s", forked["cwd"], fp.taskRoot)
		}
		for _, m := range []map[string]any{executed, forked} {
			path := m["path"].([]any)
			if path[0] != m["cwd"] {
				t.Errorf("sys.path starts with %v, want the task root %v", path[0], m["cwd"])
			}
			m["path"] = path[1:]
			m["cwd"], m["pid"], m["sid"] = nil, nil, nil // each has its own
			env := m["environ"].(map[string]any)
			for _, k := range []string{"AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "_HANDLER"} {
				if env[k] == nil {
					t.Errorf("%s missing from %v", k, env)
				}
				delete(env, k) // each has its own
			}
		}
		if !reflect.DeepEqual(executed, forked) {
			t.Errorf("executed and forked environments differ:\nexecuted %v\nforked   %v", executed, forked)
		}
	})

	t.Run("environments started at once are all forked", func(t *testing.T) {
		t.Parallel()
		forks := cat.ForkServers(time.Minute)
		t.Cleanup(forks.Close)
		spec := envSpec{runtime: "python3.12", handler: "app.main", files: map[string]string{"app.py": introspect}, forks: forks}
		look(t, startEnv(t, cat, spec)) // its server is ready
		const n = 12                    // more than the spares: some are forked on demand
		procs := make(chan *proc, n)
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				procs <- startEnv(t, cat, spec)
			}()
		}
		wg.Wait()
		close(procs)
		pids := map[float64]bool{}
		for p := range procs {
			pids[look(t, p)["pid"].(float64)] = true
		}
		if len(pids) != n {
			t.Errorf("%d distinct processes, want %d", len(pids), n)
		}
	})

	t.Run("the first environment of a start-up environment is executed while its server starts", func(t *testing.T) {
		t.Parallel()
		forks := cat.ForkServers(time.Minute)
		t.Cleanup(forks.Close)
		l, err := cat.Launch("python3.12", Layout{TaskRoot: t.TempDir(), RuntimeDir: cat.RuntimeDir(), OptDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, ok := forks.Fork(l.Argv, l.Env, t.TempDir(), os.Stderr); ok {
			t.Fatal("forked before the server was ready")
		}
		if _, _, ok := forks.Fork([]string{"/bin/true"}, nil, t.TempDir(), os.Stderr); ok {
			t.Fatal("forked a program that is not a Python runtime")
		}
	})

	t.Run("stopping the servers ends their environments", func(t *testing.T) {
		t.Parallel()
		forks := cat.ForkServers(time.Minute)
		p := startEnv(t, cat, envSpec{runtime: "python3.12", handler: "app.main", files: map[string]string{"app.py": introspect}, forks: forks})
		look(t, p)
		forks.Close()
		p.waitExit(t)
		if !p.status.Signaled() || p.status.Signal() != syscall.SIGKILL {
			t.Errorf("status %s, want killed", describeStatus(p.status))
		}
		if alive(p.pid) {
			t.Errorf("process %d still runs", p.pid)
		}
	})

	t.Run("an exit status reaches the caller", func(t *testing.T) {
		t.Parallel()
		forks := cat.ForkServers(time.Minute)
		t.Cleanup(forks.Close)
		p := startEnv(t, cat, envSpec{runtime: "python3.12", handler: "app.main", forks: forks,
			files: map[string]string{"app.py": "import os\ndef main(event, context):\n    os._exit(7)\n"}})
		p.api.enqueue(&invocation{id: newRequestID(), payload: []byte(`{}`), deadline: time.Now().Add(time.Minute),
			arn: "arn:aws:lambda:us-east-1:123456789012:function:" + fnName, result: make(chan apiResult, 1)})
		p.waitExit(t)
		if !p.status.Exited() || p.status.ExitStatus() != 7 {
			t.Errorf("status %s, want exit status 7", describeStatus(p.status))
		}
	})

	t.Run("an idle server is stopped once its environments have ended", func(t *testing.T) {
		t.Parallel()
		forks := cat.ForkServers(100 * time.Millisecond)
		t.Cleanup(forks.Close)
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		go forks.Run(ctx)
		servers := func() int {
			forks.mu.Lock()
			defer forks.mu.Unlock()
			return len(forks.servers)
		}
		p := startEnv(t, cat, envSpec{runtime: "python3.12", handler: "app.main", files: map[string]string{"app.py": introspect}, forks: forks})
		look(t, p)
		time.Sleep(500 * time.Millisecond) // idle, but its environment runs
		look(t, p)
		if servers() != 1 {
			t.Fatal("the server was stopped while its environment ran")
		}
		p.stop()
		deadline := time.Now().Add(30 * time.Second)
		for servers() != 0 {
			if time.Now().After(deadline) {
				t.Fatal("the server still runs 30s after its last environment ended")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}
