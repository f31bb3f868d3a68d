package iam

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/nubo-dev/nubo/internal/iam/policy"
)

// PolicyAttachmentInput is the request of Attach/Detach{User,Group,Role}Policy:
// the entity's name (the member of its kind) and the policy's ARN.
type PolicyAttachmentInput struct {
	UserName  string `json:"UserName,omitempty"`
	GroupName string `json:"GroupName,omitempty"`
	RoleName  string `json:"RoleName,omitempty"`
	PolicyArn string `json:"PolicyArn"`
}

// ListAttachedPoliciesInput is the request of ListAttached{User,Group,Role}Policies.
type ListAttachedPoliciesInput struct {
	UserName   string `json:"UserName,omitempty"`
	GroupName  string `json:"GroupName,omitempty"`
	RoleName   string `json:"RoleName,omitempty"`
	PathPrefix string `json:"PathPrefix,omitempty"`
	Page
}

// ListAttachedPoliciesOutput is their result.
type ListAttachedPoliciesOutput struct {
	AttachedPolicies []AttachedPolicy `json:"AttachedPolicies"`
	Truncation
}

// AttachRolePolicy attaches a managed policy to a role.
func (s *Service) AttachRolePolicy(ctx context.Context, caller *Principal, in *PolicyAttachmentInput) error {
	return s.attach(ctx, caller.Account, kindRole, in.RoleName, in.PolicyArn)
}

// AttachUserPolicy attaches a managed policy to a user.
func (s *Service) AttachUserPolicy(ctx context.Context, caller *Principal, in *PolicyAttachmentInput) error {
	return s.attach(ctx, caller.Account, kindUser, in.UserName, in.PolicyArn)
}

// AttachGroupPolicy attaches a managed policy to a group.
func (s *Service) AttachGroupPolicy(ctx context.Context, caller *Principal, in *PolicyAttachmentInput) error {
	return s.attach(ctx, caller.Account, kindGroup, in.GroupName, in.PolicyArn)
}

// DetachRolePolicy detaches a managed policy from a role.
func (s *Service) DetachRolePolicy(ctx context.Context, caller *Principal, in *PolicyAttachmentInput) error {
	return s.detach(ctx, caller.Account, kindRole, in.RoleName, in.PolicyArn)
}

// DetachUserPolicy detaches a managed policy from a user.
func (s *Service) DetachUserPolicy(ctx context.Context, caller *Principal, in *PolicyAttachmentInput) error {
	return s.detach(ctx, caller.Account, kindUser, in.UserName, in.PolicyArn)
}

// DetachGroupPolicy detaches a managed policy from a group.
func (s *Service) DetachGroupPolicy(ctx context.Context, caller *Principal, in *PolicyAttachmentInput) error {
	return s.detach(ctx, caller.Account, kindGroup, in.GroupName, in.PolicyArn)
}

// ListAttachedRolePolicies lists the managed policies of a role.
func (s *Service) ListAttachedRolePolicies(ctx context.Context, caller *Principal, in *ListAttachedPoliciesInput) (*ListAttachedPoliciesOutput, error) {
	return s.listAttached(ctx, caller.Account, kindRole, in.RoleName, in)
}

// ListAttachedUserPolicies lists the managed policies of a user.
func (s *Service) ListAttachedUserPolicies(ctx context.Context, caller *Principal, in *ListAttachedPoliciesInput) (*ListAttachedPoliciesOutput, error) {
	return s.listAttached(ctx, caller.Account, kindUser, in.UserName, in)
}

// ListAttachedGroupPolicies lists the managed policies of a group.
func (s *Service) ListAttachedGroupPolicies(ctx context.Context, caller *Principal, in *ListAttachedPoliciesInput) (*ListAttachedPoliciesOutput, error) {
	return s.listAttached(ctx, caller.Account, kindGroup, in.GroupName, in)
}

func (s *Service) attach(ctx context.Context, acct, kind, name, arn string) error {
	if _, err := s.policyDocument(ctx, acct, arn); err != nil {
		return notAttachable(arn)
	}
	_, err := s.updateEntity(ctx, acct, kind, name, func(e *entity) error {
		if contains(e.Attached, arn) {
			return nil
		}
		if len(e.Attached) >= attachedQuota {
			return limit("Cannot exceed quota for PoliciesPer%s: %d", titleKind(kind), attachedQuota)
		}
		e.Attached = append(e.Attached, arn)
		return nil
	})
	return err
}

