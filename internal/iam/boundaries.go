package iam

import "context"

// PermissionsBoundaryInput is the request of Put/Delete{User,Role}PermissionsBoundary.
type PermissionsBoundaryInput struct {
	UserName            string `json:"UserName,omitempty"`
	RoleName            string `json:"RoleName,omitempty"`
	PermissionsBoundary string `json:"PermissionsBoundary,omitempty"`
}

// PutRolePermissionsBoundary sets the managed policy that bounds a role.
func (s *Service) PutRolePermissionsBoundary(ctx context.Context, caller *Principal, in *PermissionsBoundaryInput) error {
	return s.setBoundary(ctx, caller.Account, kindRole, in.RoleName, in.PermissionsBoundary)
}

// PutUserPermissionsBoundary sets the managed policy that bounds a user.
func (s *Service) PutUserPermissionsBoundary(ctx context.Context, caller *Principal, in *PermissionsBoundaryInput) error {
	return s.setBoundary(ctx, caller.Account, kindUser, in.UserName, in.PermissionsBoundary)
}

// DeleteRolePermissionsBoundary removes a role's boundary.
func (s *Service) DeleteRolePermissionsBoundary(ctx context.Context, caller *Principal, in *PermissionsBoundaryInput) error {
	return s.setBoundary(ctx, caller.Account, kindRole, in.RoleName, "")
}

// DeleteUserPermissionsBoundary removes a user's boundary.
func (s *Service) DeleteUserPermissionsBoundary(ctx context.Context, caller *Principal, in *PermissionsBoundaryInput) error {
	return s.setBoundary(ctx, caller.Account, kindUser, in.UserName, "")
}

// setBoundary sets (or, with arn "", removes) an entity's boundary.
func (s *Service) setBoundary(ctx context.Context, acct, kind, name, arn string) error {
	b, err := s.checkBoundary(ctx, acct, arn)
	if err != nil {
		return err
	}
	_, err = s.updateEntity(ctx, acct, kind, name, func(e *entity) error {
		if e.User != nil {
			e.User.PermissionsBoundary = b
		} else {
			e.Role.PermissionsBoundary = b
		}
		return nil
	})
	return err
}
