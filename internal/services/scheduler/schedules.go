package scheduler

import (
	"context"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/schedule"
)

// The bounds of a target's RetryPolicy and a flexible window.
const (
	maxRetryAttempts = 185
	minEventAge      = 60
	maxEventAge      = 86400
	maxWindow        = 1440
)

func scheduleNotFound(name string) error {
	return awserr.New(ErrNotFound, "Schedule %s does not exist.", name)
}

// parse parses a schedule's expression with its time zone and dates.
func (sc *Schedule) parse() (*schedule.Schedule, error) {
	p, err := schedule.ParseScheduler(sc.ScheduleExpression, schedule.Options{Timezone: sc.ScheduleExpressionTimezone,
		StartDate: sc.StartDate, EndDate: sc.EndDate, Created: sc.LastModificationDate})
	if err != nil {
		return nil, validation("%s", err.Error())
	}
	return p, nil
}

// check checks a schedule's settings and fills in their defaults.
func (s *Service) check(sc *Schedule) error {
	if err := checkName(sc.Name, "name"); err != nil {
		return err
	}
	if sc.GroupName == "" {
		sc.GroupName = defaultGroup
	}
	if sc.State == "" {
		sc.State = "ENABLED"
	}
	switch {
	case sc.ScheduleExpression == "":
		return validation("1 validation error detected: Value null at 'scheduleExpression' failed to satisfy constraint: Member must not be null")
	case sc.State != "ENABLED" && sc.State != "DISABLED":
		return validation("1 validation error detected: Value '%s' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]", sc.State)
	case sc.ActionAfterCompletion != "" && sc.ActionAfterCompletion != "NONE" && sc.ActionAfterCompletion != "DELETE":
		return validation("1 validation error detected: Value '%s' at 'actionAfterCompletion' failed to satisfy constraint: Member must satisfy enum value set: [NONE, DELETE]", sc.ActionAfterCompletion)
	case sc.KmsKeyArn != "":
		return validation("nubo does not encrypt schedules with customer managed keys: KmsKeyArn is not supported.")
	}
	if err := checkWindow(sc.FlexibleTimeWindow); err != nil {
		return err
	}
	if _, err := sc.parse(); err != nil {
		return err
	}
	return s.checkTarget(&sc.Target)
}

func checkWindow(w FlexibleTimeWindow) error {
	switch w.Mode {
	case "OFF":
		if w.MaximumWindowInMinutes != nil {
			return validation("MaximumWindowInMinutes must not be provided when Mode is OFF.")
		}
	case "FLEXIBLE":
		if n := w.MaximumWindowInMinutes; n == nil || *n < 1 || *n > maxWindow {
			return validation("MaximumWindowInMinutes must be between 1 and %d when Mode is FLEXIBLE.", maxWindow)
		}
	case "":
		return validation("1 validation error detected: Value null at 'flexibleTimeWindow' failed to satisfy constraint: Member must not be null")
	default:
		return validation("1 validation error detected: Value '%s' at 'flexibleTimeWindow.mode' failed to satisfy constraint: Member must satisfy enum value set: [OFF, FLEXIBLE]", w.Mode)
	}
	return nil
}

// checkTarget checks a target: its ARN is one nubo invokes, its retry
// policy within bounds, its dead-letter queue an SQS queue.
func (s *Service) checkTarget(t *Target) error {
	switch {
	case t.Arn == "":
		return validation("1 validation error detected: Value null at 'target.arn' failed to satisfy constraint: Member must not be null")
	case t.RoleArn == "":
		return validation("1 validation error detected: Value null at 'target.roleArn' failed to satisfy constraint: Member must not be null")
	}
	if p := t.RetryPolicy; p != nil {
		if n := p.MaximumRetryAttempts; n != nil && (*n < 0 || *n > maxRetryAttempts) {
			return validation("1 validation error detected: Value '%d' at 'target.retryPolicy.maximumRetryAttempts' failed to satisfy constraint: Member must have value between 0 and %d", *n, maxRetryAttempts)
		}
		if n := p.MaximumEventAgeInSeconds; n != nil && (*n < minEventAge || *n > maxEventAge) {
			return validation("1 validation error detected: Value '%d' at 'target.retryPolicy.maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value between %d and %d", *n, minEventAge, maxEventAge)
		}
	}
	if d := t.DeadLetterConfig; d != nil && d.Arn != "" {
		if a, err := arn.Parse(d.Arn); err != nil || a.Service != "sqs" {
			return validation("Invalid DeadLetterConfig Arn %s: it must be an SQS queue.", d.Arn)
		}
	}
	if service, action, ok := universal(t.Arn); ok {
		if s.opts.APIs == nil || !s.opts.APIs.Supports(service) || action == "" {
			return validation("nubo cannot call %s: universal targets may call the sqs, sns, eventbridge and cloudwatchlogs APIs.", t.Arn)
		}
		return nil
	}
	a, err := arn.Parse(t.Arn)
	typ, _ := a.ResourceType()
	switch {
	case err != nil:
		return validation("Invalid target Arn %s.", t.Arn)
	case a.Service == "events" && typ == "event-bus":
		if t.EventBridgeParameters == nil || t.EventBridgeParameters.Source == "" || t.EventBridgeParameters.DetailType == "" {
			return validation("EventBridgeParameters with Source and DetailType must be provided for an event bus target.")
		}
	case a.Service == "lambda" && typ == "function", a.Service == "sqs", a.Service == "sns", a.Service == "states" && typ == "stateMachine":
	default:
		return validation("nubo cannot invoke %s: templated targets may be Lambda functions, SQS queues, SNS topics, event buses and Step Functions state machines.", t.Arn)
	}
	return nil
}

