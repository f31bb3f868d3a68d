package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/timer"
)

// fireJob is a schedule's job, due at an invocation of one generation.
type fireJob struct {
	Region string    `json:"r"`
	Group  string    `json:"g"`
	Name   string    `json:"n"`
	Gen    int64     `json:"gen"`
	Due    time.Time `json:"due"`
}

// claim is what a fire job's handler advanced a schedule's record past
// and still has to queue (see timer.Claim): the job's invocation (nil
// when it was older than its retry policy's maximum age) and, in the
// record itself, the next invocation's job, or the schedule's deletion.
type claim struct {
	timer.Claim
	Invocation *invocation `json:"inv,omitempty"`
	Delete     bool        `json:"delete,omitempty"`
}

// claim is a record's claim (nil for none).
func (r *record) claim() *timer.Claim {
	if r.Pending == nil {
		return nil
	}
	return &r.Pending.Claim
}

func (s *Service) scheduleFire(ctx context.Context, r *record) error {
	data, err := json.Marshal(fireJob{Region: r.Region, Group: r.GroupName, Name: r.Name, Gen: r.Gen, Due: r.Due})
	if err != nil {
		return err
	}
	return s.opts.Jobs.At(ctx, subjectFire, data, r.Due)
}

// fire handles a schedule's job. Only the job the stored record expects
// fires, and it is claimed first: the record is advanced to the next
// invocation with a compare-and-set on its revision, so that of two nodes
// handed the same job (a lease that ran out) one fires and the other
// finds the record claimed; then the invocation (a job of its own, tried
// and retried apart from the schedule) and the next invocation's job are
// queued, and the claim is cleared. A node that dies between the claim
// and its clearing leaves the claim for the job's next delivery, which
// queues it again (see timer.Claim): an invocation is queued at least
// once, and once but for such a death. The next invocation is the first
// after now, so invocations missed while nubo was down are one
// invocation; one older than its retry policy's maximum age is dropped. A schedule with no more
// invocations is deleted when its ActionAfterCompletion says so.
func (s *Service) fire(ctx context.Context, data []byte) error {
	var j fireJob
	if err := json.Unmarshal(data, &j); err != nil {
		s.log.Error("drop an unreadable schedule job", "err", err)
		return nil
	}
	key := scheduleKey(j.Region, j.Group, j.Name)
	s.mu.Lock()
	defer s.mu.Unlock()
	return timer.Fire(ctx, timer.Firing[record]{
		Load:    func(ctx context.Context) (*record, uint64, error) { return s.storedLocked(ctx, key) },
		Claim:   (*record).claim,
		Expects: func(r *record) bool { return r.Gen == j.Gen && r.Due.Equal(j.Due) },
		Advance: func(r *record) (*record, error) { return s.advance(r), nil },
		Update: func(ctx context.Context, next *record, rev uint64) (uint64, error) {
			return s.updateLocked(ctx, key, next, rev)
		},
		Queue: func(ctx context.Context, r *record, rev uint64) error { return s.queueLocked(ctx, key, r, rev) },
	}, j.Gen, j.Due, s.now())
}

// advance is a schedule's record past its current invocation, claimed.
func (s *Service) advance(r *record) *record {
	now := s.now()
	c := &claim{Claim: timer.Claim{Gen: r.Gen, Due: r.Due, At: now}}
	_, maxAge := retryPolicy(r.Target.RetryPolicy)
	if now.Sub(r.Occurrence) <= maxAge {
		c.Invocation = &invocation{Region: r.Region, Schedule: s.ScheduleARN(r.Region, r.GroupName, r.Name), Target: r.Target,
			ExecutionID: uuid.NewString(), Scheduled: r.Occurrence}
	} else {
		s.log.Warn("drop a missed invocation older than its maximum age", "schedule", r.Name, "due", r.Occurrence)
	}
	next := *r
	next.Due, next.Occurrence, next.Pending = time.Time{}, time.Time{}, c
	if p, err := r.parse(); err == nil {
		if occ, ok := p.Next(maxTime(r.Occurrence, now)); ok {
			next.Due, next.Occurrence = s.within(r, occ), occ
		}
	}
	c.Delete = next.Due.IsZero() && r.ActionAfterCompletion == "DELETE"
	return &next
}

// queueLocked queues what a claimed record holds (see fire) and clears
// the claim.
func (s *Service) queueLocked(ctx context.Context, key string, r *record, rev uint64) error {
	c := r.Pending
	if c.Invocation != nil {
		if err := s.later(ctx, c.Invocation, 0); err != nil {
			return err
		}
	}
	if c.Delete {
		return s.deleteLocked(ctx, r)
	}
	if !r.Due.IsZero() {
		if err := s.scheduleFire(ctx, r); err != nil {
			return err
		}
	}
	done := *r
	done.Pending = nil
	// Failing to clear the claim is harmless (the next claim replaces it);
	// failing the job would queue its invocation again.
	if _, err := s.updateLocked(ctx, key, &done, rev); err != nil && !errors.Is(err, store.ErrRevision) {
		s.log.Warn("clear a schedule's claim", "schedule", r.Name, "err", err)
	}
	return nil
}

// storedLocked reads a schedule's record from the store (nil when it is
// gone) and the revision that wrote it.
func (s *Service) storedLocked(ctx context.Context, key string) (*record, uint64, error) {
	e, err := s.kv.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("load %s: %w", key, err)
	}
	var r record
	if err := json.Unmarshal(e.Value, &r); err != nil {
		return nil, 0, fmt.Errorf("load %s: %w", key, err)
	}
	return &r, e.Revision, nil
}

// updateLocked stores a schedule's record if its revision is still rev.
func (s *Service) updateLocked(ctx context.Context, key string, r *record, rev uint64) (uint64, error) {
	data, err := json.Marshal(r)
	if err != nil {
		return 0, err
	}
	nrev, err := s.kv.Update(ctx, key, data, rev)
	if err != nil {
		return 0, fmt.Errorf("save %s: %w", key, err)
	}
	s.revs.Wrote(key, nrev)
	s.schedules[mapKey(r.Region, r.GroupName, r.Name)] = r
	return nrev, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
