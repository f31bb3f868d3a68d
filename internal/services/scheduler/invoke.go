package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/targets"
)

// The defaults of a target's RetryPolicy.
const (
	defaultRetries = 185
	defaultMaxAge  = 24 * time.Hour
)

// invocation is one invocation of a schedule's target, a job until it is
// delivered or dead-lettered.
type invocation struct {
	Region      string    `json:"r"`
	Schedule    string    `json:"schedule"`
	Target      Target    `json:"target"`
	ExecutionID string    `json:"id"`
	Scheduled   time.Time `json:"at"`
	Attempts    int       `json:"n,omitempty"`
	// Dead, when set, is an invocation that failed for good whose
	// dead-letter queue could not be reached yet.
	Dead *failure `json:"dead,omitempty"`
}

type failure struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (s *Service) later(ctx context.Context, inv *invocation, wait time.Duration) error {
	data, err := json.Marshal(inv)
	if err != nil {
		return err
	}
	return s.opts.Jobs.At(ctx, subjectRetry, data, s.now().Add(wait))
}

// retry handles an invocation's job: an attempt, then done, a retry later
// or the dead-letter queue.
func (s *Service) retry(ctx context.Context, data []byte) error {
	var inv invocation
	if err := json.Unmarshal(data, &inv); err != nil {
		s.log.Error("drop an unreadable invocation", "err", err)
		return nil
	}
	if inv.Dead != nil {
		return s.sendDead(ctx, &inv)
	}
	err := s.call(ctx, &inv)
	inv.Attempts++
	if err == nil {
		return nil
	}
	code, retryable := classify(err)
	retries, maxAge := retryPolicy(inv.Target.RetryPolicy)
	delay := s.opts.RetryDelay(inv.Attempts)
	if retryable && inv.Attempts <= retries && s.now().Add(delay).Sub(inv.Scheduled) <= maxAge {
		return s.later(ctx, &inv, delay)
	}
	inv.Dead = &failure{Code: code, Message: err.Error()}
	if inv.Target.DeadLetterConfig == nil || inv.Target.DeadLetterConfig.Arn == "" {
		s.log.Warn("schedule invocation failed", "schedule", inv.Schedule, "target", inv.Target.Arn, "code", code, "err", err)
		return nil
	}
	return s.sendDead(ctx, &inv)
}

func retryPolicy(p *RetryPolicy) (int, time.Duration) {
	retries, maxAge := defaultRetries, defaultMaxAge
	if p != nil && p.MaximumRetryAttempts != nil {
		retries = int(*p.MaximumRetryAttempts)
	}
	if p != nil && p.MaximumEventAgeInSeconds != nil {
		maxAge = time.Duration(*p.MaximumEventAgeInSeconds) * time.Second
	}
	return retries, maxAge
}

// input is the target's Input with the schedule's context attributes
// filled in ("{}" without one).
func (inv *invocation) input() string {
	in := inv.Target.Input
	if in == "" {
		return "{}"
	}
	return strings.NewReplacer(
		"<aws.scheduler.schedule-arn>", inv.Schedule,
		"<aws.scheduler.scheduled-time>", inv.Scheduled.UTC().Format(time.RFC3339),
		"<aws.scheduler.execution-id>", inv.ExecutionID,
		"<aws.scheduler.attempt-number>", strconv.Itoa(inv.Attempts+1),
	).Replace(in)
}

// call invokes the target once.
func (s *Service) call(ctx context.Context, inv *invocation) error {
	t := &inv.Target
	if service, action, ok := universal(t.Arn); ok {
		return s.opts.APIs.Call(ctx, inv.Region, service, strings.ToUpper(action[:1])+action[1:], t.RoleArn, []byte(inv.input()))
	}
	if p := t.EventBridgeParameters; p != nil && strings.Contains(t.Arn, ":event-bus/") {
		return s.opts.Buses.PutScheduledEvent(ctx, t.Arn, source(t.RoleArn), p.Source, p.DetailType, inv.input(), []string{inv.Schedule})
	}
	m := targets.Message{Body: []byte(inv.input()), ID: inv.ExecutionID, Time: inv.Scheduled, Source: source(t.RoleArn)}
	if t.SqsParameters != nil && t.SqsParameters.MessageGroupId != "" {
		m.GroupID, m.DeduplicationID = t.SqsParameters.MessageGroupId, inv.ExecutionID
	}
	return s.opts.Targets.Deliver(ctx, t.Arn, m)
}

// source is who delivers a schedule's invocations: its target's execution
// role, which must trust scheduler.amazonaws.com and whose policies must
// allow the delivery (and the dead-letter queue's), as on AWS.
func source(role string) targets.Source {
	return targets.Source{Role: role, Session: sessionName, AssumedBy: servicePrincipal}
}

// Scheduler's service principal, and the name of the sessions of the
// roles it assumes.
const (
	servicePrincipal = "scheduler.amazonaws.com"
	sessionName      = "scheduler"
)

// CallError is a universal target's API answering with an error.
type CallError struct {
	Status int
	Code   string
}

func (e *CallError) Error() string { return e.Code }

// classify names a failure and says whether retrying may help.
func classify(err error) (string, bool) {
	var ce *CallError
	switch {
	case errors.Is(err, targets.ErrNotFound):
		return "ResourceNotFound", false
	case errors.Is(err, targets.ErrDenied):
		return "AccessDenied", false
	case errors.Is(err, targets.ErrUnsupported):
		return "InvalidParameter", false
	case errors.As(err, &ce):
		return ce.Code, ce.Status >= 500 || ce.Status == 429
	}
	return "InternalError", true
}

// sendDead sends a failed invocation's input to the dead-letter queue,
// with what went wrong; a queue that cannot be reached now is tried again
// while the invocation is young enough.
func (s *Service) sendDead(ctx context.Context, inv *invocation) error {
	str := func(v string) targets.Attribute { return targets.Attribute{DataType: "String", StringValue: v} }
	attrs := map[string]targets.Attribute{
		"ERROR_CODE":    str(inv.Dead.Code),
		"ERROR_MESSAGE": str(inv.Dead.Message),
		"EXECUTION_ID":  str(inv.ExecutionID),
		"SCHEDULE_ARN":  str(inv.Schedule),
		"TARGET_ARN":    str(inv.Target.Arn),
	}
	err := s.opts.Targets.Deliver(ctx, inv.Target.DeadLetterConfig.Arn, targets.Message{Body: []byte(inv.input()), Attributes: attrs,
		Source: source(inv.Target.RoleArn)})
	if err == nil {
		return nil
	}
	_, maxAge := retryPolicy(inv.Target.RetryPolicy)
	if _, retryable := classify(err); retryable && s.now().Sub(inv.Scheduled) < maxAge {
		return s.later(ctx, inv, time.Minute)
	}
	s.log.Warn("invocation lost: its dead-letter queue cannot take it", "schedule", inv.Schedule, "err", err)
	return nil
}
