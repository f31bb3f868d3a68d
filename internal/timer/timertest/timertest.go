// Package timertest gives tests a timer.Clock and a timer.Queue that move
// only when the test moves them: Advance sets the clock forward and handles
// each job as the clock reaches its due time, on the test's goroutine, so
// that a schedule's week or a retry policy's day runs in microseconds and
// in a deterministic order.
package timertest

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/timer"
)

// Clock is a clock set by hand.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock showing t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the time the clock shows.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t (never backwards).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	if t.After(c.t) {
		c.t = t
	}
	c.mu.Unlock()
}

// Lease is how long after its due time a job whose handler failed comes
// back, as a work queue's lease would bring it back.
const Lease = 30 * time.Second

type job struct {
	subject string
	data    []byte
	due     time.Time
	seq     int
}

// Queue is an in-memory timer.Queue driven by Advance.
type Queue struct {
	clock *Clock

	mu       sync.Mutex
	changed  *sync.Cond
	jobs     []*job
	seq      int
	handlers map[string]timer.Handler
}

// NewQueue returns an empty queue on clock.
func NewQueue(clock *Clock) *Queue {
	q := &Queue{clock: clock, handlers: map[string]timer.Handler{}}
	q.changed = sync.NewCond(&q.mu)
	return q
}

// At stores a job; a zero or past due is now.
func (q *Queue) At(ctx context.Context, subject string, data []byte, due time.Time) error {
	if now := q.clock.Now(); due.Before(now) {
		due = now
	}
	q.mu.Lock()
	q.seq++
	q.jobs = append(q.jobs, &job{subject: subject, data: append([]byte(nil), data...), due: due, seq: q.seq})
	q.mu.Unlock()
	return nil
}

// Consume registers handle for subject until ctx ends. Jobs are handled by
// Advance, not here.
func (q *Queue) Consume(ctx context.Context, subject string, limit int, handle timer.Handler) error {
	q.mu.Lock()
	q.handlers[subject] = handle
	q.changed.Broadcast()
	q.mu.Unlock()
	<-ctx.Done()
	q.mu.Lock()
	delete(q.handlers, subject)
	q.mu.Unlock()
	return nil
}

// Advance moves the clock forward by d, handling every job due on the way
// in order of due time (then of storing), with the clock set to each one's
// due time; jobs those handlers store are handled too when due within d.
// It waits for a due job's subject to have a consumer. A job whose handler
// fails comes back Lease later. It returns how many jobs were handled.
func (q *Queue) Advance(ctx context.Context, d time.Duration) (int, error) {
	end := q.clock.Now().Add(d)
	n := 0
	for {
		j, h, err := q.next(ctx, end)
		if err != nil || j == nil {
			q.clock.Set(end)
			return n, err
		}
		q.clock.Set(j.due)
		n++
		if h(ctx, j.data) != nil {
			q.At(ctx, j.subject, j.data, j.due.Add(Lease))
		}
	}
}

// next takes the first job due by end and its handler, waiting for the
// handler to be registered.
func (q *Queue) next(ctx context.Context, end time.Time) (*job, timer.Handler, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	sort.SliceStable(q.jobs, func(a, b int) bool {
		ja, jb := q.jobs[a], q.jobs[b]
		return ja.due.Before(jb.due) || ja.due.Equal(jb.due) && ja.seq < jb.seq
	})
	if len(q.jobs) == 0 || q.jobs[0].due.After(end) {
		return nil, nil, nil
	}
	j := q.jobs[0]
	stop := context.AfterFunc(ctx, func() {
		q.mu.Lock()
		q.changed.Broadcast()
		q.mu.Unlock()
	})
	defer stop()
	for q.handlers[j.subject] == nil {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		q.changed.Wait()
	}
	q.jobs = q.jobs[1:]
	return j, q.handlers[j.subject], nil
}

// Pending counts the jobs of subject not yet handled.
func (q *Queue) Pending(subject string) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for _, j := range q.jobs {
		if j.subject == subject {
			n++
		}
	}
	return n
}

// NextDue is the due time of subject's first job, and false when it has
// none.
func (q *Queue) NextDue(subject string) (time.Time, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var first time.Time
	for _, j := range q.jobs {
		if j.subject == subject && (first.IsZero() || j.due.Before(first)) {
			first = j.due
		}
	}
	return first, !first.IsZero()
}
