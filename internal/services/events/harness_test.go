package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/services/events"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
	"github.com/nubo-dev/nubo/internal/targets"
	"github.com/nubo-dev/nubo/internal/timer/timertest"
)

const (
	account = "123456789012"
	region  = "us-east-1"
)

var start = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

// delivered is a message a fake target got.
type delivered struct {
	arn string
	m   targets.Message
}

// fakeTargets records deliveries; an ARN in fail fails with its error.
type fakeTargets struct {
	mu   sync.Mutex
	got  []delivered
	fail map[string]error
}

func (f *fakeTargets) Deliver(ctx context.Context, arn string, m targets.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail[arn]; err != nil {
		return err
	}
	f.got = append(f.got, delivered{arn, m})
	return nil
}

// to returns the messages delivered to arn and forgets them.
func (f *fakeTargets) to(arn string) []targets.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []targets.Message
	var rest []delivered
	for _, d := range f.got {
		if d.arn == arn {
			out = append(out, d.m)
		} else {
			rest = append(rest, d)
		}
	}
	f.got = rest
	return out
}

func (f *fakeTargets) failWith(arn string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail == nil {
		f.fail = map[string]error{}
	}
	if err == nil {
		delete(f.fail, arn)
		return
	}
	f.fail[arn] = err
}

// metrics counts recorded metrics by name and rule.
type metrics struct {
	mu sync.Mutex
	n  map[string]float64
}

func (m *metrics) Record(name, region, bus, rule string, v float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.n == nil {
		m.n = map[string]float64{}
	}
	m.n[name+"/"+rule] += v
}

func (m *metrics) get(name, rule string) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.n[name+"/"+rule]
}

// fixture is a Service on a real store, with a hand-moved clock and queue.
type fixture struct {
	t       *testing.T
	svc     *events.Service
	clock   *timertest.Clock
	jobs    *timertest.Queue
	targets *fakeTargets
	metrics *metrics
	dir     string
	stop    func()
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{t: t, clock: timertest.NewClock(start), targets: &fakeTargets{}, metrics: &metrics{}, dir: t.TempDir()}
	f.jobs = timertest.NewQueue(f.clock)
	f.open()
	return f
}

// open (re)opens the service over the fixture's store and runs it.
func (f *fixture) open() {
	t := f.t
	ctx, cancel := context.WithCancel(context.Background())
	st, err := natsstore.Open(ctx, natsstore.Options{Dir: f.dir})
	if err != nil {
		t.Fatal(err)
	}
	kv, err := st.KV(ctx, "events")
	if err != nil {
		t.Fatal(err)
	}
	archive, err := st.Stream(ctx, "EVARCHIVE", events.ArchivePrefix, natsstore.StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.svc, err = events.New(ctx, kv, events.Options{Account: account, Jobs: f.jobs, Archive: archive,
		Targets: f.targets, Metrics: f.metrics, Clock: f.clock, RetryDelay: func(n int) time.Duration { return time.Duration(n) * time.Minute }})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { f.svc.Run(ctx); close(done) }()
	stopped := false
	f.stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
			st.Close()
		}
	}
	t.Cleanup(f.stop)
}

// advance moves the clock, running every job due on the way.
func (f *fixture) advance(d time.Duration) int {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := f.jobs.Advance(ctx, d)
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fixture) putRule(name, bus, pattern string) string {
	f.t.Helper()
	arn, err := f.svc.PutRule(context.Background(), region, events.PutRuleInput{Name: name, EventBusName: bus, EventPattern: pattern})
	if err != nil {
		f.t.Fatal(err)
	}
	return arn
}

func (f *fixture) putTargets(rule, bus string, ts ...events.Target) {
	f.t.Helper()
	failed, err := f.svc.PutTargets(context.Background(), region, rule, bus, ts)
	if err != nil || len(failed) > 0 {
		f.t.Fatalf("PutTargets: %v %+v", err, failed)
	}
}

func (f *fixture) putEvents(entries ...events.Entry) []events.EntryResult {
	f.t.Helper()
	res, failed, err := f.svc.PutEvents(context.Background(), region, entries)
	if err != nil || failed > 0 {
		f.t.Fatalf("PutEvents: %v %+v", err, res)
	}
	return res
}

// envelope decodes a delivered event.
func envelope(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("not JSON: %s", body)
	}
	return m
}

var errDown = errors.New("connection refused")
