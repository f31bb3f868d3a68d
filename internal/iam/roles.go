package iam

import (
	"context"
	"errors"
	"strings"

	"github.com/nubo-dev/nubo/internal/iam/policy"
)

// Session durations of roles, in seconds.
const (
	minSessionDuration = 900
	defaultMaxSession  = 3600
	maxMaxSession      = 43200
)

// CreateRoleInput is CreateRole's request.
type CreateRoleInput struct {
	Path                     string `json:"Path,omitempty"`
	RoleName                 string `json:"RoleName"`
	AssumeRolePolicyDocument string `json:"AssumeRolePolicyDocument"`
	Description              string `json:"Description,omitempty"`
	MaxSessionDuration       int    `json:"MaxSessionDuration,omitempty"`
	PermissionsBoundary      string `json:"PermissionsBoundary,omitempty"`
	Tags                     []Tag  `json:"Tags,omitempty"`
}

// RoleOutput is the result of CreateRole and GetRole.
type RoleOutput struct {
	Role Role `json:"Role"`
}

// CreateRole creates a role with its trust policy.
func (s *Service) CreateRole(ctx context.Context, caller *Principal, in *CreateRoleInput) (*RoleOutput, error) {
	if err := checkName("roleName", in.RoleName, 64); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path)
	if err != nil {
		return nil, err
	}
	if err := s.checkTrust(ctx, caller.Account, in.AssumeRolePolicyDocument); err != nil {
		return nil, err
	}
	max := in.MaxSessionDuration
	if max == 0 {
		max = defaultMaxSession
	}
	if err := checkMaxSession(max); err != nil {
		return nil, err
	}
	b, err := s.checkBoundary(ctx, caller.Account, in.PermissionsBoundary)
	if err != nil {
		return nil, err
	}
	r := &Role{Path: path, RoleName: in.RoleName, RoleId: newID("AROA"), Arn: iamARN(caller.Account, kindRole, path, in.RoleName),
		CreateDate: s.now(), AssumeRolePolicyDocument: in.AssumeRolePolicyDocument, Description: in.Description,
		MaxSessionDuration: max, PermissionsBoundary: b, Tags: in.Tags}
	if err := s.createEntity(ctx, caller.Account, &entity{Kind: kindRole, Role: r}); err != nil {
		return nil, err
	}
	return &RoleOutput{Role: *r}, nil
}

func checkMaxSession(v int) error {
	if v < defaultMaxSession || v > maxMaxSession {
		return invalid("The requested MaxSessionDuration %d is not valid. The MaxSessionDuration must be between 3600 and 43200 seconds.", v)
	}
	return nil
}

// checkTrust validates a trust policy: its syntax, its size, and that the
// users and roles of this account it names exist.
func (s *Service) checkTrust(ctx context.Context, acct, doc string) error {
	if docSize(doc) > trustPolicyQuota {
		return limit("Cannot exceed quota for ACLSizePerRole: %d", trustPolicyQuota)
	}
	d, err := policy.Parse(doc, policy.Trust)
	if err != nil {
		return malformed(err)
	}
	for _, st := range d.Statements {
		for _, p := range []*policy.Principals{st.Principal, st.NotPrincipal} {
			if p == nil {
				continue
			}
			for _, a := range p.AWS {
				ok, err := s.principalExists(ctx, acct, a)
				if err != nil {
					return err
				}
				if !ok {
					return awsMalformed(`Invalid principal in policy: "AWS":"` + a + `"`)
				}
			}
		}
	}
	return nil
}

// principalExists reports whether an AWS principal of this account that
// names a user or role exists (others are taken as given), or the store's
// error when it could not tell.
func (s *Service) principalExists(ctx context.Context, acct, arn string) (bool, error) {
	prefix := "arn:aws:iam::" + acct + ":"
	rest, ok := strings.CutPrefix(arn, prefix)
	if !ok {
		return true, nil
	}
	kind, name, ok := strings.Cut(rest, "/")
	if !ok || kind != kindUser && kind != kindRole {
		return true, nil
	}
	_, _, err := s.getEntity(ctx, acct, kind, name[strings.LastIndexByte(name, '/')+1:])
	if errors.Is(err, ErrNoSuchEntity) {
		return false, nil
	}
	return err == nil, err
}

// RoleNameInput names a role (GetRole, DeleteRole, List*RolePolicies).
type RoleNameInput struct {
	RoleName string `json:"RoleName"`
	Page
}

