package events

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/awserr"
)

// The bounds of a target's RetryPolicy.
const (
	maxRetryAttempts = 185
	minEventAge      = 60
	maxEventAge      = 86400
)

// PutTargets adds or replaces targets of a rule. Targets nubo cannot
// deliver to are reported in the failed entries.
func (s *Service) PutTargets(ctx context.Context, region, ruleName, busName string, targets []Target) ([]FailedEntry, error) {
	busName, err := ruleArgs(ruleName, busName)
	if err != nil {
		return nil, err
	}
	if err := checkTargets(targets); err != nil {
		return nil, err
	}
	var ok []Target
	failed := []FailedEntry{}
	for _, t := range targets {
		if msg := s.unsupported(t.Arn); msg != "" {
			failed = append(failed, FailedEntry{TargetId: t.Id, ErrorCode: "ValidationException", ErrorMessage: msg})
			continue
		}
		ok = append(ok, t)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, err := s.ruleLocked(region, busName, ruleName)
	if err != nil {
		return nil, err
	}
	next := *old
	next.Targets = slices.Clone(old.Targets)
	for _, t := range ok {
		if i := slices.IndexFunc(next.Targets, func(x Target) bool { return x.Id == t.Id }); i >= 0 {
			next.Targets[i] = t
		} else {
			next.Targets = append(next.Targets, t)
		}
	}
	if len(next.Targets) > maxTargets {
		return nil, awserr.New(ErrLimitExceeded, "The requested resource exceeds the maximum number allowed.")
	}
	return failed, s.saveRuleLocked(ctx, &next, false)
}

// checkTargets checks PutTargets' targets against the model and AWS's
// rules for their inputs.
func checkTargets(targets []Target) error {
	var c constraints
	switch {
	case len(targets) == 0:
		c.add("[]", "targets", "Member must have length greater than or equal to 1")
	case len(targets) > 10:
		c.add(fmt.Sprintf("%d targets", len(targets)), "targets", "Member must have length less than or equal to 10")
	}
	for i, t := range targets {
		m := fmt.Sprintf("targets.%d.member.", i+1)
		c.name(t.Id, m+"id", maxTargetID, namePattern, true)
		c.name(t.Arn, m+"arn", 1600, `.+`, true)
		if len(t.Input) > 8192 {
			c.add(t.Input, m+"input", "Member must have length less than or equal to 8192")
		}
		if len(t.InputPath) > 256 {
			c.add(t.InputPath, m+"inputPath", "Member must have length less than or equal to 256")
		}
		if p := t.RetryPolicy; p != nil {
			if n := p.MaximumRetryAttempts; n != nil && (*n < 0 || *n > maxRetryAttempts) {
				c.add(*n, m+"retryPolicy.maximumRetryAttempts", fmt.Sprintf("Member must have value between 0 and %d", maxRetryAttempts))
			}
			if n := p.MaximumEventAgeInSeconds; n != nil && (*n < minEventAge || *n > maxEventAge) {
				c.add(*n, m+"retryPolicy.maximumEventAgeInSeconds", fmt.Sprintf("Member must have value between %d and %d", minEventAge, maxEventAge))
			}
		}
	}
	if err := c.err(); err != nil {
		return err
	}
	for _, t := range targets {
		if err := checkInput(t); err != nil {
			return err
		}
		if err := checkDLQ(t.DeadLetterConfig); err != nil {
			return err
		}
	}
	return nil
}

// checkInput checks that a target has at most one of Input, InputPath and
// InputTransformer, and that each is well formed.
func checkInput(t Target) error {
	n := 0
	for _, set := range []bool{t.Input != "", t.InputPath != "", t.InputTransformer != nil} {
		if set {
			n++
		}
	}
	switch {
	case n > 1:
		return validation("Only one of Input, InputPath, or InputTransformer must be provided for target %s.", t.Id)
	case t.Input != "" && !json.Valid([]byte(t.Input)):
		return validation("Input for target %s is not valid JSON.", t.Id)
	case t.InputPath != "":
		if _, err := parsePath(t.InputPath); err != nil {
			return validation("InputPath for target %s is not a valid JSON path: %s.", t.Id, t.InputPath)
		}
	case t.InputTransformer != nil:
		return checkTransformer(t.Id, t.InputTransformer)
	}
	return nil
}

// unsupported says why nubo cannot deliver to a target ARN ("" when it
// can).
func (s *Service) unsupported(target string) string {
	a, err := arn.Parse(target)
	if err != nil {
		return fmt.Sprintf("Parameter %s is not a valid ARN.", target)
	}
	typ, _ := a.ResourceType()
	switch {
	case a.Service == "lambda" && typ == "function", a.Service == "sqs", a.Service == "sns",
		a.Service == "logs" && typ == "log-group", a.Service == "states" && typ == "stateMachine",
		a.Service == "events" && (typ == "event-bus" || typ == "api-destination"):
		return ""
	}
	return fmt.Sprintf("nubo cannot deliver to %s: targets may be Lambda functions, SQS queues, SNS topics, event buses, API destinations, CloudWatch Logs log groups and Step Functions state machines.", target)
}

// RemoveTargets removes targets of a rule; ids it does not have are
// ignored.
func (s *Service) RemoveTargets(ctx context.Context, region, ruleName, busName string, ids []string) ([]FailedEntry, error) {
	busName, err := ruleArgs(ruleName, busName)
	if err != nil {
		return nil, err
	}
	var c constraints
	if len(ids) == 0 {
		c.add("[]", "ids", "Member must have length greater than or equal to 1")
	}
	for i, id := range ids {
		c.name(id, fmt.Sprintf("ids.%d.member", i+1), maxTargetID, namePattern, true)
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, err := s.ruleLocked(region, busName, ruleName)
	if err != nil {
		return nil, err
	}
	next := *old
	next.Targets = slices.DeleteFunc(slices.Clone(old.Targets), func(t Target) bool { return slices.Contains(ids, t.Id) })
	return []FailedEntry{}, s.saveRuleLocked(ctx, &next, false)
}

// ListTargetsByRule lists a rule's targets, in the order they were added.
func (s *Service) ListTargetsByRule(ctx context.Context, region, ruleName, busName, token string, limit *int32) ([]Target, string, error) {
	busName, err := ruleArgs(ruleName, busName)
	if err != nil {
		return nil, "", err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, err := s.ruleLocked(region, busName, ruleName)
	if err != nil {
		return nil, "", err
	}
	ids := make([]string, len(r.Targets))
	for i, t := range r.Targets {
		ids[i] = fmt.Sprintf("%03d%s", i, t.Id) // page in the order they were added
	}
	ids, next, err := page(ids, token, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]Target, 0, len(ids))
	for _, id := range ids {
		i := 0
		fmt.Sscanf(id[:3], "%03d", &i)
		out = append(out, r.Targets[i])
	}
	return out, next, nil
}
