package timer_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/store/natsstore"
	"github.com/nubo-dev/nubo/internal/timer"
)

// fired is what a handler saw: the job and when it ran.
type fired struct {
	data string
	at   time.Time
}

func openJobs(t *testing.T, dir string, lease time.Duration) (*timer.Jobs, func()) {
	t.Helper()
	st, err := natsstore.Open(context.Background(), natsstore.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	work, err := st.WorkQueue(context.Background(), "TIMERS", "timers", lease)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	return timer.New(work, lease, nil), st.Close
}

// consume runs a consumer of subject that reports each job on the
// returned channel, failing the first fail jobs.
func consume(t *testing.T, jobs *timer.Jobs, subject string, fail int32) (<-chan fired, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan fired, 16)
	done := make(chan struct{})
	var failures atomic.Int32
	go func() {
		defer close(done)
		jobs.Consume(ctx, subject, 8, func(ctx context.Context, data []byte) error {
			got <- fired{string(data), time.Now()}
			if failures.Add(1) <= fail {
				return errors.New("not now")
			}
			return nil
		})
	}()
	return got, func() { cancel(); <-done }
}

func wait(t *testing.T, got <-chan fired, within time.Duration) fired {
	t.Helper()
	select {
	case f := <-got:
		return f
	case <-time.After(within):
		t.Fatalf("no job within %v", within)
		return fired{}
	}
}

// A job runs at its due time: not before, and a moment after (within a
// second on an idle machine, as the log says; the bound leaves room for a
// loaded one).
func TestJobFiresAtItsDueTime(t *testing.T) {
	jobs, closeStore := openJobs(t, t.TempDir(), 30*time.Second)
	defer closeStore()
	got, stop := consume(t, jobs, "timers.a", 0)
	defer stop()
	due := time.Now().Add(2 * time.Second)
	if err := jobs.At(context.Background(), "timers.a", []byte("later"), due); err != nil {
		t.Fatal(err)
	}
	if err := jobs.At(context.Background(), "timers.a", []byte("now"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	ran := map[string]fired{}
	for range 2 {
		f := wait(t, got, 30*time.Second)
		ran[f.data] = f
	}
	if _, ok := ran["now"]; !ok {
		t.Fatalf("ran %v", ran)
	}
	f := ran["later"]
	if f.data != "later" || f.at.Before(due) || f.at.After(due.Add(10*time.Second)) {
		t.Fatalf("job %q due at %v ran at %v", f.data, due.Format(time.StampMilli), f.at.Format(time.StampMilli))
	}
	t.Logf("a job due in 2 s ran %v after its due time", f.at.Sub(due))
}

func TestFailedJobReturnsAfterItsLease(t *testing.T) {
	jobs, closeStore := openJobs(t, t.TempDir(), time.Second)
	defer closeStore()
	got, stop := consume(t, jobs, "timers.b", 1)
	defer stop()
	jobs.At(context.Background(), "timers.b", []byte("x"), time.Time{})
	first := wait(t, got, 30*time.Second)
	again := wait(t, got, 30*time.Second)
	if again.data != "x" || again.at.Sub(first.at) < 900*time.Millisecond {
		t.Fatalf("the failed job came back after %v", again.at.Sub(first.at))
	}
}

// A job that fell due while nothing ran is handled once the store and a
// consumer are back.
func TestJobDueWhileDownRunsWhenBack(t *testing.T) {
	dir := t.TempDir()
	jobs, closeStore := openJobs(t, dir, 30*time.Second)
	due := time.Now().Add(300 * time.Millisecond)
	if err := jobs.At(context.Background(), "timers.c", []byte("missed"), due); err != nil {
		t.Fatal(err)
	}
	closeStore()
	time.Sleep(time.Until(due) + 200*time.Millisecond) // let the due time pass while down
	jobs, closeStore = openJobs(t, dir, 30*time.Second)
	defer closeStore()
	got, stop := consume(t, jobs, "timers.c", 0)
	defer stop()
	if f := wait(t, got, 30*time.Second); f.data != "missed" {
		t.Fatalf("got %q", f.data)
	}
	select {
	case f := <-got:
		t.Fatalf("handled twice: %q", f.data)
	case <-time.After(300 * time.Millisecond):
	}
}
