package async

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/targets"
)

// Defaults of FunctionEventInvokeConfig.
const (
	defaultRetries = 2
	defaultMaxAge  = 6 * time.Hour
)

// Failure conditions of destination records.
const (
	conditionRetriesExhausted = "RetriesExhausted"
	conditionEventAgeExceeded = "EventAgeExceeded"
	conditionZeroReserved     = "ZeroReservedConcurrency"
)

// handle runs one event and decides what follows: done, a retry later, or
// the failure targets. The job is finished only once what follows is
// stored, so that a crash at any point runs the event again rather than
// losing it.
func (q *Queue) handle(ctx context.Context, j store.Job) {
	q.leases.Hold(j)
	defer q.leases.Release(j)
	var ev event
	if err := json.Unmarshal(j.Data(), &ev); err != nil {
		q.log.Error("drop unreadable async event", "err", err)
		j.Done()
		return
	}
	if err := q.attempt(ctx, &ev); err != nil {
		if ctx.Err() == nil {
			q.log.Error("async event", "function", ev.Function, "request_id", ev.RequestID, "err", err)
		}
		return // the lease runs out and the event comes back
	}
	j.Done()
}

// settings are the event invoke settings that apply to an event.
type settings struct {
	retries      int
	maxAge       time.Duration
	destinations lambda.DestinationConfig
}

func (q *Queue) settingsOf(ctx context.Context, ev *event) (settings, error) {
	s := settings{retries: defaultRetries, maxAge: defaultMaxAge}
	cfg, err := q.opts.Control.EventInvokeConfig(ctx, ev.scope(), ev.ref())
	if err != nil || cfg == nil {
		return s, err
	}
	if cfg.MaximumRetryAttempts != nil {
		s.retries = *cfg.MaximumRetryAttempts
	}
	if cfg.MaximumEventAgeInSeconds != nil {
		s.maxAge = time.Duration(*cfg.MaximumEventAgeInSeconds) * time.Second
	}
	if cfg.DestinationConfig != nil {
		s.destinations = *cfg.DestinationConfig
	}
	return s, nil
}

// attempt invokes the function once, unless the event is too old or the
// function may not run, and stores the outcome.
func (q *Queue) attempt(ctx context.Context, ev *event) error {
	set, err := q.settingsOf(ctx, ev)
	if err != nil {
		return err
	}
	now := time.Now()
	q.count(MetricEventAge, ev, float64(ev.age(now).Milliseconds()))
	if ev.age(now) > set.maxAge {
		return q.fail(ctx, ev, set, conditionEventAgeExceeded, nil)
	}
	target, err := q.opts.Control.Resolve(ctx, ev.scope(), ev.ref())
	switch {
	case errors.Is(err, lambda.ErrResourceNotFound):
		// The function is gone; Lambda drops its events.
		q.count(MetricEventsDropped, ev, 1)
		return nil
	case err != nil:
		return q.backoff(ctx, ev, set)
	case target.Reserved != nil && *target.Reserved == 0:
		return q.fail(ctx, ev, set, conditionZeroReserved, nil)
	}
	q.consume(subjectOf(ev.scope(), ev.Function), q.limitOf(target))
	res, err := q.opts.Invoker.Invoke(ctx, &lambda.Invocation{Scope: ev.scope(), Function: ev.ref(), RequestID: ev.RequestID, Payload: ev.Payload})
	if err != nil {
		// Throttled, or the platform failed: neither counts as an attempt.
		return q.backoff(ctx, ev, set)
	}
	ev.Attempts++
	if res.FunctionError == "" {
		q.deliver(ctx, ev, set.destinations.OnSuccess.Destination, newRecord(ev, "Success", res), roleOf(target.Config), false)
		return nil
	}
	if ev.Attempts <= set.retries {
		delay := q.opts.RetryDelays[min(ev.Attempts-1, len(q.opts.RetryDelays)-1)]
		return q.later(ctx, ev, delay)
	}
	return q.fail(ctx, ev, set, conditionRetriesExhausted, res)
}

// backoff retries after a throttle or a system error: 1 s, then doubling,
// up to MaxBackoff, for as long as the event is young enough.
func (q *Queue) backoff(ctx context.Context, ev *event, set settings) error {
	delay := min(time.Second<<min(ev.Backoffs, 20), q.opts.MaxBackoff)
	ev.Backoffs++
	if deadline := time.UnixMilli(ev.Enqueued).Add(set.maxAge); time.Now().Add(delay).After(deadline) {
		delay = max(time.Until(deadline), 0) + time.Millisecond
	}
	return q.later(ctx, ev, delay)
}

// later stores the event to run again after delay.
func (q *Queue) later(ctx context.Context, ev *event, delay time.Duration) error {
	data, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	return q.opts.Work.Publish(ctx, subjectOf(ev.scope(), ev.Function), data, time.Now().Add(delay))
}

// fail sends a failed event to its on-failure destination and its
// version's dead-letter queue.
func (q *Queue) fail(ctx context.Context, ev *event, set settings, condition string, res *lambda.Result) error {
	q.count(MetricEventsDropped, ev, 1)
	target, err := q.opts.Control.Resolve(ctx, ev.scope(), ev.ref())
	var src targets.Source // unknown when the function cannot be resolved: delivered unchecked
	if err == nil {
		src = roleOf(target.Config)
	}
	q.deliver(ctx, ev, set.destinations.OnFailure.Destination, newRecord(ev, condition, res), src, true)
	if err != nil || target.Config.DeadLetterConfig == nil || target.Config.DeadLetterConfig.TargetArn == "" {
		return nil
	}
	msg := targets.Message{Body: ev.Payload, Attributes: deadLetterAttributes(ev, condition, res), Source: src}
	if err := q.opts.Targets.Deliver(ctx, target.Config.DeadLetterConfig.TargetArn, msg); err != nil {
		q.count(MetricDeadLetterErrors, ev, 1)
		q.log.Warn("dead-letter delivery failed", "function", ev.Function, "request_id", ev.RequestID, "target", target.Config.DeadLetterConfig.TargetArn, "err", err)
	}
	return nil
}

// deliver sends a destination record; a failed delivery is counted, not
// retried, as in Lambda.
func (q *Queue) deliver(ctx context.Context, ev *event, arn string, rec *record, src targets.Source, onFailure bool) {
	if arn == "" {
		return
	}
	body, err := json.Marshal(rec)
	if err == nil {
		err = q.opts.Targets.Deliver(ctx, arn, targets.Message{Body: body, Source: src})
	}
	if err != nil {
		q.count(MetricDestinationDeliveryFailures, ev, 1)
		q.log.Warn("destination delivery failed", "function", ev.Function, "request_id", ev.RequestID, "target", arn, "on_failure", onFailure, "err", err)
	}
}

// roleOf is the function delivering its records and dead letters: Lambda
// sends them as the function's execution role.
func roleOf(cfg *lambda.FunctionConfiguration) targets.Source {
	return targets.Source{Role: cfg.Role, Session: cfg.FunctionName}
}
