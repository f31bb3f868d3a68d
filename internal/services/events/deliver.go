package events

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/eventfilter"
	"github.com/nubo-dev/nubo/internal/targets"
)

// The defaults of a target's RetryPolicy.
const (
	defaultRetries = 185
	defaultMaxAge  = 24 * time.Hour
)

// ingest is a job of events to fan out on a bus: the accepted entries of
// one PutEvents request, an event another bus delivered, a replayed chunk
// or a scheduled rule's event.
type ingest struct {
	Region   string            `json:"r"`
	Bus      string            `json:"b"`
	Events   []json.RawMessage `json:"e"`
	Received int64             `json:"t"` // unix ms: the events' ingestion
	// Replay names the replay that sent the events (they are not archived
	// again); Rules, when set, are the only rules they may match.
	Replay string   `json:"replay,omitempty"`
	Rules  []string `json:"rules,omitempty"`
	// Rule is the one rule a scheduled event goes to.
	Rule string `json:"rule,omitempty"`
}

// delivery is one event for one target of one rule: a job of the retry
// subject when an attempt failed.
type delivery struct {
	Region   string          `json:"r"`
	Bus      string          `json:"b"`
	Rule     string          `json:"rule"`
	Target   string          `json:"t"`
	Event    json.RawMessage `json:"e"`
	ID       string          `json:"id"`
	Time     time.Time       `json:"time"`
	Received int64           `json:"at"`
	// Attempts counts the deliveries tried.
	Attempts int `json:"n,omitempty"`
	// Reserved is a delivery to an API destination that holds a slot of
	// its rate.
	Reserved bool `json:"slot,omitempty"`
	// Dead, when set, is a failed event whose dead-letter queue could not
	// be reached: only that is tried again.
	Dead *deadLetter `json:"dead,omitempty"`
}

// publish stores an ingest job. Jobs are encoded without escaping <, >
// and &, so that the events in them reach targets as they were put.
func (s *Service) publish(ctx context.Context, b *ingest) error {
	data, err := encode(b)
	if err != nil {
		return err
	}
	return s.opts.Jobs.At(ctx, subjectIngest, data, time.Time{})
}

// fanOut handles an ingest job: every event is archived, matched and
// delivered. An error (a retry that could not be stored) brings the whole
// job back, so its events are delivered at least once.
func (s *Service) fanOut(ctx context.Context, data []byte) error {
	var b ingest
	if err := json.Unmarshal(data, &b); err != nil {
		s.log.Error("drop an unreadable events job", "err", err)
		return nil
	}
	archived := false
	for _, raw := range b.Events {
		a, err := s.route(ctx, &b, raw)
		if err != nil {
			return err
		}
		archived = archived || a
	}
	if archived {
		return s.opts.Archive.Flush(ctx)
	}
	return nil
}

// route archives one event and delivers it to the targets of the rules it
// matches; it reports whether it archived the event.
func (s *Service) route(ctx context.Context, b *ingest, raw json.RawMessage) (bool, error) {
	ev, err := eventfilter.ParseEvent(raw)
	if err != nil {
		s.log.Warn("drop an unreadable event", "bus", b.Bus, "err", err)
		return false, nil
	}
	rules, archives := s.matches(b, ev)
	for _, a := range archives {
		if err := s.archiveEvent(b.Region, a, raw); err != nil {
			return false, err
		}
	}
	if len(rules) == 0 {
		return len(archives) > 0, nil
	}
	s.record(MetricMatchedEvents, b.Region, b.Bus, "", 1)
	var head struct {
		ID   string `json:"id"`
		Time string `json:"time"`
	}
	json.Unmarshal(raw, &head)
	at, _ := time.Parse(time.RFC3339, head.Time)
	for _, r := range rules {
		s.record(MetricTriggeredRules, b.Region, b.Bus, r.Name, 1)
		for _, t := range r.Targets {
			d := &delivery{Region: b.Region, Bus: b.Bus, Rule: r.Name, Target: t.Id, Event: raw,
				ID: head.ID, Time: at, Received: b.Received}
			if err := s.attempt(ctx, d); err != nil {
				return false, err
			}
		}
	}
	return len(archives) > 0, nil
}