func (s *Service) detach(ctx context.Context, acct, kind, name, arn string) error {
	_, err := s.updateEntity(ctx, acct, kind, name, func(e *entity) error {
		if !contains(e.Attached, arn) {
			return noSuch("Policy %s was not found.", arn)
		}
		e.Attached = slices.DeleteFunc(e.Attached, func(x string) bool { return x == arn })
		return nil
	})
	return err
}

func (s *Service) listAttached(ctx context.Context, acct, kind, name string, in *ListAttachedPoliciesInput) (*ListAttachedPoliciesOutput, error) {
	e, _, err := s.getEntity(ctx, acct, kind, name)
	if err != nil {
		return nil, err
	}
	var out []AttachedPolicy
	for _, arn := range e.Attached {
		_, pname, _ := splitPolicyARN(arn)
		path := strings.TrimSuffix(arn[strings.Index(arn, ":policy")+len(":policy"):], pname)
		if strings.HasPrefix(path, in.PathPrefix) {
			out = append(out, AttachedPolicy{PolicyName: pname, PolicyArn: arn})
		}
	}
	page, tr, err := paginate(out, func(p AttachedPolicy) string { return p.PolicyArn }, in.Page)
	if err != nil {
		return nil, err
	}
	return &ListAttachedPoliciesOutput{AttachedPolicies: page, Truncation: tr}, nil
}

// InlinePolicyInput is the request of Put/Get/Delete{User,Group,Role}Policy
// (PolicyDocument for Put only).
type InlinePolicyInput struct {
	UserName       string `json:"UserName,omitempty"`
	GroupName      string `json:"GroupName,omitempty"`
	RoleName       string `json:"RoleName,omitempty"`
	PolicyName     string `json:"PolicyName"`
	PolicyDocument string `json:"PolicyDocument,omitempty"`
}

// InlinePolicyOutput is the result of Get{User,Group,Role}Policy.
type InlinePolicyOutput struct {
	UserName       string `json:"UserName,omitempty"`
	GroupName      string `json:"GroupName,omitempty"`
	RoleName       string `json:"RoleName,omitempty"`
	PolicyName     string `json:"PolicyName"`
	PolicyDocument string `json:"PolicyDocument"`
}

// ListInlinePoliciesOutput is the result of List{User,Group,Role}Policies.
type ListInlinePoliciesOutput struct {
	PolicyNames []string `json:"PolicyNames"`
	Truncation
}

// inlineQuota is the aggregate size of an entity's inline policies.
var inlineQuota = map[string]int{kindUser: userInlineQuota, kindGroup: groupInlineQuota, kindRole: roleInlineQuota}

// PutRolePolicy adds or replaces an inline policy of a role.
func (s *Service) PutRolePolicy(ctx context.Context, caller *Principal, in *InlinePolicyInput) error {
	return s.putInline(ctx, caller.Account, kindRole, in.RoleName, in)
}

// PutUserPolicy adds or replaces an inline policy of a user.
func (s *Service) PutUserPolicy(ctx context.Context, caller *Principal, in *InlinePolicyInput) error {
	return s.putInline(ctx, caller.Account, kindUser, in.UserName, in)
}

// PutGroupPolicy adds or replaces an inline policy of a group.
func (s *Service) PutGroupPolicy(ctx context.Context, caller *Principal, in *InlinePolicyInput) error {
	return s.putInline(ctx, caller.Account, kindGroup, in.GroupName, in)
}

// GetRolePolicy returns an inline policy of a role.
func (s *Service) GetRolePolicy(ctx context.Context, caller *Principal, in *InlinePolicyInput) (*InlinePolicyOutput, error) {
	return s.getInline(ctx, caller.Account, kindRole, in.RoleName, in.PolicyName)
}

// GetUserPolicy returns an inline policy of a user.
func (s *Service) GetUserPolicy(ctx context.Context, caller *Principal, in *InlinePolicyInput) (*InlinePolicyOutput, error) {
	return s.getInline(ctx, caller.Account, kindUser, in.UserName, in.PolicyName)
}

// GetGroupPolicy returns an inline policy of a group.
func (s *Service) GetGroupPolicy(ctx context.Context, caller *Principal, in *InlinePolicyInput) (*InlinePolicyOutput, error) {
	return s.getInline(ctx, caller.Account, kindGroup, in.GroupName, in.PolicyName)
}

