package engine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/sandbox"
	"github.com/nubo-dev/nubo/internal/services/lambda"
)

func TestInvokeAndWarmReuse(t *testing.T) {
	h := newHarness(t, nil)
	cfg := function("echo")
	req := request(cfg, map[string]string{"value": "one"})
	resp, r := h.invoke(req)
	if r.Value != "one" || r.RequestID != req.RequestID || r.ARN != req.Target.InvokedARN {
		t.Fatalf("got %+v for request %s", r, req.RequestID)
	}
	if resp.ContentType != "application/json" {
		t.Errorf("content type %q", resp.ContentType)
	}
	if r.Remaining <= 0 || r.Remaining > 3000 {
		t.Errorf("remaining time %d ms, want within the 3 s timeout", r.Remaining)
	}
	_, r2 := h.invoke(request(cfg, map[string]string{"op": "count"}))
	if r2.PID != r.PID || r2.Value != "2" {
		t.Fatalf("second invoke ran in pid %d (count %s), want warm pid %d with count 2", r2.PID, r2.Value, r.PID)
	}
	if idle, busy := h.eng.Environments(); idle != 1 || busy != 0 {
		t.Fatalf("environments idle=%d busy=%d, want 1 idle", idle, busy)
	}
}

var reportRE = regexp.MustCompile(`^REPORT RequestId: (\S+)\tDuration: (\d+\.\d\d) ms\tBilled Duration: (\d+) ms\tMemory Size: 128 MB\tMax Memory Used: (\d+) MB\t(Init Duration: \d+\.\d\d ms\t)?(Status: .*)?$`)

func TestLogLinesInOrder(t *testing.T) {
	h := newHarness(t, nil)
	cfg := function("logs")
	first := request(cfg, map[string]any{"op": "print", "lines": []string{"one", "two"}})
	h.invoke(first)
	second := request(cfg, map[string]any{"op": "print", "lines": []string{"three"}})
	h.invoke(second)
	got := h.sink.lines()
	want := []string{
		"INIT_START Runtime Version: provided:al2023.v1\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:",
		"START RequestId: " + first.RequestID + " Version: $LATEST",
		"one", "two",
		"END RequestId: " + first.RequestID,
		"REPORT RequestId: " + first.RequestID,
		"START RequestId: " + second.RequestID + " Version: $LATEST",
		"three",
		"END RequestId: " + second.RequestID,
		"REPORT RequestId: " + second.RequestID,
	}
	if len(got) != len(want) {
		t.Fatalf("got %d lines %q, want %d", len(got), got, len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("line %d = %q, want prefix %q", i, got[i], want[i])
		}
	}
	m := reportRE.FindStringSubmatch(got[5])
	if m == nil || m[5] == "" {
		t.Fatalf("cold REPORT %q lacks Init Duration or does not match", got[5])
	}
	if m := reportRE.FindStringSubmatch(got[9]); m == nil || m[5] != "" {
		t.Fatalf("warm REPORT %q has Init Duration or does not match", got[9])
	}
}

func TestLogTail(t *testing.T) {
	h := newHarness(t, nil)
	req := request(function("tail"), map[string]any{"op": "print", "lines": []string{strings.Repeat("a", 3000), strings.Repeat("b", 3000)}})
	req.Tail = true
	resp, _ := h.invoke(req)
	tail := string(resp.LogTail)
	if len(resp.LogTail) != 4096 {
		t.Fatalf("tail is %d bytes, want the last 4096", len(resp.LogTail))
	}
	if !strings.Contains(tail, "END RequestId: "+req.RequestID+"\nREPORT RequestId: "+req.RequestID) || !strings.HasSuffix(tail, "\n") {
		t.Fatalf("tail does not end with END and REPORT: %q", tail[len(tail)-300:])
	}
	small := request(function("tail"), map[string]any{"op": "print", "lines": []string{"hi"}})
	small.Tail = true
	resp, _ = h.invoke(small)
	if !strings.HasPrefix(string(resp.LogTail), "START RequestId: "+small.RequestID) {
		t.Fatalf("warm tail %q does not start with START", resp.LogTail)
	}
}

