package events

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/eventfilter"
	"github.com/nubo-dev/nubo/internal/schedule"
	"github.com/nubo-dev/nubo/internal/store"
)

// The states of a rule.
const (
	stateEnabled  = "ENABLED"
	stateDisabled = "DISABLED"
	stateAllMgmt  = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
)

// maxTargets is how many targets a rule may have (AWS's default quota).
const maxTargets = 5

// rule is a rule and its targets, as stored.
type rule struct {
	Region             string            `json:"region"`
	Bus                string            `json:"bus"`
	Name               string            `json:"name"`
	EventPattern       string            `json:"pattern,omitempty"`
	ScheduleExpression string            `json:"schedule,omitempty"`
	State              string            `json:"state"`
	Description        string            `json:"description,omitempty"`
	RoleArn            string            `json:"role,omitempty"`
	Tags               map[string]string `json:"tags,omitempty"`
	Targets            []Target          `json:"targets,omitempty"`
	// Since is when the schedule was set: a rate counts from it.
	Since time.Time `json:"since"`
	// Gen changes whenever the schedule must start over (a new
	// expression, enabling, disabling), so that the jobs of an earlier
	// schedule are recognised and dropped; Next is the fire the current
	// schedule's job is due for.
	Gen  int64     `json:"gen,omitempty"`
	Next time.Time `json:"next,omitzero"`
	// Claim is the fire this record was advanced past while its event is
	// being queued (see fire).
	Claim *fireClaim `json:"claim,omitempty"`

	pattern *eventfilter.Pattern
	sched   *schedule.Schedule
}

func (r *rule) enabled() bool { return r.State != stateDisabled }

// RuleARN is the ARN of a rule: rule/NAME on the default bus,
// rule/BUS/NAME on others.
func (s *Service) RuleARN(region, bus, name string) string {
	res := "rule/" + name
	if bus != defaultBus {
		res = "rule/" + bus + "/" + name
	}
	return arn.New("events", region, s.opts.Account, res).String()
}

func (s *Service) ruleOut(r *rule) Rule {
	return Rule{Name: r.Name, Arn: s.RuleARN(r.Region, r.Bus, r.Name), EventPattern: r.EventPattern,
		ScheduleExpression: r.ScheduleExpression, State: r.State, Description: r.Description, RoleArn: r.RoleArn,
		EventBusName: r.Bus}
}

func ruleMapKey(region, bus, name string) string { return region + "/" + bus + "/" + name }

// compile parses a rule's pattern and schedule.
func (r *rule) compile() error {
	r.pattern, r.sched = nil, nil
	if r.EventPattern != "" {
		p, err := eventfilter.Compile([]byte(r.EventPattern))
		if err != nil {
			return awserr.New(ErrInvalidEventPattern, "Event pattern is not valid. Reason: %s", err.Error())
		}
		r.pattern = p
	}
	if r.ScheduleExpression != "" {
		sc, err := schedule.ParseRule(r.ScheduleExpression, r.Since)
		if err != nil {
			return validation("%s", err.Error())
		}
		r.sched = sc
	}
	return nil
}

// addRuleLocked files a loaded rule, compiling what it needs.
func (s *Service) addRuleLocked(r *rule) {
	if err := r.compile(); err != nil {
		s.log.Warn("skip a stored rule that no longer compiles", "rule", r.Name, "err", err)
		return
	}
	s.rules[ruleMapKey(r.Region, r.Bus, r.Name)] = r
	s.indexRuleLocked(r)
}

// indexRuleLocked files an enabled rule's pattern in its bus's machine, or
// takes a disabled one out.
func (s *Service) indexRuleLocked(r *rule) {
	mk := regionKey(r.Region, r.Bus)
	m := s.machines[mk]
	if m == nil {
		m = new(eventfilter.Machine)
		s.machines[mk] = m
	}
	if r.pattern != nil && r.enabled() {
		m.Add("r/"+r.Name, r.pattern)
	} else {
		m.Remove("r/" + r.Name)
	}
}