// GetRole returns a role.
func (s *Service) GetRole(ctx context.Context, caller *Principal, in *RoleNameInput) (*RoleOutput, error) {
	e, _, err := s.getEntity(ctx, caller.Account, kindRole, in.RoleName)
	if err != nil {
		return nil, err
	}
	return &RoleOutput{Role: *e.Role}, nil
}

// ListRolesOutput is ListRoles' result.
type ListRolesOutput struct {
	Roles []Role `json:"Roles"`
	Truncation
}

// ListRoles lists the account's roles.
func (s *Service) ListRoles(ctx context.Context, caller *Principal, in *PathPrefixInput) (*ListRolesOutput, error) {
	all, err := s.listEntities(ctx, caller.Account, kindRole)
	if err != nil {
		return nil, err
	}
	var roles []Role
	for _, e := range all {
		if strings.HasPrefix(e.Role.Path, in.PathPrefix) {
			r := *e.Role
			r.Tags = nil // ListRoles leaves tags out, as AWS does
			roles = append(roles, r)
		}
	}
	page, tr, err := paginate(roles, func(r Role) string { return strings.ToLower(r.RoleName) }, in.Page)
	if err != nil {
		return nil, err
	}
	return &ListRolesOutput{Roles: page, Truncation: tr}, nil
}

// DeleteRole deletes a role with no policies left.
func (s *Service) DeleteRole(ctx context.Context, caller *Principal, in *RoleNameInput) error {
	e, _, err := s.getEntity(ctx, caller.Account, kindRole, in.RoleName)
	if err != nil {
		return err
	}
	switch {
	case len(e.Attached) > 0:
		return conflict("Cannot delete entity, must detach all policies first.")
	case len(e.Inline) > 0:
		return conflict("Cannot delete entity, must delete policies first.")
	}
	return s.deleteEntity(ctx, caller.Account, kindRole, in.RoleName)
}

// UpdateAssumeRolePolicyInput is UpdateAssumeRolePolicy's request.
type UpdateAssumeRolePolicyInput struct {
	RoleName       string `json:"RoleName"`
	PolicyDocument string `json:"PolicyDocument"`
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, caller *Principal, in *UpdateAssumeRolePolicyInput) error {
	if err := s.checkTrust(ctx, caller.Account, in.PolicyDocument); err != nil {
		return err
	}
	_, err := s.updateEntity(ctx, caller.Account, kindRole, in.RoleName, func(e *entity) error {
		e.Role.AssumeRolePolicyDocument = in.PolicyDocument
		return nil
	})
	return err
}

// UpdateRoleInput is UpdateRole's request; unset members are unchanged.
type UpdateRoleInput struct {
	RoleName           string  `json:"RoleName"`
	Description        *string `json:"Description,omitempty"`
	MaxSessionDuration int     `json:"MaxSessionDuration,omitempty"`
}

// UpdateRole changes a role's description or maximum session duration.
func (s *Service) UpdateRole(ctx context.Context, caller *Principal, in *UpdateRoleInput) error {
	if in.MaxSessionDuration != 0 {
		if err := checkMaxSession(in.MaxSessionDuration); err != nil {
			return err
		}
	}
	_, err := s.updateEntity(ctx, caller.Account, kindRole, in.RoleName, func(e *entity) error {
		if in.Description != nil {
			e.Role.Description = *in.Description
		}
		if in.MaxSessionDuration != 0 {
			e.Role.MaxSessionDuration = in.MaxSessionDuration
		}
		return nil
	})
	return err
}

// ListInstanceProfilesForRoleOutput is ListInstanceProfilesForRole's
// result. nubo has no EC2 and so no instance profiles: the list is empty.
type ListInstanceProfilesForRoleOutput struct {
	InstanceProfiles []struct{} `json:"InstanceProfiles"`
	Truncation
}

// ListInstanceProfilesForRole answers, for an existing role, that no
// instance profile holds it (tools such as Terraform ask before deleting
// a role).
func (s *Service) ListInstanceProfilesForRole(ctx context.Context, caller *Principal, in *RoleNameInput) (*ListInstanceProfilesForRoleOutput, error) {
	if _, _, err := s.getEntity(ctx, caller.Account, kindRole, in.RoleName); err != nil {
		return nil, err
	}
	return &ListInstanceProfilesForRoleOutput{InstanceProfiles: []struct{}{}}, nil
}