func TestFunctionErrorKeepsEnvironment(t *testing.T) {
	h := newHarness(t, nil)
	cfg := function("errs")
	_, before := h.invoke(request(cfg, nil))
	resp, _ := h.invoke(request(cfg, map[string]string{"op": "error", "value": "x"}))
	if typ, msg := errorOf(t, resp); typ != "errorString" || msg != "boom: x" {
		t.Fatalf("error %s: %s", typ, msg)
	}
	_, after := h.invoke(request(cfg, nil))
	if after.PID != before.PID {
		t.Fatalf("environment replaced after a function error (pid %d -> %d)", before.PID, after.PID)
	}
}

func TestTimeout(t *testing.T) {
	h := newHarness(t, nil)
	cfg := function("slow")
	cfg.Timeout = 1
	_, warm := h.invoke(request(cfg, nil))
	req := request(cfg, map[string]any{"op": "sleep", "ms": 30000})
	start := time.Now()
	resp, _ := h.invoke(req)
	if elapsed := time.Since(start); elapsed > 20*time.Second { // the timeout ended it, not the sleep
		t.Fatalf("timeout answered after %v", elapsed)
	}
	typ, msg := errorOf(t, resp)
	if typ != "Sandbox.Timedout" || msg != "RequestId: "+req.RequestID+" Error: Task timed out after 1.00 seconds" {
		t.Fatalf("got %s: %s", typ, msg)
	}
	lines := h.sink.lines()
	if last := lines[len(lines)-1]; !strings.Contains(last, "\tDuration: 1000.00 ms\tBilled Duration: 1000 ms\t") || !strings.HasSuffix(last, "\tStatus: timeout") {
		t.Fatalf("REPORT after timeout: %q", last)
	}
	if processAlive(warm.PID) {
		t.Fatal("timed-out environment still running")
	}
	_, next := h.invoke(request(cfg, nil))
	if next.PID == warm.PID {
		t.Fatal("invoke after a timeout reused the killed environment")
	}
}

func TestCrash(t *testing.T) {
	h := newHarness(t, nil)
	req := request(function("crash"), map[string]string{"op": "crash"})
	resp, _ := h.invoke(req)
	typ, msg := errorOf(t, resp)
	if typ != "Runtime.ExitError" || msg != "RequestId: "+req.RequestID+" Error: Runtime exited with error: exit status 3" {
		t.Fatalf("got %s: %s", typ, msg)
	}
	lines := h.sink.lines()
	for _, want := range []string{"crashing", "RequestId: " + req.RequestID + " Error: Runtime exited with error: exit status 3", "Runtime.ExitError"} {
		if !hasLine(lines, want) {
			t.Errorf("logs lack %q: %q", want, lines)
		}
	}
	if last := lines[len(lines)-1]; !strings.HasSuffix(last, "\tStatus: error\tError Type: Runtime.ExitError") {
		t.Errorf("REPORT %q", last)
	}
}

func TestInitFailureRetriedInInvoke(t *testing.T) {
	h := newHarness(t, nil)
	cfg := function("badinit")
	cfg.Environment = &lambda.EnvironmentResponse{Variables: map[string]string{"FAIL_INIT": "1"}}
	req := request(cfg, nil)
	resp, _ := h.invoke(req)
	typ, msg := errorOf(t, resp)
	if typ != "Runtime.ExitError" || msg != "RequestId: "+req.RequestID+" Error: Runtime exited with error: exit status 2" {
		t.Fatalf("got %s: %s", typ, msg)
	}
	lines := h.sink.lines()
	for _, want := range []string{
		"INIT_REPORT Init Duration: ", "START RequestId: " + req.RequestID, "END RequestId: " + req.RequestID, "REPORT RequestId: " + req.RequestID,
	} {
		if !hasLine(lines, want) {
			t.Errorf("logs lack %q: %q", want, lines)
		}
	}
	joined := strings.Join(lines, "\n")
	if !strings.Contains(joined, "\tPhase: init\tStatus: error\tError Type: Runtime.ExitError") ||
		!strings.Contains(joined, "\tPhase: invoke\tStatus: error\tError Type: Runtime.ExitError") {
		t.Fatalf("missing INIT_REPORT lines for both phases:\n%s", joined)
	}
	if idle, busy := h.eng.Environments(); idle != 0 || busy != 0 {
		t.Fatalf("failed init left environments idle=%d busy=%d", idle, busy)
	}
	// The next invoke tries Init again rather than remembering the failure.
	if _, err := h.eng.Invoke(context.Background(), request(cfg, nil)); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.Join(h.sink.lines(), "\n"), "\tPhase: init\t"); n != 2 {
		t.Fatalf("second invoke did not retry Init (%d init reports)", n)
	}
}

