package iam

import (
	"context"
	"strings"
)

// CreateGroupInput is CreateGroup's request.
type CreateGroupInput struct {
	Path      string `json:"Path,omitempty"`
	GroupName string `json:"GroupName"`
}

// CreateGroupOutput is CreateGroup's result.
type CreateGroupOutput struct {
	Group Group `json:"Group"`
}

// CreateGroup creates a group.
func (s *Service) CreateGroup(ctx context.Context, caller *Principal, in *CreateGroupInput) (*CreateGroupOutput, error) {
	if err := checkName("groupName", in.GroupName, 128); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path)
	if err != nil {
		return nil, err
	}
	g := &Group{Path: path, GroupName: in.GroupName, GroupId: newID("AGPA"), Arn: iamARN(caller.Account, kindGroup, path, in.GroupName), CreateDate: s.now()}
	if err := s.createEntity(ctx, caller.Account, &entity{Kind: kindGroup, Group: g}); err != nil {
		return nil, err
	}
	return &CreateGroupOutput{Group: *g}, nil
}

// GroupNameInput names a group (GetGroup, DeleteGroup, List*GroupPolicies).
type GroupNameInput struct {
	GroupName string `json:"GroupName"`
	Page
}

// GetGroupOutput is GetGroup's result: the group and its users.
type GetGroupOutput struct {
	Group Group  `json:"Group"`
	Users []User `json:"Users"`
	Truncation
}

// GetGroup returns a group and its members.
func (s *Service) GetGroup(ctx context.Context, caller *Principal, in *GroupNameInput) (*GetGroupOutput, error) {
	g, _, err := s.getEntity(ctx, caller.Account, kindGroup, in.GroupName)
	if err != nil {
		return nil, err
	}
	members, err := s.members(ctx, caller.Account, in.GroupName)
	if err != nil {
		return nil, err
	}
	page, tr, err := paginate(members, func(u User) string { return strings.ToLower(u.UserName) }, in.Page)
	if err != nil {
		return nil, err
	}
	return &GetGroupOutput{Group: *g.Group, Users: page, Truncation: tr}, nil
}

// members are the users of a group (membership is kept on the users).
func (s *Service) members(ctx context.Context, acct, group string) ([]User, error) {
	users, err := s.listEntities(ctx, acct, kindUser)
	if err != nil {
		return nil, err
	}
	var out []User
	for _, u := range users {
		if contains(u.Groups, strings.ToLower(group)) {
			out = append(out, *u.User)
		}
	}
	return out, nil
}

// ListGroupsOutput is ListGroups' result.
type ListGroupsOutput struct {
	Groups []Group `json:"Groups"`
	Truncation
}

// ListGroups lists the account's groups.
func (s *Service) ListGroups(ctx context.Context, caller *Principal, in *PathPrefixInput) (*ListGroupsOutput, error) {
	all, err := s.listEntities(ctx, caller.Account, kindGroup)
	if err != nil {
		return nil, err
	}
	var groups []Group
	for _, e := range all {
		if strings.HasPrefix(e.Group.Path, in.PathPrefix) {
			groups = append(groups, *e.Group)
		}
	}
	page, tr, err := paginate(groups, func(g Group) string { return strings.ToLower(g.GroupName) }, in.Page)
	if err != nil {
		return nil, err
	}
	return &ListGroupsOutput{Groups: page, Truncation: tr}, nil
}

// DeleteGroup deletes a group with no members and no policies.
func (s *Service) DeleteGroup(ctx context.Context, caller *Principal, in *GroupNameInput) error {
	g, _, err := s.getEntity(ctx, caller.Account, kindGroup, in.GroupName)
	if err != nil {
		return err
	}
	members, err := s.members(ctx, caller.Account, in.GroupName)
	if err != nil {
		return err
	}
	switch {
	case len(members) > 0:
		return conflict("Cannot delete entity, must remove users from group first.")
	case len(g.Attached) > 0:
		return conflict("Cannot delete entity, must detach all policies first.")
	case len(g.Inline) > 0:
		return conflict("Cannot delete entity, must delete policies first.")
	}
	return s.deleteEntity(ctx, caller.Account, kindGroup, in.GroupName)
}
