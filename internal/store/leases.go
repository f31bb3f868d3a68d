package store

import (
	"context"
	"sync"
	"time"
)

// Leases keeps the jobs of a WorkQueue being worked on leased: one ticker
// renews them all, rather than one timer per job.
type Leases struct {
	mu   sync.Mutex
	jobs map[Job]time.Time // job -> when it was last renewed
}

// NewLeases returns an empty set of leases.
func NewLeases() *Leases { return &Leases{jobs: map[Job]time.Time{}} }

// Hold keeps j leased until Release.
func (l *Leases) Hold(j Job) {
	l.mu.Lock()
	l.jobs[j] = time.Now()
	l.mu.Unlock()
}

// Release stops renewing j's lease.
func (l *Leases) Release(j Job) {
	l.mu.Lock()
	delete(l.jobs, j)
	l.mu.Unlock()
}

// Renew renews, every period until ctx ends, the jobs held for longer
// than a period.
func (l *Leases) Renew(ctx context.Context, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			l.mu.Lock()
			var due []Job
			for j, at := range l.jobs {
				if now.Sub(at) >= period {
					due = append(due, j)
					l.jobs[j] = now
				}
			}
			l.mu.Unlock()
			for _, j := range due {
				j.Working()
			}
		}
	}
}
