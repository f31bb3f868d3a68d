package iam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/nubo-dev/nubo/internal/store"
)

// CreatePolicyInput is CreatePolicy's request.
type CreatePolicyInput struct {
	PolicyName     string `json:"PolicyName"`
	Path           string `json:"Path,omitempty"`
	PolicyDocument string `json:"PolicyDocument"`
	Description    string `json:"Description,omitempty"`
	Tags           []Tag  `json:"Tags,omitempty"`
}

// CreatePolicyOutput is CreatePolicy's result.
type CreatePolicyOutput struct {
	Policy Policy `json:"Policy"`
}

// CreatePolicy creates a customer managed policy (version v1, default).
func (s *Service) CreatePolicy(ctx context.Context, caller *Principal, in *CreatePolicyInput) (*CreatePolicyOutput, error) {
	if err := checkName("policyName", in.PolicyName, 128); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path)
	if err != nil {
		return nil, err
	}
	if _, err := checkDocument(in.PolicyDocument, managedPolicyQuota); err != nil {
		return nil, err
	}
	now := s.now()
	acct := caller.Account
	m := managedRecord{Next: 2, Policy: Policy{
		PolicyName: in.PolicyName, PolicyId: newID("ANPA"), Arn: "arn:aws:iam::" + acct + ":policy" + path + in.PolicyName,
		Path: path, DefaultVersionId: "v1", IsAttachable: true, Description: in.Description, CreateDate: now, UpdateDate: now, Tags: in.Tags,
	}}
	m.Versions = []PolicyVersion{{Document: in.PolicyDocument, VersionId: "v1", IsDefaultVersion: true, CreateDate: now}}
	data, err := json.Marshal(&m)
	if err != nil {
		return nil, err
	}
	if _, err := s.kv.Create(ctx, policyKey(acct, in.PolicyName), data); errors.Is(err, store.ErrExists) {
		return nil, exists("A policy called %s already exists. Duplicate names are not allowed.", in.PolicyName)
	} else if err != nil {
		return nil, fmt.Errorf("store policy: %w", err)
	}
	return &CreatePolicyOutput{Policy: m.Policy}, nil
}

// PolicyArnInput is the request of the operations on one policy
// (GetPolicy, DeletePolicy, ListPolicyVersions).
type PolicyArnInput struct {
	PolicyArn string `json:"PolicyArn"`
	Page
}

// GetPolicyOutput is GetPolicy's result.
type GetPolicyOutput struct {
	Policy Policy `json:"Policy"`
}

// GetPolicy returns a managed policy (the account's or AWS's) with its
// attachment count.
func (s *Service) GetPolicy(ctx context.Context, caller *Principal, in *PolicyArnInput) (*GetPolicyOutput, error) {
	u, err := s.usage(ctx, caller.Account)
	if err != nil {
		return nil, err
	}
	p, err := s.describePolicy(ctx, caller.Account, in.PolicyArn, u)
	if err != nil {
		return nil, err
	}
	return &GetPolicyOutput{Policy: *p}, nil
}

func (s *Service) describePolicy(ctx context.Context, acct, arn string, u *usage) (*Policy, error) {
	var p Policy
	if a, ok := awsPolicies()[arn]; ok {
		p = a.policy
	} else {
		m, _, err := s.getManaged(ctx, acct, arn)
		if err != nil {
			return nil, err
		}
		p = m.Policy
	}
	p.AttachmentCount = len(u.attached[arn])
	p.PermissionsBoundaryUsageCount = u.boundaries[arn]
	return &p, nil
}

// usage is which entities of an account use which managed policies.
type usage struct {
	attached   map[string][]*entity // policy ARN → entities it is attached to
	boundaries map[string]int       // policy ARN → entities it bounds
}

func (s *Service) usage(ctx context.Context, acct string) (*usage, error) {
	u := &usage{attached: map[string][]*entity{}, boundaries: map[string]int{}}
	for _, kind := range []string{kindUser, kindGroup, kindRole} {
		all, err := s.listEntities(ctx, acct, kind)
		if err != nil {
			return nil, err
		}
		for _, e := range all {
			if b := e.boundaryRef(); b != nil {
				u.boundaries[b.PermissionsBoundaryArn]++
			}
			for _, arn := range e.Attached {
				u.attached[arn] = append(u.attached[arn], e)
			}
		}
	}
	return u, nil
}

func (e *entity) boundaryRef() *AttachedPermissionsBoundary {
	switch {
	case e.User != nil:
		return e.User.PermissionsBoundary
	case e.Role != nil:
		return e.Role.PermissionsBoundary
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// DeletePolicy deletes a customer managed policy that nothing uses and
// that has only its default version left.
func (s *Service) DeletePolicy(ctx context.Context, caller *Principal, in *PolicyArnInput) error {
	m, _, err := s.getManaged(ctx, caller.Account, in.PolicyArn)
	if err != nil {
		return err
	}
	u, err := s.usage(ctx, caller.Account)
	if err != nil {
		return err
	}
	if len(u.attached[in.PolicyArn])+u.boundaries[in.PolicyArn] > 0 {
		return conflict("Cannot delete a policy attached to entities.")
	}
	if len(m.Versions) > 1 {
		return conflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
	}
	if err := s.kv.Delete(ctx, policyKey(caller.Account, m.Policy.PolicyName)); err != nil {
		return fmt.Errorf("delete policy: %w", err)
	}
	s.cache.invalidate()
	return nil
}

// ListPoliciesInput is ListPolicies' request. Scope is All (default),
// AWS or Local.
type ListPoliciesInput struct {
	Scope        string `json:"Scope,omitempty"`
	OnlyAttached bool   `json:"OnlyAttached,omitempty"`
	PathPrefix   string `json:"PathPrefix,omitempty"`
	Page
}

// ListPoliciesOutput is ListPolicies' result.
type ListPoliciesOutput struct {
	Policies []Policy `json:"Policies"`
	Truncation
}

// ListPolicies lists managed policies.
func (s *Service) ListPolicies(ctx context.Context, caller *Principal, in *ListPoliciesInput) (*ListPoliciesOutput, error) {
	var arns []string
	if in.Scope != "Local" {
		for arn := range awsPolicies() {
			arns = append(arns, arn)
		}
	}
	if in.Scope != "AWS" {
		keys, err := s.kv.Keys(ctx, store.Key("iam", caller.Account, "policy"))
		if err != nil {
			return nil, fmt.Errorf("list policies: %w", err)
		}
		for _, k := range keys {
			ent, err := s.kv.Get(ctx, k)
			var m managedRecord
			if err != nil || json.Unmarshal(ent.Value, &m) != nil {
				continue // deleted meanwhile
			}
			arns = append(arns, m.Policy.Arn)
		}
	}
	u, err := s.usage(ctx, caller.Account)
	if err != nil {
		return nil, err
	}
	var out []Policy
	for _, arn := range arns {
		p, err := s.describePolicy(ctx, caller.Account, arn, u)
		if errors.Is(err, ErrNoSuchEntity) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if in.OnlyAttached && p.AttachmentCount == 0 || !strings.HasPrefix(p.Path, in.PathPrefix) {
			continue
		}
		out = append(out, *p)
	}
	page, tr, err := paginate(out, func(p Policy) string { return p.Arn }, in.Page)
	if err != nil {
		return nil, err
	}
	return &ListPoliciesOutput{Policies: page, Truncation: tr}, nil
}