// matches finds the enabled rules an event goes to and the archives that
// keep it.
func (s *Service) matches(b *ingest, ev *eventfilter.Event) ([]*rule, []string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if b.Rule != "" {
		if r := s.rules[ruleMapKey(b.Region, b.Bus, b.Rule)]; r != nil && r.enabled() {
			return []*rule{r}, nil
		}
		return nil, nil
	}
	var rules []*rule
	var archives []string
	if b.Replay == "" {
		archives = s.allEventArchivesLocked(b.Region, b.Bus)
	}
	m := s.machines[regionKey(b.Region, b.Bus)]
	if m == nil {
		return nil, archives
	}
	for _, id := range m.Match(ev) {
		kind, name, _ := strings.Cut(id, "/")
		switch {
		case kind == "a" && b.Replay == "":
			archives = append(archives, name)
		case kind == "r" && (len(b.Rules) == 0 || slices.Contains(b.Rules, name)):
			if r := s.rules[ruleMapKey(b.Region, b.Bus, name)]; r != nil && r.enabled() {
				rules = append(rules, r)
			}
		}
	}
	return rules, archives
}

// targetOf finds a rule and its target as they are now; false when either
// is gone or the rule is disabled (the delivery is dropped, as in AWS).
func (s *Service) targetOf(d *delivery) (*rule, Target, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.rules[ruleMapKey(d.Region, d.Bus, d.Rule)]
	if r == nil || !r.enabled() {
		return nil, Target{}, false
	}
	for _, t := range r.Targets {
		if t.Id == d.Target {
			return r, t, true
		}
	}
	return nil, Target{}, false
}

// attempt delivers once and decides what follows: done, a retry later
// (stored before attempt returns), or the dead-letter queue.
func (s *Service) attempt(ctx context.Context, d *delivery) error {
	r, t, ok := s.targetOf(d)
	if !ok {
		return nil
	}
	ruleARN := s.RuleARN(r.Region, r.Bus, r.Name)
	body, err := input(&t, &eventVars{ruleARN: ruleARN, ruleName: r.Name,
		ingestion: time.UnixMilli(d.Received).UTC().Format(timeLayout), event: d.Event})
	if err == nil {
		err = s.send(ctx, ruleARN, &t, body, d)
	}
	var th *throttled
	if errors.As(err, &th) {
		s.record(MetricThrottledRules, d.Region, d.Bus, d.Rule, 1)
		return s.later(ctx, d, th.wait)
	}
	d.Attempts++
	if err == nil {
		s.record(MetricInvocations, d.Region, d.Bus, d.Rule, 1)
		return nil
	}
	code, retryable := classify(err)
	retries, maxAge := retryPolicy(t.RetryPolicy)
	delay := s.opts.RetryDelay(d.Attempts)
	age := s.now().Sub(time.UnixMilli(d.Received))
	switch {
	case retryable && d.Attempts <= retries && age+delay <= maxAge:
		return s.later(ctx, d, delay)
	case retryable && d.Attempts > retries:
		return s.failed(ctx, ruleARN, &t, d, &deadLetter{Code: code, Message: err.Error(), Condition: "MaximumRetryAttempts"})
	case retryable:
		return s.failed(ctx, ruleARN, &t, d, &deadLetter{Code: code, Message: err.Error(), Condition: "MaximumEventAgeInSeconds"})
	}
	return s.failed(ctx, ruleARN, &t, d, &deadLetter{Code: code, Message: err.Error()})
}

// later stores the delivery to be tried again after wait.
func (s *Service) later(ctx context.Context, d *delivery, wait time.Duration) error {
	data, err := encode(d)
	if err != nil {
		return err
	}
	return s.opts.Jobs.At(ctx, subjectRetry, data, s.now().Add(wait))
}

