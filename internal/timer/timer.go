// Package timer is nubo's one durable timer mechanism: work that is due at
// a time — a schedule's next fire, a delivery's retry after its backoff, a
// batch of events to fan out now. A job is data for a subject with a due
// time. At stores it in a store.WorkQueue before it returns; the queue
// holds it until it is due (JetStream's message schedules, kept by the
// server, so a job that fell due while nubo was down is delivered as soon
// as it is back) and then hands it to whichever node consumes the subject.
// Handling is at least once: a job is done when its handler returns nil,
// and a job whose handler failed, or whose node died, comes back when its
// lease runs out.
//
// Handlers read the time from a Clock rather than the system, and
// timer/timertest gives tests a Clock and a Queue they move by hand, so
// that what a schedule does at 12:00 tomorrow is tested now.
package timer

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// Clock tells the time.
type Clock interface {
	Now() time.Time
}

// System is the system's clock.
type System struct{}

// Now is time.Now.
func (System) Now() time.Time { return time.Now() }

// Handler handles one job. Returning nil finishes the job; an error leaves
// it to come back after its lease.
type Handler func(ctx context.Context, data []byte) error

// Queue stores jobs and hands them out when due.
type Queue interface {
	// At stores data to be handled on subject at due (at once when due is
	// zero or past) and returns once it is stored.
	At(ctx context.Context, subject string, data []byte, due time.Time) error
	// Consume hands subject's due jobs to handle, at most limit at a time,
	// each on its own goroutine, until ctx ends; it returns once the
	// handlers it started have returned.
	Consume(ctx context.Context, subject string, limit int, handle Handler) error
}

// Jobs is a Queue on a store.WorkQueue.
type Jobs struct {
	work  store.WorkQueue
	lease time.Duration
	log   *slog.Logger
}

// New returns Jobs on work, whose jobs are leased for lease (the work
// queue's own lease; renewed while a handler runs).
func New(work store.WorkQueue, lease time.Duration, log *slog.Logger) *Jobs {
	if log == nil {
		log = slog.Default()
	}
	return &Jobs{work: work, lease: lease, log: log}
}

// At stores a job.
func (j *Jobs) At(ctx context.Context, subject string, data []byte, due time.Time) error {
	return j.work.Publish(ctx, subject, data, due)
}

// Consume hands out subject's jobs until ctx ends.
func (j *Jobs) Consume(ctx context.Context, subject string, limit int, handle Handler) error {
	held := store.NewLeases()
	renewCtx, stopRenewing := context.WithCancel(ctx)
	var renewer, wg sync.WaitGroup
	renewer.Go(func() { held.Renew(renewCtx, j.lease/3) })
	err := j.work.Consume(ctx, subject, limit, func(job store.Job) {
		held.Hold(job)
		wg.Go(func() {
			defer held.Release(job)
			if err := handle(ctx, job.Data()); err != nil {
				if ctx.Err() == nil {
					j.log.Warn("job failed; it returns after its lease", "subject", subject, "err", err)
				}
				return
			}
			if err := job.Done(); err != nil && ctx.Err() == nil {
				j.log.Warn("finish job", "subject", subject, "err", err)
			}
		})
	})
	wg.Wait()
	stopRenewing()
	renewer.Wait()
	return err
}
