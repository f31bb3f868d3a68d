package async

import (
	"context"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// leases keeps the jobs being worked on leased: one ticker renews them all,
// rather than one timer per event.
type leases struct {
	mu   sync.Mutex
	jobs map[store.Job]time.Time // job -> when it was last renewed
}

func newLeases() *leases { return &leases{jobs: map[store.Job]time.Time{}} }

func (l *leases) hold(j store.Job) {
	l.mu.Lock()
	l.jobs[j] = time.Now()
	l.mu.Unlock()
}

func (l *leases) release(j store.Job) {
	l.mu.Lock()
	delete(l.jobs, j)
	l.mu.Unlock()
}

// renew renews, every period, the jobs held for longer than a period.
func (l *leases) renew(ctx context.Context, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			l.mu.Lock()
			var due []store.Job
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
