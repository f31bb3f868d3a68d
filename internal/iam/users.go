package iam

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// CreateUserInput is CreateUser's request.
type CreateUserInput struct {
	Path                string `json:"Path,omitempty"`
	UserName            string `json:"UserName"`
	PermissionsBoundary string `json:"PermissionsBoundary,omitempty"`
	Tags                []Tag  `json:"Tags,omitempty"`
}

// UserOutput is the result of CreateUser and GetUser.
type UserOutput struct {
	User User `json:"User"`
}

// CreateUser creates a user.
func (s *Service) CreateUser(ctx context.Context, caller *Principal, in *CreateUserInput) (*UserOutput, error) {
	if err := checkName("userName", in.UserName, 64); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path)
	if err != nil {
		return nil, err
	}
	b, err := s.checkBoundary(ctx, caller.Account, in.PermissionsBoundary)
	if err != nil {
		return nil, err
	}
	u := &User{Path: path, UserName: in.UserName, UserId: newID("AIDA"), Arn: iamARN(caller.Account, kindUser, path, in.UserName),
		CreateDate: s.now(), PermissionsBoundary: b, Tags: in.Tags}
	if err := s.createEntity(ctx, caller.Account, &entity{Kind: kindUser, User: u}); err != nil {
		return nil, err
	}
	return &UserOutput{User: *u}, nil
}

// checkBoundary checks that a permissions boundary names a managed policy.
func (s *Service) checkBoundary(ctx context.Context, acct, arn string) (*AttachedPermissionsBoundary, error) {
	if arn == "" {
		return nil, nil
	}
	if _, err := s.policyDocument(ctx, acct, arn); err != nil {
		return nil, notAttachable(arn)
	}
	return &AttachedPermissionsBoundary{PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: arn}, nil
}

// UserNameInput names a user (GetUser, DeleteUser, ListAccessKeys,
// ListGroupsForUser, List*UserPolicies). An empty name means the caller.
type UserNameInput struct {
	UserName string `json:"UserName,omitempty"`
	Page
}

// userName is the named user, or the calling user for an empty name.
func userName(caller *Principal, name string) (string, error) {
	if name != "" {
		return name, nil
	}
	if caller.Type == TypeUser && caller.UserName != "" {
		return caller.UserName, nil
	}
	return "", invalid("Must specify userName when calling with non-User credentials")
}

// GetUser returns a user; with no name, the caller (the root included).
func (s *Service) GetUser(ctx context.Context, caller *Principal, in *UserNameInput) (*UserOutput, error) {
	if in.UserName == "" && caller.root {
		return &UserOutput{User: User{Path: "/", UserId: caller.Account, Arn: caller.Arn}}, nil
	}
	name, err := userName(caller, in.UserName)
	if err != nil {
		return nil, err
	}
	e, _, err := s.getEntity(ctx, caller.Account, kindUser, name)
	if err != nil {
		return nil, err
	}
	return &UserOutput{User: *e.User}, nil
}

// PathPrefixInput is the request of ListUsers, ListGroups and ListRoles.
type PathPrefixInput struct {
	PathPrefix string `json:"PathPrefix,omitempty"`
	Page
}

// ListUsersOutput is ListUsers' result.
type ListUsersOutput struct {
	Users []User `json:"Users"`
	Truncation
}

// ListUsers lists the account's users.
func (s *Service) ListUsers(ctx context.Context, caller *Principal, in *PathPrefixInput) (*ListUsersOutput, error) {
	all, err := s.listEntities(ctx, caller.Account, kindUser)
	if err != nil {
		return nil, err
	}
	var users []User
	for _, e := range all {
		if strings.HasPrefix(e.User.Path, in.PathPrefix) {
			users = append(users, *e.User)
		}
	}
	page, tr, err := paginate(users, func(u User) string { return strings.ToLower(u.UserName) }, in.Page)
	if err != nil {
		return nil, err
	}
	return &ListUsersOutput{Users: page, Truncation: tr}, nil
}