// checkRule checks PutRule's request and returns its bus.
func checkRule(in *PutRuleInput) (string, error) {
	var c constraints
	c.name(in.Name, "name", maxRuleName, namePattern, true)
	if len(in.ScheduleExpression) > maxSchedule {
		c.add(in.ScheduleExpression, "scheduleExpression", "Member must have length less than or equal to 256")
	}
	if len(in.Description) > maxDescription {
		c.add(in.Description, "description", "Member must have length less than or equal to 512")
	}
	if in.State != "" && !slices.Contains([]string{stateEnabled, stateDisabled, stateAllMgmt}, in.State) {
		c.add(in.State, "state", "Member must satisfy enum value set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]")
	}
	if err := c.err(); err != nil {
		return "", err
	}
	busName, err := busArg(in.EventBusName, "eventBusName")
	switch {
	case err != nil:
		return "", err
	case in.EventPattern == "" && in.ScheduleExpression == "":
		return "", validation("Parameter(s) EventPattern or ScheduleExpression must be specified.")
	case in.ScheduleExpression != "" && busName != defaultBus:
		return "", validation("ScheduleExpression is supported only on the default event bus.")
	}
	return busName, nil
}

// PutRule creates or replaces a rule (its targets stay).
func (s *Service) PutRule(ctx context.Context, region string, in PutRuleInput) (string, error) {
	busName, err := checkRule(&in)
	if err != nil {
		return "", err
	}
	r := &rule{Region: region, Bus: busName, Name: in.Name, EventPattern: in.EventPattern, ScheduleExpression: in.ScheduleExpression,
		State: in.State, Description: in.Description, RoleArn: in.RoleArn, Since: s.now()}
	if r.State == "" {
		r.State = stateEnabled
	}
	if err := r.compile(); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.busLocked(region, busName) == nil {
		return "", busNotFound(busName)
	}
	old := s.rules[ruleMapKey(region, busName, in.Name)]
	r.Tags = tagMap(in.Tags)
	restart := true
	if old != nil {
		r.Targets = old.Targets
		for k, v := range old.Tags {
			if _, ok := r.Tags[k]; !ok {
				if r.Tags == nil {
					r.Tags = map[string]string{}
				}
				r.Tags[k] = v
			}
		}
		if old.ScheduleExpression == r.ScheduleExpression && old.enabled() == r.enabled() {
			r.Since, r.sched, restart = old.Since, old.sched, false // the schedule goes on
		}
	}
	if err := s.saveRuleLocked(ctx, r, restart); err != nil {
		return "", err
	}
	return s.RuleARN(region, busName, in.Name), nil
}

// saveRuleLocked stores a rule's settings and targets. Its schedule's
// state (generation, next fire, claim) is the stored record's: a fire on
// another node may have advanced it. With restart the schedule starts
// over: a new generation, whose first fire is scheduled before the rule is
// stored (a crash in between leaves a job the stored generation ignores,
// never a stored fire without its job).
func (s *Service) saveRuleLocked(ctx context.Context, r *rule, restart bool) error {
	key := ruleKey(r.Region, r.Bus, r.Name)
	for {
		cur, rev, err := s.storedRuleLocked(ctx, key)
		if err != nil {
			return err
		}
		r.Gen, r.Next, r.Claim = 0, time.Time{}, nil
		if cur != nil {
			r.Gen, r.Next, r.Claim = cur.Gen, cur.Next, cur.Claim
		}
		if restart {
			if err := s.restartLocked(ctx, r); err != nil {
				return err
			}
		}
		if _, err := s.writeRuleLocked(ctx, key, r, rev); !errors.Is(err, store.ErrRevision) {
			return err
		}
	}
}

// restartLocked starts a rule's schedule over: a new generation, and the
// job of its first fire.
func (s *Service) restartLocked(ctx context.Context, r *rule) error {
	r.Gen++
	r.Next, r.Claim = time.Time{}, nil
	if r.sched == nil || !r.enabled() {
		return nil
	}
	next, ok := r.sched.Next(s.now())
	if !ok {
		return nil
	}
	r.Next = next
	return s.scheduleFire(ctx, r)
}

