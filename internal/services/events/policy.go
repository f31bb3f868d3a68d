package events

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/awserr"
	iampolicy "github.com/nubo-dev/nubo/internal/iam/policy"
)

// policy is a bus's resource-based policy: who of other accounts (and
// which services and roles) may put events on it. PutPermission adds
// statements, RemovePermission removes them, DescribeEventBus shows them;
// the identity layer weighs it (Policy) with the caller's own.
type policy struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

type statement struct {
	Sid       string          `json:"Sid"`
	Effect    string          `json:"Effect"`
	Principal json.RawMessage `json:"Principal"`
	Action    any             `json:"Action"`
	Resource  any             `json:"Resource"`
	Condition json.RawMessage `json:"Condition,omitempty"`
}

const statementIDPattern = `[a-zA-Z0-9-_]+`

// PutPermission grants an account (or, with a condition, an
// organization) events:PutEvents on a bus, or replaces the bus's policy
// with in.Policy.
func (s *Service) PutPermission(ctx context.Context, region string, in PutPermissionInput) error {
	name, err := busArg(in.EventBusName, "eventBusName")
	if err != nil {
		return err
	}
	var p *policy
	if in.Policy != "" {
		p = new(policy)
		if json.Unmarshal([]byte(in.Policy), p) != nil || len(p.Statement) == 0 {
			return validation("Parameter Policy is not valid. Reason: The policy must be a JSON document with at least one statement.")
		}
		if _, err := iampolicy.Parse(in.Policy, iampolicy.Resource); err != nil {
			return validation("Parameter Policy is not valid. Reason: %s", err.Error())
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.busLocked(region, name)
	if b == nil {
		return busNotFound(name)
	}
	if p == nil {
		st, err := s.grant(region, name, in)
		if err != nil {
			return err
		}
		p = &policy{Version: "2012-10-17"}
		if b.Policy != nil {
			p.Statement = slices.DeleteFunc(slices.Clone(b.Policy.Statement), func(x statement) bool { return x.Sid == st.Sid })
		}
		p.Statement = append(p.Statement, st)
	}
	next := *b
	next.Policy, next.Modified = p, s.now()
	if next.Created.IsZero() {
		next.Created = next.Modified
	}
	return s.saveBusLocked(ctx, &next)
}

// grant builds PutPermission's statement.
func (s *Service) grant(region, bus string, in PutPermissionInput) (statement, error) {
	var c constraints
	c.name(in.StatementId, "statementId", 64, statementIDPattern, true)
	if in.Action == "" {
		c.add(nil, "action", "Member must not be null")
	}
	if in.Principal == "" {
		c.add(nil, "principal", "Member must not be null")
	} else if !matchPattern(`(\d{12}|\*)`, in.Principal) {
		c.add(in.Principal, "principal", `Member must satisfy regular expression pattern: (\d{12}|\*)`)
	}
	if err := c.err(); err != nil {
		return statement{}, err
	}
	if in.Action != "events:PutEvents" {
		return statement{}, validation("Provided value in parameter 'action' is not supported.")
	}
	st := statement{Sid: in.StatementId, Effect: "Allow", Action: in.Action, Resource: s.BusARN(region, bus)}
	switch {
	case in.Principal == "*" && in.Condition == nil:
		st.Principal = json.RawMessage(`"*"`)
	case in.Principal == "*":
		if in.Condition.Type != "StringEquals" || in.Condition.Key != "aws:PrincipalOrgID" {
			return statement{}, validation("Parameter Condition is not valid. Reason: only StringEquals on aws:PrincipalOrgID is supported.")
		}
		st.Principal = json.RawMessage(`"*"`)
		st.Condition, _ = json.Marshal(map[string]map[string]string{"StringEquals": {"aws:PrincipalOrgID": in.Condition.Value}})
	default:
		st.Principal, _ = json.Marshal(map[string]string{"AWS": "arn:aws:iam::" + in.Principal + ":root"})
	}
	return st, nil
}

// RemovePermission removes a statement of a bus's policy, or all of them.
func (s *Service) RemovePermission(ctx context.Context, region, busName, statementID string, all bool) error {
	name, err := busArg(busName, "eventBusName")
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.busLocked(region, name)
	if b == nil {
		return busNotFound(name)
	}
	next := *b
	switch {
	case all:
		next.Policy = nil
	case b.Policy == nil || !slices.ContainsFunc(b.Policy.Statement, func(x statement) bool { return x.Sid == statementID }):
		return awserr.New(ErrResourceNotFound, "Statement with the provided id does not exist.")
	default:
		p := *b.Policy
		p.Statement = slices.DeleteFunc(slices.Clone(p.Statement), func(x statement) bool { return x.Sid == statementID })
		next.Policy = &p
	}
	next.Modified = s.now()
	return s.saveBusLocked(ctx, &next)
}

// Policy is the resource policy of the event bus an ARN names, parsed: nil
// when it has none, or when the ARN names no bus of this account (the
// operation then says so).
func (s *Service) Policy(busARN string) (*iampolicy.Document, error) {
	a, err := arn.Parse(busARN)
	if err != nil || a.Service != "events" || a.Account != s.opts.Account {
		return nil, nil
	}
	name, ok := strings.CutPrefix(a.Resource, "event-bus/")
	if !ok {
		return nil, nil
	}
	s.mu.RLock()
	b := s.busLocked(a.Region, name)
	var text []byte
	if b != nil && b.Policy != nil && len(b.Policy.Statement) > 0 {
		text, _ = json.Marshal(b.Policy)
	}
	s.mu.RUnlock()
	if text == nil {
		return nil, nil
	}
	return s.policies.Parse(string(text), iampolicy.Resource)
}
