package events

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
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

// scheduleFire stores the job of a rule's next fire.
func (s *Service) scheduleFire(ctx context.Context, r *rule) error {
	data, err := json.Marshal(fireJob{Region: r.Region, Bus: r.Bus, Rule: r.Name, Gen: r.Gen, Due: r.Next})
	if err != nil {
		return err
	}
	return s.opts.Jobs.At(ctx, subjectSchedule, data, r.Next)
}

// fire handles a scheduled rule's job. Only the job the rule's record
// expects fires (others are of an earlier schedule, or a second delivery
// of a job already fired); it queues the rule's Scheduled Event, then the
// job of the next fire, then records that fire as the expected one. The
// next fire is the first after now: a rule whose fires fell due while
// nubo was down fires once when it is back, not once for each.
func (s *Service) fire(ctx context.Context, data []byte) error {
	var j fireJob
	if err := json.Unmarshal(data, &j); err != nil {
		s.log.Error("drop an unreadable schedule job", "err", err)
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rules[ruleMapKey(j.Region, j.Bus, j.Rule)]
	if r == nil || r.Gen != j.Gen || !r.Next.Equal(j.Due) || r.sched == nil || !r.enabled() {
		return nil
	}
	ruleARN := s.RuleARN(r.Region, r.Bus, r.Name)
	ev, err := encode(envelope{Version: "0", ID: uuid.NewString(), DetailType: "Scheduled Event", Source: "aws.events",
		Account: s.opts.Account, Time: j.Due.UTC().Format(timeLayout), Region: r.Region, Resources: []string{ruleARN},
		Detail: json.RawMessage("{}")})
	if err != nil {
		return err
	}
	now := s.now()
	if err := s.publish(ctx, &ingest{Region: r.Region, Bus: r.Bus, Events: []json.RawMessage{ev}, Received: now.UnixMilli(), Rule: r.Name}); err != nil {
		return err
	}
	next := *r
	next.Next = time.Time{}
	if t, ok := r.sched.Next(maxTime(j.Due, now)); ok {
		next.Next = t
		if err := s.scheduleFire(ctx, &next); err != nil {
			return err
		}
	}
	if err := s.put(ctx, ruleKey(r.Region, r.Bus, r.Name), &next); err != nil {
		return err
	}
	s.rules[ruleMapKey(r.Region, r.Bus, r.Name)] = &next
	return nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