// ruleLocked finds a rule on a bus that must exist.
func (s *Service) ruleLocked(region, busName, name string) (*rule, error) {
	if s.busLocked(region, busName) == nil {
		return nil, busNotFound(busName)
	}
	r := s.rules[ruleMapKey(region, busName, name)]
	if r == nil {
		return nil, ruleNotFound(name, busName)
	}
	return r, nil
}

// ruleArgs checks a rule's name and bus arguments.
func ruleArgs(name, busArgValue string) (string, error) {
	var c constraints
	c.name(name, "name", maxRuleName, namePattern, true)
	if err := c.err(); err != nil {
		return "", err
	}
	return busArg(busArgValue, "eventBusName")
}

// DescribeRule describes a rule.
func (s *Service) DescribeRule(ctx context.Context, region, name, busName string) (Rule, error) {
	busName, err := ruleArgs(name, busName)
	if err != nil {
		return Rule{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, err := s.ruleLocked(region, busName, name)
	if err != nil {
		return Rule{}, err
	}
	out := s.ruleOut(r)
	out.CreatedBy = s.opts.Account
	return out, nil
}

// SetRuleState enables or disables a rule.
func (s *Service) SetRuleState(ctx context.Context, region, name, busName string, enabled bool) error {
	busName, err := ruleArgs(name, busName)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, err := s.ruleLocked(region, busName, name)
	if err != nil {
		return err
	}
	if old.enabled() == enabled {
		return nil
	}
	next := *old
	next.State = stateDisabled
	if enabled {
		next.State, next.Since = stateEnabled, s.now() // a rate starts over when the rule is enabled again
		if err := next.compile(); err != nil {
			return err
		}
	}
	return s.saveRuleLocked(ctx, &next, true)
}

// DeleteRule deletes a rule without targets; deleting one that does not
// exist succeeds.
func (s *Service) DeleteRule(ctx context.Context, region, name, busName string) error {
	busName, err := ruleArgs(name, busName)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.busLocked(region, busName) == nil {
		return busNotFound(busName)
	}
	r := s.rules[ruleMapKey(region, busName, name)]
	if r == nil {
		return nil
	}
	if len(r.Targets) > 0 {
		return validation("Rule can't be deleted since it has targets.")
	}
	if err := s.del(ctx, ruleKey(region, busName, name)); err != nil {
		return err
	}
	delete(s.rules, ruleMapKey(region, busName, name))
	if m := s.machines[regionKey(region, busName)]; m != nil {
		m.Remove("r/" + name)
	}
	return nil
}

// ListRules lists a bus's rules whose names begin with prefix.
func (s *Service) ListRules(ctx context.Context, region, prefix, busName, token string, limit *int32) ([]Rule, string, error) {
	busName, err := busArg(busName, "eventBusName")
	if err != nil {
		return nil, "", err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.busLocked(region, busName) == nil {
		return nil, "", busNotFound(busName)
	}
	var names []string
	for _, r := range s.rules {
		if r.Region == region && r.Bus == busName && strings.HasPrefix(r.Name, prefix) {
			names = append(names, r.Name)
		}
	}
	names, next, err := page(names, token, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]Rule, 0, len(names))
	for _, n := range names {
		out = append(out, s.ruleOut(s.rules[ruleMapKey(region, busName, n)]))
	}
	return out, next, nil
}

// ListRuleNamesByTarget lists the rules of a bus that have a target of
// targetARN.
func (s *Service) ListRuleNamesByTarget(ctx context.Context, region, targetARN, busName, token string, limit *int32) ([]string, string, error) {
	busName, err := busArg(busName, "eventBusName")
	if err != nil {
		return nil, "", err
	}
	if targetARN == "" {
		var c constraints
		c.add(nil, "targetArn", "Member must not be null")
		return nil, "", c.err()
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.busLocked(region, busName) == nil {
		return nil, "", busNotFound(busName)
	}
	var names []string
	for _, r := range s.rules {
		if r.Region == region && r.Bus == busName && slices.ContainsFunc(r.Targets, func(t Target) bool { return t.Arn == targetARN }) {
			names = append(names, r.Name)
		}
	}
	return page(names, token, limit)
}