// DeleteUser deletes a user that has no access keys, policies or groups
// left.
func (s *Service) DeleteUser(ctx context.Context, caller *Principal, in *UserNameInput) error {
	e, _, err := s.getEntity(ctx, caller.Account, kindUser, in.UserName)
	if err != nil {
		return err
	}
	keys, err := s.userKeys(ctx, caller.Account, e.User.UserName)
	if err != nil {
		return err
	}
	switch {
	case len(keys) > 0:
		return conflict("Cannot delete entity, must delete access keys first.")
	case len(e.Attached) > 0:
		return conflict("Cannot delete entity, must detach all policies first.")
	case len(e.Inline) > 0:
		return conflict("Cannot delete entity, must delete policies first.")
	case len(e.Groups) > 0:
		return conflict("Cannot delete entity, must remove users from group first.")
	}
	return s.deleteEntity(ctx, caller.Account, kindUser, in.UserName)
}

func (s *Service) deleteEntity(ctx context.Context, acct, kind, name string) error {
	if err := s.kv.Delete(ctx, entityKey(acct, kind, name)); err != nil {
		return fmt.Errorf("delete %s: %w", kind, err)
	}
	s.cache.invalidate()
	return nil
}

// GroupMembershipInput is the request of AddUserToGroup and
// RemoveUserFromGroup.
type GroupMembershipInput struct {
	GroupName string `json:"GroupName"`
	UserName  string `json:"UserName"`
}

// AddUserToGroup makes a user a member of a group.
func (s *Service) AddUserToGroup(ctx context.Context, caller *Principal, in *GroupMembershipInput) error {
	g, _, err := s.getEntity(ctx, caller.Account, kindGroup, in.GroupName)
	if err != nil {
		return err
	}
	_, err = s.updateEntity(ctx, caller.Account, kindUser, in.UserName, func(e *entity) error {
		if !contains(e.Groups, strings.ToLower(g.Group.GroupName)) {
			e.Groups = append(e.Groups, strings.ToLower(g.Group.GroupName))
		}
		return nil
	})
	return err
}

// RemoveUserFromGroup ends a user's membership of a group.
func (s *Service) RemoveUserFromGroup(ctx context.Context, caller *Principal, in *GroupMembershipInput) error {
	if _, _, err := s.getEntity(ctx, caller.Account, kindGroup, in.GroupName); err != nil {
		return err
	}
	_, err := s.updateEntity(ctx, caller.Account, kindUser, in.UserName, func(e *entity) error {
		g := strings.ToLower(in.GroupName)
		if !contains(e.Groups, g) {
			return noSuch("The user with name %s cannot be found.", in.UserName)
		}
		e.Groups = slices.DeleteFunc(e.Groups, func(x string) bool { return x == g })
		return nil
	})
	return err
}

// ListGroupsForUserOutput is ListGroupsForUser's result.
type ListGroupsForUserOutput struct {
	Groups []Group `json:"Groups"`
	Truncation
}

// ListGroupsForUser lists the groups a user is a member of.
func (s *Service) ListGroupsForUser(ctx context.Context, caller *Principal, in *UserNameInput) (*ListGroupsForUserOutput, error) {
	e, _, err := s.getEntity(ctx, caller.Account, kindUser, in.UserName)
	if err != nil {
		return nil, err
	}
	var groups []Group
	for _, name := range e.Groups {
		if g, _, err := s.getEntity(ctx, caller.Account, kindGroup, name); err == nil {
			groups = append(groups, *g.Group)
		}
	}
	page, tr, err := paginate(groups, func(g Group) string { return strings.ToLower(g.GroupName) }, in.Page)
	if err != nil {
		return nil, err
	}
	return &ListGroupsForUserOutput{Groups: page, Truncation: tr}, nil
}