// DeleteRolePolicy deletes an inline policy of a role.
func (s *Service) DeleteRolePolicy(ctx context.Context, caller *Principal, in *InlinePolicyInput) error {
	return s.deleteInline(ctx, caller.Account, kindRole, in.RoleName, in.PolicyName)
}

// DeleteUserPolicy deletes an inline policy of a user.
func (s *Service) DeleteUserPolicy(ctx context.Context, caller *Principal, in *InlinePolicyInput) error {
	return s.deleteInline(ctx, caller.Account, kindUser, in.UserName, in.PolicyName)
}

// DeleteGroupPolicy deletes an inline policy of a group.
func (s *Service) DeleteGroupPolicy(ctx context.Context, caller *Principal, in *InlinePolicyInput) error {
	return s.deleteInline(ctx, caller.Account, kindGroup, in.GroupName, in.PolicyName)
}

// ListRolePolicies lists the names of a role's inline policies.
func (s *Service) ListRolePolicies(ctx context.Context, caller *Principal, in *RoleNameInput) (*ListInlinePoliciesOutput, error) {
	return s.listInline(ctx, caller.Account, kindRole, in.RoleName, in.Page)
}

// ListUserPolicies lists the names of a user's inline policies.
func (s *Service) ListUserPolicies(ctx context.Context, caller *Principal, in *UserNameInput) (*ListInlinePoliciesOutput, error) {
	return s.listInline(ctx, caller.Account, kindUser, in.UserName, in.Page)
}

// ListGroupPolicies lists the names of a group's inline policies.
func (s *Service) ListGroupPolicies(ctx context.Context, caller *Principal, in *GroupNameInput) (*ListInlinePoliciesOutput, error) {
	return s.listInline(ctx, caller.Account, kindGroup, in.GroupName, in.Page)
}

func (s *Service) putInline(ctx context.Context, acct, kind, name string, in *InlinePolicyInput) error {
	if err := checkName("policyName", in.PolicyName, 128); err != nil {
		return err
	}
	if _, err := policy.Parse(in.PolicyDocument, policy.Identity); err != nil {
		return malformed(err)
	}
	_, err := s.updateEntity(ctx, acct, kind, name, func(e *entity) error {
		total := docSize(in.PolicyDocument)
		for n, doc := range e.Inline {
			if n != in.PolicyName {
				total += docSize(doc)
			}
		}
		if total > inlineQuota[kind] {
			return limit("Maximum policy size of %d bytes exceeded for %s %s", inlineQuota[kind], kind, e.name())
		}
		if e.Inline == nil {
			e.Inline = map[string]string{}
		}
		e.Inline[in.PolicyName] = in.PolicyDocument
		return nil
	})
	return err
}

func (s *Service) getInline(ctx context.Context, acct, kind, name, policyName string) (*InlinePolicyOutput, error) {
	e, _, err := s.getEntity(ctx, acct, kind, name)
	if err != nil {
		return nil, err
	}
	doc, ok := e.Inline[policyName]
	if !ok {
		return nil, noSuch("The %s policy with name %s cannot be found.", kind, policyName)
	}
	out := &InlinePolicyOutput{PolicyName: policyName, PolicyDocument: doc}
	switch kind {
	case kindUser:
		out.UserName = e.name()
	case kindGroup:
		out.GroupName = e.name()
	default:
		out.RoleName = e.name()
	}
	return out, nil
}

func (s *Service) deleteInline(ctx context.Context, acct, kind, name, policyName string) error {
	_, err := s.updateEntity(ctx, acct, kind, name, func(e *entity) error {
		if _, ok := e.Inline[policyName]; !ok {
			return noSuch("The %s policy with name %s cannot be found.", kind, policyName)
		}
		delete(e.Inline, policyName)
		return nil
	})
	return err
}

func (s *Service) listInline(ctx context.Context, acct, kind, name string, pg Page) (*ListInlinePoliciesOutput, error) {
	e, _, err := s.getEntity(ctx, acct, kind, name)
	if err != nil {
		return nil, err
	}
	names := slices.Collect(maps.Keys(e.Inline))
	page, tr, err := paginate(names, func(n string) string { return n }, pg)
	if err != nil {
		return nil, err
	}
	return &ListInlinePoliciesOutput{PolicyNames: page, Truncation: tr}, nil
}
