package s3

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
)

// fixture is a Service on a real embedded JetStream in a temporary
// directory, with a fake clock and a fake notifier.
type fixture struct {
	t        testing.TB
	dir      string
	st       *natsstore.Store
	svc      *Service
	clock    *fakeClock
	notifier *fakeNotifier
	// lease is the event work queue's: a job not acknowledged within it
	// is delivered again. 30 s, so that a loaded machine's late ack does
	// not deliver twice; a test of retries shortens it.
	lease time.Duration
	stop  func()
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// delivery is one message handed to the fake notifier.
type delivery struct {
	Destination string
	Message     []byte
}

// fakeNotifier records deliveries; fail makes it refuse them.
type fakeNotifier struct {
	mu    sync.Mutex
	got   []delivery
	fail  bool
	added chan struct{}
}

func newFakeNotifier() *fakeNotifier { return &fakeNotifier{added: make(chan struct{}, 1<<16)} }

func (n *fakeNotifier) Notify(ctx context.Context, note Notification) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.fail {
		return errors.New("destination unavailable")
	}
	n.got = append(n.got, delivery{note.Destination, append([]byte(nil), note.Message...)})
	n.added <- struct{}{}
	return nil
}

func (n *fakeNotifier) deliveries() []delivery {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]delivery(nil), n.got...)
}

// wait blocks until count deliveries arrived (or the test's deadline).
func (n *fakeNotifier) wait(t *testing.T, count int) []delivery {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		if d := n.deliveries(); len(d) >= count {
			return d
		}
		select {
		case <-n.added:
		case <-timeout:
			t.Fatalf("got %d deliveries, want %d", len(n.deliveries()), count)
		}
	}
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{t: t, dir: t.TempDir(), clock: &fakeClock{now: time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)}, notifier: newFakeNotifier(),
		lease: 30 * time.Second}
	f.open()
	t.Cleanup(f.close)
	return f
}

func (f *fixture) open() {
	f.t.Helper()
	ctx := context.Background()
	st, err := natsstore.Open(ctx, natsstore.Options{Dir: f.dir})
	if err != nil {
		f.t.Fatal(err)
	}
	f.st = st
	kv, err := st.KV(ctx, "s3")
	if err != nil {
		f.t.Fatal(err)
	}
	q, err := st.WorkQueue(ctx, "S3_EVENTS", "s3events", f.lease)
	if err != nil {
		f.t.Fatal(err)
	}
	f.svc, err = New(ctx, kv, Options{Dir: f.dir, Notifier: f.notifier, Events: q, Now: f.clock.Now, SweepInterval: time.Hour})
	if err != nil {
		f.t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { f.svc.Run(runCtx); close(done) }()
	f.stop = func() { cancel(); <-done }
}

func (f *fixture) close() {
	if f.stop != nil {
		f.stop()
		f.stop = nil
	}
	if f.st != nil {
		f.st.Close()
		f.st = nil
	}
}

// restart stops the service and the store and opens both again.
func (f *fixture) restart() {
	f.close()
	f.open()
}

var bg = context.Background()

func (f *fixture) createBucket(name string) {
	f.t.Helper()
	if _, err := f.svc.CreateBucket(bg, &CreateBucketInput{Bucket: name}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) put(bucket, key, body string) *PutObjectOutput {
	f.t.Helper()
	out, err := f.svc.PutObject(bg, &PutObjectInput{Bucket: bucket, Key: key, Body: bytes.NewReader([]byte(body))})
	if err != nil {
		f.t.Fatalf("put %s: %v", key, err)
	}
	return out
}

func (f *fixture) get(in *GetObjectInput) (string, *GetObjectOutput) {
	f.t.Helper()
	out, err := f.svc.GetObject(bg, in)
	if err != nil {
		f.t.Fatalf("get %s: %v", in.Key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return string(b), out
}

func (f *fixture) versioning(bucket, status string) {
	f.t.Helper()
	err := f.svc.PutBucketVersioning(bg, &PutBucketVersioningInput{Bucket: bucket, VersioningConfiguration: &VersioningConfiguration{Status: status}})
	if err != nil {
		f.t.Fatal(err)
	}
}

// codeOf is the S3 error code of err, "" for nil.
func codeOf(err error) string {
	if err == nil {
		return ""
	}
	var e *awserr.Error
	if errors.As(err, &e) {
		return e.Code.Name
	}
	return "unexpected: " + err.Error()
}

func fieldOf(err error, name string) any {
	var e *awserr.Error
	if errors.As(err, &e) {
		return e.Fields[name]
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

func decodeMessage(t *testing.T, b []byte) EventMessage {
	t.Helper()
	var m EventMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
