package eventsapi

import (
	"context"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/events"
	"github.com/nubo-dev/nubo/internal/wire"
)

type ruleOutput struct {
	RuleArn string `json:"RuleArn"`
}

func (h handler) putRule(ctx context.Context, in *events.PutRuleInput) (*ruleOutput, error) {
	if err := passRoles(ctx, in.RoleArn); err != nil {
		return nil, err
	}
	arn, err := h.svc.PutRule(ctx, wire.Region(ctx), *in)
	if err != nil {
		return nil, err
	}
	return &ruleOutput{arn}, nil
}

type ruleInput struct {
	Name         string `json:"Name"`
	EventBusName string `json:"EventBusName"`
	Force        bool   `json:"Force"`
}

func (h handler) describeRule(ctx context.Context, in *ruleInput) (*events.Rule, error) {
	r, err := h.svc.DescribeRule(ctx, wire.Region(ctx), in.Name, in.EventBusName)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

func (h handler) deleteRule(ctx context.Context, in *ruleInput) error {
	return h.svc.DeleteRule(ctx, wire.Region(ctx), in.Name, in.EventBusName)
}

func (h handler) enableRule(ctx context.Context, in *ruleInput) error {
	return h.svc.SetRuleState(ctx, wire.Region(ctx), in.Name, in.EventBusName, true)
}

func (h handler) disableRule(ctx context.Context, in *ruleInput) error {
	return h.svc.SetRuleState(ctx, wire.Region(ctx), in.Name, in.EventBusName, false)
}

type listRulesInput struct {
	NamePrefix   string `json:"NamePrefix"`
	EventBusName string `json:"EventBusName"`
	page
}

type listRulesOutput struct {
	Rules     []events.Rule `json:"Rules"`
	NextToken string        `json:"NextToken,omitempty"`
}

func (h handler) listRules(ctx context.Context, in *listRulesInput) (*listRulesOutput, error) {
	rules, next, err := h.svc.ListRules(ctx, wire.Region(ctx), in.NamePrefix, in.EventBusName, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	if rules == nil {
		rules = []events.Rule{}
	}
	return &listRulesOutput{Rules: rules, NextToken: next}, nil
}

type ruleNamesInput struct {
	TargetArn    string `json:"TargetArn"`
	EventBusName string `json:"EventBusName"`
	page
}

type ruleNamesOutput struct {
	RuleNames []string `json:"RuleNames"`
	NextToken string   `json:"NextToken,omitempty"`
}

func (h handler) listRuleNamesByTarget(ctx context.Context, in *ruleNamesInput) (*ruleNamesOutput, error) {
	names, next, err := h.svc.ListRuleNamesByTarget(ctx, wire.Region(ctx), in.TargetArn, in.EventBusName, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	if names == nil {
		names = []string{}
	}
	return &ruleNamesOutput{RuleNames: names, NextToken: next}, nil
}

type targetsInput struct {
	Rule         string          `json:"Rule"`
	EventBusName string          `json:"EventBusName"`
	Targets      []events.Target `json:"Targets"`
	Ids          []string        `json:"Ids"`
	Force        bool            `json:"Force"`
	page
}

type targetsOutput struct {
	FailedEntryCount int                  `json:"FailedEntryCount"`
	FailedEntries    []events.FailedEntry `json:"FailedEntries"`
}

func (h handler) putTargets(ctx context.Context, in *targetsInput) (*targetsOutput, error) {
	for _, t := range in.Targets {
		if err := passRoles(ctx, t.RoleArn); err != nil {
			return nil, err
		}
	}
	failed, err := h.svc.PutTargets(ctx, wire.Region(ctx), in.Rule, in.EventBusName, in.Targets)
	if err != nil {
		return nil, err
	}
	return &targetsOutput{FailedEntryCount: len(failed), FailedEntries: failed}, nil
}

func (h handler) removeTargets(ctx context.Context, in *targetsInput) (*targetsOutput, error) {
	failed, err := h.svc.RemoveTargets(ctx, wire.Region(ctx), in.Rule, in.EventBusName, in.Ids)
	if err != nil {
		return nil, err
	}
	return &targetsOutput{FailedEntryCount: len(failed), FailedEntries: failed}, nil
}

type listTargetsOutput struct {
	Targets   []events.Target `json:"Targets"`
	NextToken string          `json:"NextToken,omitempty"`
}

func (h handler) listTargetsByRule(ctx context.Context, in *targetsInput) (*listTargetsOutput, error) {
	ts, next, err := h.svc.ListTargetsByRule(ctx, wire.Region(ctx), in.Rule, in.EventBusName, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &listTargetsOutput{Targets: ts, NextToken: next}, nil
}

type testPatternInput struct {
	EventPattern string `json:"EventPattern"`
	Event        string `json:"Event"`
}

type testPatternOutput struct {
	Result bool `json:"Result"`
}

func (h handler) testEventPattern(ctx context.Context, in *testPatternInput) (*testPatternOutput, error) {
	ok, err := h.svc.TestEventPattern(in.EventPattern, in.Event)
	if err != nil {
		return nil, err
	}
	return &testPatternOutput{ok}, nil
}

type putEventsInput struct {
	Entries []struct {
		Time         *wire.Timestamp `json:"Time"`
		Source       string          `json:"Source"`
		Resources    []string        `json:"Resources"`
		DetailType   string          `json:"DetailType"`
		Detail       string          `json:"Detail"`
		EventBusName string          `json:"EventBusName"`
		TraceHeader  string          `json:"TraceHeader"`
	} `json:"Entries"`
	EndpointId string `json:"EndpointId"`
}

type putEventsOutput struct {
	FailedEntryCount int                  `json:"FailedEntryCount"`
	Entries          []events.EntryResult `json:"Entries"`
}

func (h handler) putEvents(ctx context.Context, in *putEventsInput) (*putEventsOutput, error) {
	if in.EndpointId != "" {
		return nil, awserr.New(events.ErrValidation, "nubo has no global endpoints: EndpointId is not supported.")
	}
	entries := make([]events.Entry, len(in.Entries))
	for i, e := range in.Entries {
		entries[i] = events.Entry{Source: e.Source, Resources: e.Resources, DetailType: e.DetailType, Detail: e.Detail,
			EventBusName: e.EventBusName, TraceHeader: e.TraceHeader}
		if e.Time != nil {
			entries[i].Time = e.Time.Time
		}
	}
	res, failed, err := h.svc.PutEvents(ctx, wire.Region(ctx), entries)
	if err != nil {
		return nil, err
	}
	return &putEventsOutput{FailedEntryCount: failed, Entries: res}, nil
}