// universal splits a universal target's ARN,
// arn:aws:scheduler:::aws-sdk:<service>:<apiAction>.
func universal(targetARN string) (service, action string, ok bool) {
	rest, ok := strings.CutPrefix(targetARN, "arn:aws:scheduler:::aws-sdk:")
	if !ok {
		return "", "", false
	}
	service, action, _ = strings.Cut(rest, ":")
	return service, action, true
}

// CreateSchedule creates a schedule and, when it is enabled, schedules its
// first invocation.
func (s *Service) CreateSchedule(ctx context.Context, region string, sc Schedule) (string, error) {
	if err := s.check(&sc); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.groupLocked(region, sc.GroupName) == nil {
		return "", groupNotFound(sc.GroupName)
	}
	if s.schedules[mapKey(region, sc.GroupName, sc.Name)] != nil {
		return "", awserr.New(ErrConflict, "Schedule %s already exists.", sc.Name)
	}
	now := s.now()
	sc.CreationDate, sc.LastModificationDate = now, now
	r := &record{Schedule: sc, Region: region}
	if err := s.startLocked(ctx, r); err != nil {
		return "", err
	}
	return s.ScheduleARN(region, sc.GroupName, sc.Name), nil
}

// UpdateSchedule replaces a schedule's settings; its invocations start
// over from the new ones.
func (s *Service) UpdateSchedule(ctx context.Context, region string, sc Schedule) (string, error) {
	if err := s.check(&sc); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.schedules[mapKey(region, sc.GroupName, sc.Name)]
	if old == nil {
		return "", scheduleNotFound(sc.Name)
	}
	sc.CreationDate, sc.LastModificationDate = old.CreationDate, s.now()
	r := &record{Schedule: sc, Region: region, Gen: old.Gen}
	if err := s.startLocked(ctx, r); err != nil {
		return "", err
	}
	return s.ScheduleARN(region, sc.GroupName, sc.Name), nil
}

// startLocked starts a schedule's generation: its first invocation's job
// is stored before the schedule, so that a crash between the two leaves a
// job the stored schedule ignores, never a schedule without its job.
func (s *Service) startLocked(ctx context.Context, r *record) error {
	r.Gen++
	r.Due, r.Occurrence = s.first(r)
	if !r.Due.IsZero() {
		if err := s.scheduleFire(ctx, r); err != nil {
			return err
		}
	}
	return s.saveLocked(ctx, r)
}

// first is a schedule's next invocation after now: when its job is due
// and the schedule's time it is for; zero when there is none.
func (s *Service) first(r *record) (due, occurrence time.Time) {
	if r.State != "ENABLED" {
		return time.Time{}, time.Time{}
	}
	p, err := r.parse()
	if err != nil {
		return time.Time{}, time.Time{}
	}
	occurrence, ok := p.Next(s.now())
	if !ok {
		return time.Time{}, time.Time{}
	}
	return s.within(r, occurrence), occurrence
}

// within is when an occurrence's invocation runs: at its time, or at a
// random moment of its flexible window.
func (s *Service) within(r *record, occurrence time.Time) time.Time {
	w := r.FlexibleTimeWindow
	if w.Mode != "FLEXIBLE" || w.MaximumWindowInMinutes == nil {
		return occurrence
	}
	return occurrence.Add(rand.N(time.Duration(*w.MaximumWindowInMinutes) * time.Minute))
}

func (s *Service) saveLocked(ctx context.Context, r *record) error {
	if err := s.put(ctx, scheduleKey(r.Region, r.GroupName, r.Name), r); err != nil {
		return err
	}
	s.schedules[mapKey(r.Region, r.GroupName, r.Name)] = r
	return nil
}

// GetSchedule describes a schedule.
func (s *Service) GetSchedule(ctx context.Context, region, group, name string) (Schedule, error) {
	if group == "" {
		group = defaultGroup
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.groupLocked(region, group) == nil {
		return Schedule{}, groupNotFound(group)
	}
	r := s.schedules[mapKey(region, group, name)]
	if r == nil {
		return Schedule{}, scheduleNotFound(name)
	}
	out := r.Schedule
	out.Arn = s.ScheduleARN(region, group, name)
	return out, nil
}

// DeleteSchedule deletes a schedule.
func (s *Service) DeleteSchedule(ctx context.Context, region, group, name string) error {
	if group == "" {
		group = defaultGroup
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.schedules[mapKey(region, group, name)]
	if r == nil {
		return scheduleNotFound(name)
	}
	return s.deleteLocked(ctx, r)
}

// deleteLocked deletes a schedule; a job it left is ignored when it comes.
func (s *Service) deleteLocked(ctx context.Context, r *record) error {
	if err := s.del(ctx, scheduleKey(r.Region, r.GroupName, r.Name)); err != nil {
		return err
	}
	delete(s.schedules, mapKey(r.Region, r.GroupName, r.Name))
	return nil
}

// ListSchedules lists a region's schedules by group, name prefix and
// state.
func (s *Service) ListSchedules(ctx context.Context, region, group, prefix, state, token string, limit *int32) ([]Schedule, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	byKey := map[string]*record{}
	var keys []string
	for _, r := range s.schedules {
		if r.Region == region && (group == "" || r.GroupName == group) && strings.HasPrefix(r.Name, prefix) && (state == "" || r.State == state) {
			k := r.GroupName + "/" + r.Name
			byKey[k] = r
			keys = append(keys, k)
		}
	}
	keys, next, err := page(keys, token, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]Schedule, 0, len(keys))
	for _, k := range keys {
		sc := byKey[k].Schedule
		sc.Arn = s.ScheduleARN(region, sc.GroupName, sc.Name)
		out = append(out, sc)
	}
	return out, next, nil
}