func TestInitTimeoutThenSuppressedInit(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.InitTimeout = 300 * time.Millisecond })
	cfg := function("slowinit")
	cfg.Environment = &lambda.EnvironmentResponse{Variables: map[string]string{"SLOW_INIT_MS": "600"}}
	resp, r := h.invoke(request(cfg, map[string]string{"value": "ok"}))
	if resp.FunctionError != "" || r.Value != "ok" {
		t.Fatalf("suppressed init did not serve the invoke: %s", resp.Payload)
	}
	joined := strings.Join(h.sink.lines(), "\n")
	if !strings.Contains(joined, "\tPhase: init\tStatus: timeout") {
		t.Fatalf("no init timeout report:\n%s", joined)
	}
}

func TestReservedConcurrencyThrottles(t *testing.T) {
	h := newHarness(t, nil)
	cfg := function("reserved")
	one := 1
	slow := request(cfg, map[string]any{"op": "sleep", "ms": 3000}) // busy still when the second comes, on a loaded machine too
	slow.Target.Reserved = &one
	done := make(chan struct{})
	go func() {
		h.eng.Invoke(context.Background(), slow)
		close(done)
	}()
	waitFor(t, "the first invoke to be busy", func() bool { _, busy := h.eng.Environments(); return busy == 1 })
	second := request(cfg, nil)
	second.Target.Reserved = &one
	_, err := h.eng.Invoke(context.Background(), second)
	if lambda.ThrottleReason(err) != lambda.ReasonReservedFunctionConcurrentInvocationLimitExceeded {
		t.Fatalf("got %v, want a reserved-concurrency throttle", err)
	}
	<-done
	if _, err := h.eng.Invoke(context.Background(), second); err != nil {
		t.Fatalf("invoke after the first finished: %v", err)
	}
	zero := 0
	blocked := request(cfg, nil)
	blocked.Target.Reserved = &zero
	if _, err := h.eng.Invoke(context.Background(), blocked); !errors.Is(err, lambda.ErrTooManyRequests) {
		t.Fatalf("reserved concurrency 0: got %v", err)
	}
}

func TestAccountLimitThrottles(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.MaxConcurrency = 3 })
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.eng.Invoke(context.Background(), request(function("acct"), map[string]any{"op": "sleep", "ms": 3000}))
		}()
	}
	waitFor(t, "two busy invokes", func() bool { _, busy := h.eng.Environments(); return busy == 2 })
	req := request(function("other"), nil)
	req.Target.ReservedTotal = 1 // one is reserved elsewhere: only 2 unreserved
	_, err := h.eng.Invoke(context.Background(), req)
	if lambda.ThrottleReason(err) != lambda.ReasonConcurrentInvocationLimitExceeded {
		t.Fatalf("got %v, want an account-limit throttle", err)
	}
	wg.Wait()
}

func TestScaleToZero(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.KeepAlive = 200 * time.Millisecond })
	_, r := h.invoke(request(function("idle"), nil))
	waitFor(t, "the idle environment to stop", func() bool {
		idle, busy := h.eng.Environments()
		return idle == 0 && busy == 0 && !processAlive(r.PID)
	})
}

func TestNewRevisionGetsNewEnvironment(t *testing.T) {
	h := newHarness(t, nil)
	cfg := function("revs")
	_, old := h.invoke(request(cfg, nil))
	next := *cfg
	next.RevisionId = "rev-2"
	_, r := h.invoke(request(&next, nil))
	if r.PID == old.PID {
		t.Fatal("a new revision ran in the old environment")
	}
	waitFor(t, "the old environment to drain", func() bool { return !processAlive(old.PID) })
}

func TestRemovedStopsEnvironments(t *testing.T) {
	h := newHarness(t, nil)
	_, r := h.invoke(request(function("gone"), nil))
	h.eng.Removed(scope, "gone", "")
	waitFor(t, "the environment to stop", func() bool { return !processAlive(r.PID) })
}

