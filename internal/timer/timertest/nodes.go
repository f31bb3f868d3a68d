package timertest

import (
	"context"
	"errors"
	"sync"

	"github.com/nubo-dev/nubo/internal/timer"
)

// Nodes is a Queue shared by the services of several nodes. A subject's
// jobs are handed out once every node consumes it: a job of a subject in
// Twice goes to every node at once, as a work queue whose lease ran out
// while a node worked on it would hand it out again; any other job goes
// to one node.
type Nodes struct {
	*Queue
	n     int
	twice map[string]bool

	mu       sync.Mutex
	handlers map[string][]timer.Handler
}

// NewNodes returns q shared by n nodes, handing the jobs of the subjects
// twice to all of them.
func NewNodes(q *Queue, n int, twice ...string) *Nodes {
	t := map[string]bool{}
	for _, s := range twice {
		t[s] = true
	}
	return &Nodes{Queue: q, n: n, twice: t, handlers: map[string][]timer.Handler{}}
}

// Consume registers a node's handler for subject until ctx ends.
func (q *Nodes) Consume(ctx context.Context, subject string, limit int, handle timer.Handler) error {
	q.mu.Lock()
	q.handlers[subject] = append(q.handlers[subject], handle)
	hs := q.handlers[subject]
	q.mu.Unlock()
	if len(hs) != q.n {
		<-ctx.Done()
		return nil
	}
	if !q.twice[subject] {
		return q.Queue.Consume(ctx, subject, limit, hs[0])
	}
	return q.Queue.Consume(ctx, subject, limit, func(ctx context.Context, data []byte) error {
		errs := make([]error, len(hs))
		var wg sync.WaitGroup
		for i, h := range hs {
			wg.Go(func() { errs[i] = h(ctx, data) })
		}
		wg.Wait()
		return errors.Join(errs...)
	})
}
