package events

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

// fireJob is a scheduled rule's job, due at a fire of one generation of
// its schedule.
type fireJob struct {
	Region string    `json:"r"`
	Bus    string    `json:"b"`
	Rule   string    `json:"rule"`
	Gen    int64     `json:"gen"`
	Due    time.Time `json:"due"`
}

// fireClaim is what a fire job's handler advanced a rule's record past
// and still has to queue (see timer.Claim): the fire's Scheduled Event
// and, in the record itself, the next fire's job.
type fireClaim struct {
	timer.Claim
	Event    json.RawMessage `json:"event"`
	Received int64           `json:"t"`
}

// claim is a rule's claim (nil for none).
func (r *rule) claim() *timer.Claim {
	if r.Claim == nil {
		return nil
	}
	return &r.Claim.Claim
}

// scheduleFire stores the job of a rule's next fire.
func (s *Service) scheduleFire(ctx context.Context, r *rule) error {
	data, err := json.Marshal(fireJob{Region: r.Region, Bus: r.Bus, Rule: r.Name, Gen: r.Gen, Due: r.Next})
	if err != nil {
		return err
	}
	return s.opts.Jobs.At(ctx, subjectSchedule, data, r.Next)
}

// fire handles a scheduled rule's job. Only the job the stored record
// expects fires (others are of an earlier schedule, or a second delivery
// of a job already fired), and it is claimed first: the record is
// advanced to the next fire with a compare-and-set on its revision, so
// that of two nodes handed the same job one fires; then the rule's
// Scheduled Event and the next fire's job are queued and the claim is
// cleared (a claim whose handler died is queued by the job's next
// delivery: see timer.Claim). The next fire is the first after now: a rule
// whose fires fell due while nubo was down fires once when it is back, not
// once for each.
func (s *Service) fire(ctx context.Context, data []byte) error {
	var j fireJob
	if err := json.Unmarshal(data, &j); err != nil {
		s.log.Error("drop an unreadable schedule job", "err", err)
		return nil
	}
	key := ruleKey(j.Region, j.Bus, j.Rule)
	s.mu.Lock()
	defer s.mu.Unlock()
	return timer.Fire(ctx, timer.Firing[rule]{
		Load:  func(ctx context.Context) (*rule, uint64, error) { return s.storedFireLocked(ctx, key) },
		Claim: (*rule).claim,
		Expects: func(r *rule) bool {
			return r.Gen == j.Gen && r.Next.Equal(j.Due) && r.sched != nil && r.enabled()
		},
		Advance: func(r *rule) (*rule, error) { return s.advance(r, &j) },
		Update: func(ctx context.Context, next *rule, rev uint64) (uint64, error) {
			return s.writeRuleLocked(ctx, key, next, rev)
		},
		Queue: func(ctx context.Context, r *rule, rev uint64) error { return s.queueFireLocked(ctx, key, r, rev) },
	}, j.Gen, j.Due, s.now())
}

// advance is a rule's record past the fire of job j, claimed.
func (s *Service) advance(r *rule, j *fireJob) (*rule, error) {
	ev, err := encode(envelope{Version: "0", ID: uuid.NewString(), DetailType: "Scheduled Event", Source: "aws.events",
		Account: s.opts.Account, Time: j.Due.UTC().Format(timeLayout), Region: r.Region,
		Resources: []string{s.RuleARN(r.Region, r.Bus, r.Name)}, Detail: json.RawMessage("{}")})
	if err != nil {
		return nil, err
	}
	now := s.now()
	next := *r
	next.Next = time.Time{}
	next.Claim = &fireClaim{Claim: timer.Claim{Gen: j.Gen, Due: j.Due, At: now}, Event: ev, Received: now.UnixMilli()}
	if t, ok := r.sched.Next(maxTime(j.Due, now)); ok {
		next.Next = t
	}
	return &next, nil
}

// queueFireLocked queues what a claimed record holds (see fire) and clears
// the claim.
func (s *Service) queueFireLocked(ctx context.Context, key string, r *rule, rev uint64) error {
	c := r.Claim
	if err := s.publish(ctx, &ingest{Region: r.Region, Bus: r.Bus, Events: []json.RawMessage{c.Event}, Received: c.Received, Rule: r.Name}); err != nil {
		return err
	}
	if !r.Next.IsZero() {
		if err := s.scheduleFire(ctx, r); err != nil {
			return err
		}
	}
	done := *r
	done.Claim = nil
	// Failing to clear the claim is harmless (the next claim replaces it);
	// failing the job would queue its event again.
	if _, err := s.writeRuleLocked(ctx, key, &done, rev); err != nil && !errors.Is(err, store.ErrRevision) {
		s.log.Warn("clear a rule's claim", "rule", r.Name, "err", err)
	}
	return nil
}

// storedRuleLocked reads a rule's record from the store (nil when it is
// gone) and the revision that wrote it.
func (s *Service) storedRuleLocked(ctx context.Context, key string) (*rule, uint64, error) {
	e, err := s.kv.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("load %s: %w", key, err)
	}
	var r rule
	if err := json.Unmarshal(e.Value, &r); err != nil {
		return nil, 0, fmt.Errorf("load %s: %w", key, err)
	}
	return &r, e.Revision, nil
}

// storedFireLocked is storedRuleLocked with the rule's schedule compiled
// (nil for a rule that no longer compiles, which never fires).
func (s *Service) storedFireLocked(ctx context.Context, key string) (*rule, uint64, error) {
	r, rev, err := s.storedRuleLocked(ctx, key)
	if err != nil || r == nil {
		return nil, 0, err
	}
	if err := r.compile(); err != nil {
		s.log.Warn("drop the fire of a rule that no longer compiles", "rule", r.Name, "err", err)
		return nil, 0, nil
	}
	return r, rev, nil
}

// writeRuleLocked stores a rule's record if its revision is still rev (if
// it does not exist when rev is 0), and files it.
func (s *Service) writeRuleLocked(ctx context.Context, key string, r *rule, rev uint64) (uint64, error) {
	data, err := json.Marshal(r)
	if err != nil {
		return 0, err
	}
	var nrev uint64
	if rev == 0 {
		nrev, err = s.kv.Create(ctx, key, data)
		if errors.Is(err, store.ErrExists) {
			err = store.ErrRevision
		}
	} else {
		nrev, err = s.kv.Update(ctx, key, data, rev)
	}
	if err != nil {
		return 0, fmt.Errorf("save %s: %w", key, err)
	}
	s.revs.Wrote(key, nrev)
	s.rules[ruleMapKey(r.Region, r.Bus, r.Name)] = r
	s.indexRuleLocked(r)
	return nrev, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
