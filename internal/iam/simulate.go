package iam

import (
	"context"
	"strings"

	"github.com/nubo-dev/nubo/internal/iam/policy"
)

// ContextEntry is a condition key and its values for a simulation.
type ContextEntry struct {
	ContextKeyName   string   `json:"ContextKeyName"`
	ContextKeyValues []string `json:"ContextKeyValues"`
	ContextKeyType   string   `json:"ContextKeyType,omitempty"`
}

// SimulatePrincipalPolicyInput is SimulatePrincipalPolicy's request.
type SimulatePrincipalPolicyInput struct {
	PolicySourceArn                    string         `json:"PolicySourceArn"`
	PolicyInputList                    []string       `json:"PolicyInputList,omitempty"`
	PermissionsBoundaryPolicyInputList []string       `json:"PermissionsBoundaryPolicyInputList,omitempty"`
	ActionNames                        []string       `json:"ActionNames"`
	ResourceArns                       []string       `json:"ResourceArns,omitempty"`
	ResourcePolicy                     string         `json:"ResourcePolicy,omitempty"`
	ResourceOwner                      string         `json:"ResourceOwner,omitempty"`
	CallerArn                          string         `json:"CallerArn,omitempty"`
	ContextEntries                     []ContextEntry `json:"ContextEntries,omitempty"`
	Page
}

// EvaluationResult is the decision for one action on one resource:
// EvalDecision is "allowed", "explicitDeny" or "implicitDeny".
type EvaluationResult struct {
	EvalActionName       string   `json:"EvalActionName"`
	EvalResourceName     string   `json:"EvalResourceName"`
	EvalDecision         string   `json:"EvalDecision"`
	MissingContextValues []string `json:"MissingContextValues"`
}

// SimulatePolicyResponse is SimulatePrincipalPolicy's result.
type SimulatePolicyResponse struct {
	EvaluationResults []EvaluationResult `json:"EvaluationResults"`
	Truncation
}

// SimulatePrincipalPolicy evaluates actions on resources with the policies
// of a user, group or role (plus those given), as Authorize would.
func (s *Service) SimulatePrincipalPolicy(ctx context.Context, caller *Principal, in *SimulatePrincipalPolicyInput) (*SimulatePolicyResponse, error) {
	p, err := s.simulationPrincipal(ctx, caller.Account, in.PolicySourceArn)
	if err != nil {
		return nil, err
	}
	pols := p.policies
	for _, text := range in.PolicyInputList {
		d, err := policy.Parse(text, policy.Identity)
		if err != nil {
			return nil, malformed(err)
		}
		pols.Identity = append(pols.Identity, d)
	}
	for _, text := range in.PermissionsBoundaryPolicyInputList {
		if pols.Boundary, err = policy.Parse(text, policy.Identity); err != nil {
			return nil, malformed(err)
		}
	}
	if in.ResourcePolicy != "" {
		if pols.Resource, err = policy.Parse(in.ResourcePolicy, policy.Resource); err != nil {
			return nil, malformed(err)
		}
	}
	pols.ResourceAccount = in.ResourceOwner
	if in.CallerArn != "" {
		p.Arn = in.CallerArn
	}
	extra := policy.Context{}
	for _, c := range in.ContextEntries {
		extra.Set(c.ContextKeyName, c.ContextKeyValues...)
	}
	resources := in.ResourceArns
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	var results []EvaluationResult
	for _, action := range in.ActionNames {
		for _, res := range resources {
			req := &policy.Request{Caller: p.caller(), Action: action, Resource: res, Context: s.context(p, extra)}
			results = append(results, EvaluationResult{EvalActionName: action, EvalResourceName: res,
				EvalDecision: decisionName(policy.Evaluate(req, pols)), MissingContextValues: []string{}})
		}
	}
	page, tr, err := paginate(results, func(r EvaluationResult) string { return r.EvalActionName + "\x00" + r.EvalResourceName }, in.Page)
	if err != nil {
		return nil, err
	}
	return &SimulatePolicyResponse{EvaluationResults: page, Truncation: tr}, nil
}

func decisionName(d policy.Decision) string {
	switch {
	case d.Allowed:
		return "allowed"
	case d.Reason >= policy.DenyIdentity && d.Reason <= policy.DenySession:
		return "explicitDeny"
	}
	return "implicitDeny"
}

// simulationPrincipal is the user, group or role an ARN names, with its
// policies.
func (s *Service) simulationPrincipal(ctx context.Context, acct, arn string) (*Principal, error) {
	rest, ok := strings.CutPrefix(arn, "arn:aws:iam::"+acct+":")
	kind, path, _ := strings.Cut(rest, "/")
	name := path[strings.LastIndexByte(path, '/')+1:]
	if !ok || name == "" {
		return nil, invalid("Invalid ARN: Could not be parsed!")
	}
	switch kind {
	case kindUser:
		return s.userPrincipal(ctx, acct, name)
	case kindRole:
		e, _, err := s.getEntity(ctx, acct, kindRole, name)
		if err != nil {
			return nil, err
		}
		p := &Principal{Account: acct, Arn: e.Role.Arn, UserId: e.Role.RoleId, Type: TypeAssumedRole, RoleArn: e.Role.Arn, RoleName: e.Role.RoleName}
		p.policies.Identity, err = s.entityPolicies(ctx, acct, e)
		return p, err
	case kindGroup:
		e, _, err := s.getEntity(ctx, acct, kindGroup, name)
		if err != nil {
			return nil, err
		}
		p := &Principal{Account: acct, Arn: e.Group.Arn, Type: TypeUser}
		p.policies.Identity, err = s.entityPolicies(ctx, acct, e)
		return p, err
	}
	return nil, noSuch("The entity %s cannot be found.", arn)
}
