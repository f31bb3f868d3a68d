package sfn

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
)

// One embedded JetStream serves the package's tests; each test opens its
// own buckets and tables.
var (
	sharedStore *natsstore.Store
	storeDir    string
	bucketSeq   atomic.Int64
)

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) != "" {
		os.Exit(crashChild())
	}
	dir, err := os.MkdirTemp("", "sfn-test")
	if err != nil {
		panic(err)
	}
	storeDir = dir
	code := m.Run()
	if sharedStore != nil {
		sharedStore.Close()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

var storeOnce sync.Once

func testStore(t testing.TB) *natsstore.Store {
	storeOnce.Do(func() {
		st, err := natsstore.Open(context.Background(), natsstore.Options{Dir: storeDir})
		if err != nil {
			t.Fatalf("open store: %v", err)
		}
		sharedStore = st
	})
	return sharedStore
}

// stores opens a fresh KV bucket and table for one test (or reopens them
// by name).
func stores(t testing.TB, name string) (store.KV, store.Table) {
	st := testStore(t)
	ctx := context.Background()
	kv, err := st.KV(ctx, "sfn_"+name)
	if err != nil {
		t.Fatal(err)
	}
	table, err := st.Table(ctx, "SFN_"+name, "sfn_"+name)
	if err != nil {
		t.Fatal(err)
	}
	return kv, table
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu     sync.Mutex
	cond   *sync.Cond
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	c := &fakeClock{now: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
	c.cond = sync.NewCond(&c.mu)
	return c
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.timers = append(c.timers, &fakeTimer{at: c.now.Add(d), ch: ch})
	c.cond.Broadcast()
	return ch
}

// Advance moves the clock and fires the timers that came due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	keep := c.timers[:0]
	for _, tm := range c.timers {
		if !tm.at.After(c.now) {
			tm.ch <- c.now
		} else {
			keep = append(keep, tm)
		}
	}
	c.timers = keep
}

// WaitFor blocks until a timer due d from now is pending (never longer
// than a minute, which fails the test).
func (c *fakeClock) WaitFor(t testing.TB, d time.Duration) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		c.mu.Lock()
		for !c.pendingAt(c.now.Add(d)) {
			c.cond.Wait()
		}
		c.mu.Unlock()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatalf("no timer of %v came", d)
	}
}

func (c *fakeClock) pendingAt(at time.Time) bool {
	for _, tm := range c.timers {
		if tm.at.Equal(at) {
			return true
		}
	}
	return false
}

// fakeIntegrations answers tasks from a function of the request.
type fakeIntegrations struct {
	mu    sync.Mutex
	calls []*TaskRequest
	fn    func(ctx context.Context, req *TaskRequest) (json.RawMessage, error)
}

func (f *fakeIntegrations) Invoke(ctx context.Context, req *TaskRequest) (json.RawMessage, error) {
	f.mu.Lock()
	f.calls = append(f.calls, req)
	f.mu.Unlock()
	return f.fn(ctx, req)
}

func (f *fakeIntegrations) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// harness is a running service over fresh stores.
type harness struct {
	t      testing.TB
	s      *Service
	clock  *fakeClock
	integ  *fakeIntegrations
	name   string
	cancel context.CancelFunc
	done   chan struct{}
}

var testScope = Scope{Account: "123456789012", Region: "us-east-1"}

func newHarness(t testing.TB, configure func(*Options)) *harness {
	t.Helper()
	h := &harness{t: t, clock: newFakeClock(), name: fmt.Sprintf("t%d", bucketSeq.Add(1))}
	h.integ = &fakeIntegrations{fn: func(ctx context.Context, req *TaskRequest) (json.RawMessage, error) {
		return req.Input, nil
	}}
	h.start(configure)
	t.Cleanup(h.stop)
	return h
}

func (h *harness) start(configure func(*Options)) {
	kv, table := stores(h.t, h.name)
	opts := Options{Account: testScope.Account, Clock: h.clock, Integrations: h.integ, Jitter: func() float64 { return 0.5 }}
	if configure != nil {
		configure(&opts)
	}
	s, err := New(context.Background(), kv, table, opts)
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.s, h.cancel, h.done = s, cancel, make(chan struct{})
	go func() {
		s.Run(ctx)
		close(h.done)
	}()
}

func (h *harness) stop() {
	if h.cancel != nil {
		h.cancel()
		<-h.done
		h.cancel = nil
	}
}

// restart stops the service and starts another on the same stores, as a
// process restart does.
func (h *harness) restart(configure func(*Options)) {
	h.stop()
	h.start(configure)
}

func (h *harness) create(name, typ, definition string) string {
	h.t.Helper()
	out, err := h.s.CreateStateMachine(context.Background(), testScope, &CreateStateMachineInput{
		Name: name, Type: typ, Definition: definition, RoleArn: "arn:aws:iam::123456789012:role/sfn"})
	if err != nil {
		h.t.Fatalf("CreateStateMachine: %v", err)
	}
	return out.StateMachineArn
}

func (h *harness) startExec(machineArn, input string) string {
	h.t.Helper()
	out, err := h.s.StartExecution(context.Background(), testScope, &StartExecutionInput{StateMachineArn: machineArn, Input: &input})
	if err != nil {
		h.t.Fatalf("StartExecution: %v", err)
	}
	return out.ExecutionArn
}

// wait waits for an execution to close and describes it.
func (h *harness) wait(execArn string) *DescribeExecutionOutput {
	h.t.Helper()
	h.s.mu.Lock()
	r := h.s.runs[execArn]
	h.s.mu.Unlock()
	if r != nil {
		select {
		case <-r.done:
		case <-time.After(time.Minute):
			h.t.Fatalf("execution %s did not end", execArn)
		}
	}
	d, err := h.s.DescribeExecution(context.Background(), testScope, &ExecutionInput{ExecutionArn: execArn})
	if err != nil {
		h.t.Fatalf("DescribeExecution: %v", err)
	}
	return d
}

// run creates a state machine, runs it on input and returns its outcome.
func (h *harness) run(definition, input string) *DescribeExecutionOutput {
	h.t.Helper()
	arn := h.create(fmt.Sprintf("sm%d", bucketSeq.Add(1)), "", definition)
	return h.wait(h.startExec(arn, input))
}

func (h *harness) history(execArn string) []*HistoryEvent {
	h.t.Helper()
	out, err := h.s.GetExecutionHistory(context.Background(), testScope, &GetExecutionHistoryInput{ExecutionArn: execArn, MaxResults: 1000})
	if err != nil {
		h.t.Fatalf("GetExecutionHistory: %v", err)
	}
	return out.Events
}

// types lists the events' types.
func types(events []*HistoryEvent) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.Type
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