// retry handles a job of the retry subject.
func (s *Service) retry(ctx context.Context, data []byte) error {
	var d delivery
	if err := json.Unmarshal(data, &d); err != nil {
		s.log.Error("drop an unreadable delivery", "err", err)
		return nil
	}
	if d.Dead != nil {
		r, t, ok := s.targetOf(&d)
		if !ok {
			return nil
		}
		return s.sendDead(ctx, s.RuleARN(r.Region, r.Bus, r.Name), &t, &d)
	}
	return s.attempt(ctx, &d)
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

// send hands a target its input.
func (s *Service) send(ctx context.Context, ruleARN string, t *Target, body []byte, d *delivery) error {
	if strings.Contains(t.Arn, ":api-destination/") {
		return s.invokeDestination(ctx, t, body, d)
	}
	m := targets.Message{Body: body, ID: d.ID, Time: d.Time, Source: s.source(ruleARN, t.RoleArn)}
	if t.SqsParameters != nil && t.SqsParameters.MessageGroupId != "" {
		m.GroupID, m.DeduplicationID = t.SqsParameters.MessageGroupId, d.ID
	}
	return s.opts.Targets.Deliver(ctx, t.Arn, m)
}

// source is who delivers for a rule, as EventBridge does: the target's
// role when it names one (which must trust events.amazonaws.com, and
// whose policies must allow the delivery), else EventBridge itself for
// the rule, which the target's resource policy must allow (an SQS queue
// policy, a topic policy, a function's permission for
// events.amazonaws.com, usually on aws:SourceArn).
func (s *Service) source(ruleARN, role string) targets.Source {
	if role != "" {
		return targets.Source{Role: role, Session: sessionName, AssumedBy: servicePrincipal}
	}
	return targets.Source{Service: servicePrincipal, ARN: ruleARN, Account: s.opts.Account}
}

// EventBridge's service principal, and the name of the sessions of the
// roles it assumes.
const (
	servicePrincipal = "events.amazonaws.com"
	sessionName      = "EventBridge"
)

// classify names a delivery failure with the error codes EventBridge puts
// on dead-lettered events, and says whether retrying may help.
func classify(err error) (string, bool) {
	var h *httpError
	switch {
	case errors.Is(err, targets.ErrDenied):
		return "NO_PERMISSIONS", false
	case errors.Is(err, targets.ErrNotFound):
		return "NO_RESOURCE", false
	case errors.Is(err, targets.ErrUnsupported):
		return "INVALID_PARAMETER", false
	case errors.Is(err, errInvalidJSON):
		return "INVALID_JSON", false
	case errors.As(err, &h):
		return "ERROR_FROM_TARGET", h.status >= 500 || h.status == 429 || h.status == 408
	case errors.Is(err, context.DeadlineExceeded):
		return "TIMEOUT", true
	case errors.As(err, new(*connectionError)):
		return "CONNECTION_FAILURE", true
	}
	return "SDK_CLIENT_ERROR", true
}

// deadLetter is why an event could not be delivered, as its dead-letter
// message's attributes say.
type deadLetter struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Condition string `json:"condition,omitempty"`
}

// failed counts a delivery that failed for good and sends the event to the
// target's dead-letter queue, if it has one.
func (s *Service) failed(ctx context.Context, ruleARN string, t *Target, d *delivery, why *deadLetter) error {
	s.record(MetricInvocations, d.Region, d.Bus, d.Rule, 1)
	s.record(MetricFailedInvocations, d.Region, d.Bus, d.Rule, 1)
	if t.DeadLetterConfig == nil || t.DeadLetterConfig.Arn == "" {
		s.log.Warn("event not delivered", "rule", ruleARN, "target", t.Arn, "code", why.Code, "err", why.Message)
		return nil
	}
	d.Dead = why
	return s.sendDead(ctx, ruleARN, t, d)
}

// sendDead sends a failed event to the dead-letter queue. A queue that
// cannot be reached now is tried again later while the event is young
// enough; one that does not exist loses the event, as in AWS.
func (s *Service) sendDead(ctx context.Context, ruleARN string, t *Target, d *delivery) error {
	attrs := map[string]targets.Attribute{
		"RULE_ARN":       {DataType: "String", StringValue: ruleARN},
		"TARGET_ARN":     {DataType: "String", StringValue: t.Arn},
		"ERROR_CODE":     {DataType: "String", StringValue: d.Dead.Code},
		"ERROR_MESSAGE":  {DataType: "String", StringValue: d.Dead.Message},
		"RETRY_ATTEMPTS": {DataType: "Number", StringValue: strconv.Itoa(max(d.Attempts-1, 0))},
	}
	if d.Dead.Condition != "" {
		attrs["EXHAUSTED_RETRY_CONDITION"] = targets.Attribute{DataType: "String", StringValue: d.Dead.Condition}
	}
	err := s.opts.Targets.Deliver(ctx, t.DeadLetterConfig.Arn, targets.Message{Body: d.Event, Attributes: attrs, Source: s.source(ruleARN, "")})
	if err == nil {
		s.record(MetricSentToDLQ, d.Region, d.Bus, d.Rule, 1)
		return nil
	}
	s.record(MetricFailedToBeSentToDLQ, d.Region, d.Bus, d.Rule, 1)
	_, maxAge := retryPolicy(t.RetryPolicy)
	if _, retryable := classify(err); retryable && s.now().Sub(time.UnixMilli(d.Received)) < maxAge {
		return s.later(ctx, d, time.Minute)
	}
	s.log.Warn("event lost: its dead-letter queue cannot take it", "rule", ruleARN, "dlq", t.DeadLetterConfig.Arn, "err", err)
	return nil
}