func TestResponseTooLarge(t *testing.T) {
	h := newHarness(t, nil)
	cfg := function("big")
	cfg.Timeout = 60 // building 6 MB of JSON is slow under the race detector
	resp, _ := h.invoke(request(cfg, map[string]any{"op": "big", "bytes": 7 << 20}))
	typ, msg := errorOf(t, resp)
	if typ != "Function.ResponseSizeTooLarge" || !regexp.MustCompile(`^Response payload size \(\d+ bytes\) exceeded maximum allowed payload size \(6291556 bytes\)\.$`).MatchString(msg) {
		t.Fatalf("got %s: %s", typ, msg)
	}
	resp, _ = h.invoke(request(cfg, map[string]any{"op": "big", "bytes": 6<<20 - 200}))
	if resp.FunctionError != "" {
		t.Fatalf("a response under 6 MB failed: %.200s", resp.Payload)
	}
}

func TestSIGTERMOnShutdown(t *testing.T) {
	// A grace long enough for the handler to print on a loaded machine.
	h := newHarness(t, func(o *Options) { o.KeepAlive, o.ShutdownGrace = 100*time.Millisecond, 10*time.Second })
	h.invoke(request(function("term"), nil))
	waitFor(t, "the SIGTERM handler's output", func() bool { return hasLine(h.sink.lines(), "sigterm received") })
}

func processAlive(pid int) bool {
	return pid > 0 && syscall.Kill(pid, 0) == nil
}

// recorder is an Observer that keeps everything.
type recorder struct {
	mu        sync.Mutex
	records   []Record
	throttles int
}

func (r *recorder) Invoked(rec Record) {
	r.mu.Lock()
	r.records = append(r.records, rec)
	r.mu.Unlock()
}

func (r *recorder) Throttled(region, function, qualifier string) {
	r.mu.Lock()
	r.throttles++
	r.mu.Unlock()
}

func TestObserverMatchesReport(t *testing.T) {
	rec := &recorder{}
	h := newHarness(t, func(o *Options) { o.Observer = rec })
	cfg := function("observed")
	cfg.MemorySize = 256
	first := request(cfg, nil)
	first.Function.Qualifier = "live"
	h.invoke(first)
	h.invoke(request(cfg, map[string]string{"op": "error"}))
	zero := 0
	blocked := request(cfg, nil)
	blocked.Target.Reserved = &zero
	h.eng.Invoke(context.Background(), blocked)

	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.records) != 2 || rec.throttles != 1 {
		t.Fatalf("got %d records and %d throttles", len(rec.records), rec.throttles)
	}
	cold, failed := rec.records[0], rec.records[1]
	if cold.RequestID != first.RequestID || cold.Qualifier != "live" || cold.Version != "$LATEST" || cold.MemoryMB != 256 ||
		cold.InitDuration <= 0 || cold.Error || cold.Architecture != "x86_64" {
		t.Fatalf("cold record %+v", cold)
	}
	if want := billedMs(cold.Duration+cold.InitDuration, 0); cold.BilledMs != want {
		t.Fatalf("billed %d, want %d", cold.BilledMs, want)
	}
	if !failed.Error || failed.InitDuration != 0 {
		t.Fatalf("failed record %+v", failed)
	}
	var report string
	for _, l := range h.sink.lines() {
		if strings.HasPrefix(l, "REPORT RequestId: "+first.RequestID) {
			report = l
		}
	}
	if !strings.Contains(report, fmt.Sprintf("\tBilled Duration: %d ms\tMemory Size: 256 MB\tMax Memory Used: %d MB\t", cold.BilledMs, cold.MaxMemoryMB)) {
		t.Fatalf("REPORT %q disagrees with record %+v", report, cold)
	}
}

// missingLauncher names a bootstrap that does not exist.
type missingLauncher struct{ bootstrapLauncher }

func (missingLauncher) Launch(runtime string, p sandbox.Paths, taskRoot string, memoryMB int) ([]string, []string, error) {
	return []string{filepath.Join(p.TaskRoot, "no-such-bootstrap")}, nil, nil
}

func TestInvalidEntrypoint(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.Launcher = missingLauncher{} })
	req := request(function("noentry"), nil)
	resp, err := h.eng.Invoke(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	typ, msg := errorOf(t, resp)
	if typ != "Runtime.InvalidEntrypoint" || !strings.HasPrefix(msg, "RequestId: "+req.RequestID+" Error: ") || !strings.Contains(msg, "no-such-bootstrap") {
		t.Fatalf("got %s: %s", typ, msg)
	}
}
