package iamapi

import (
	"context"

	"github.com/nubo-dev/nubo/internal/iam"
	"github.com/nubo-dev/nubo/internal/wire"
)

// The operations of IAM, each on the resource AWS's Service Authorization
// Reference names (a user, group, role or policy), or on none.

func userOps(s *iam.Service) []wire.Op {
	byName := func(ctx context.Context, in *iam.UserNameInput) string { return user(ctx, in.UserName) }
	key := func(ctx context.Context, in *iam.AccessKeyInput) string { return user(ctx, in.UserName) }
	attached := func(ctx context.Context, in *iam.PolicyAttachmentInput) string { return user(ctx, in.UserName) }
	inline := func(ctx context.Context, in *iam.InlinePolicyInput) string { return user(ctx, in.UserName) }
	boundary := func(ctx context.Context, in *iam.PermissionsBoundaryInput) string { return user(ctx, in.UserName) }
	tags := func(ctx context.Context, in *iam.TagsInput) string { return user(ctx, in.UserName) }
	membership := func(ctx context.Context, in *iam.GroupMembershipInput) string { return group(ctx, in.GroupName) }
	return []wire.Op{
		op("CreateUser", s.CreateUser, func(ctx context.Context, in *iam.CreateUserInput) string {
			return entity(ctx, "user", in.Path, in.UserName)
		}),
		op("GetUser", s.GetUser, byName),
		op("ListUsers", s.ListUsers, nil),
		do("DeleteUser", s.DeleteUser, byName),
		op("CreateAccessKey", s.CreateAccessKey, byName),
		op("ListAccessKeys", s.ListAccessKeys, byName),
		do("UpdateAccessKey", s.UpdateAccessKey, key),
		do("DeleteAccessKey", s.DeleteAccessKey, key),
		do("AttachUserPolicy", s.AttachUserPolicy, attached),
		do("DetachUserPolicy", s.DetachUserPolicy, attached),
		op("ListAttachedUserPolicies", s.ListAttachedUserPolicies, func(ctx context.Context, in *iam.ListAttachedPoliciesInput) string {
			return user(ctx, in.UserName)
		}),
		do("PutUserPolicy", s.PutUserPolicy, inline),
		op("GetUserPolicy", encodedInline(s.GetUserPolicy), inline),
		do("DeleteUserPolicy", s.DeleteUserPolicy, inline),
		op("ListUserPolicies", s.ListUserPolicies, byName),
		do("PutUserPermissionsBoundary", s.PutUserPermissionsBoundary, boundary),
		do("DeleteUserPermissionsBoundary", s.DeleteUserPermissionsBoundary, boundary),
		do("TagUser", s.TagUser, tags),
		do("UntagUser", s.UntagUser, tags),
		op("ListUserTags", s.ListUserTags, tags),
		do("AddUserToGroup", s.AddUserToGroup, membership),
		do("RemoveUserFromGroup", s.RemoveUserFromGroup, membership),
		op("ListGroupsForUser", s.ListGroupsForUser, byName),
	}
}

func groupOps(s *iam.Service) []wire.Op {
	byName := func(ctx context.Context, in *iam.GroupNameInput) string { return group(ctx, in.GroupName) }
	attached := func(ctx context.Context, in *iam.PolicyAttachmentInput) string { return group(ctx, in.GroupName) }
	inline := func(ctx context.Context, in *iam.InlinePolicyInput) string { return group(ctx, in.GroupName) }
	return []wire.Op{
		op("CreateGroup", s.CreateGroup, func(ctx context.Context, in *iam.CreateGroupInput) string {
			return entity(ctx, "group", in.Path, in.GroupName)
		}),
		op("GetGroup", s.GetGroup, byName),
		op("ListGroups", s.ListGroups, nil),
		do("DeleteGroup", s.DeleteGroup, byName),
		do("AttachGroupPolicy", s.AttachGroupPolicy, attached),
		do("DetachGroupPolicy", s.DetachGroupPolicy, attached),
		op("ListAttachedGroupPolicies", s.ListAttachedGroupPolicies, func(ctx context.Context, in *iam.ListAttachedPoliciesInput) string {
			return group(ctx, in.GroupName)
		}),
		do("PutGroupPolicy", s.PutGroupPolicy, inline),
		op("GetGroupPolicy", encodedInline(s.GetGroupPolicy), inline),
		do("DeleteGroupPolicy", s.DeleteGroupPolicy, inline),
		op("ListGroupPolicies", s.ListGroupPolicies, byName),
	}
}

func roleOps(s *iam.Service) []wire.Op {
	byName := func(ctx context.Context, in *iam.RoleNameInput) string { return role(ctx, in.RoleName) }
	attached := func(ctx context.Context, in *iam.PolicyAttachmentInput) string { return role(ctx, in.RoleName) }
	inline := func(ctx context.Context, in *iam.InlinePolicyInput) string { return role(ctx, in.RoleName) }
	boundary := func(ctx context.Context, in *iam.PermissionsBoundaryInput) string { return role(ctx, in.RoleName) }
	tags := func(ctx context.Context, in *iam.TagsInput) string { return role(ctx, in.RoleName) }
	return []wire.Op{
		op("CreateRole", encodedRole(s.CreateRole), func(ctx context.Context, in *iam.CreateRoleInput) string {
			return entity(ctx, "role", in.Path, in.RoleName)
		}),
		op("GetRole", encodedRole(s.GetRole), byName),
		op("ListRoles", encodedRoles(s.ListRoles), nil),
		do("DeleteRole", s.DeleteRole, byName),
		do("UpdateAssumeRolePolicy", s.UpdateAssumeRolePolicy, func(ctx context.Context, in *iam.UpdateAssumeRolePolicyInput) string {
			return role(ctx, in.RoleName)
		}),
		do("UpdateRole", s.UpdateRole, func(ctx context.Context, in *iam.UpdateRoleInput) string { return role(ctx, in.RoleName) }),
		op("ListInstanceProfilesForRole", s.ListInstanceProfilesForRole, byName),
		do("AttachRolePolicy", s.AttachRolePolicy, attached),
		do("DetachRolePolicy", s.DetachRolePolicy, attached),
		op("ListAttachedRolePolicies", s.ListAttachedRolePolicies, func(ctx context.Context, in *iam.ListAttachedPoliciesInput) string {
			return role(ctx, in.RoleName)
		}),
		do("PutRolePolicy", s.PutRolePolicy, inline),
		op("GetRolePolicy", encodedInline(s.GetRolePolicy), inline),
		do("DeleteRolePolicy", s.DeleteRolePolicy, inline),
		op("ListRolePolicies", s.ListRolePolicies, byName),
		do("PutRolePermissionsBoundary", s.PutRolePermissionsBoundary, boundary),
		do("DeleteRolePermissionsBoundary", s.DeleteRolePermissionsBoundary, boundary),
		do("TagRole", s.TagRole, tags),
		do("UntagRole", s.UntagRole, tags),
		op("ListRoleTags", s.ListRoleTags, tags),
	}
}

func policyOps(s *iam.Service) []wire.Op {
	byARN := func(ctx context.Context, in *iam.PolicyArnInput) string { return in.PolicyArn }
	version := func(ctx context.Context, in *iam.PolicyVersionInput) string { return in.PolicyArn }
	return []wire.Op{
		op("CreatePolicy", s.CreatePolicy, func(ctx context.Context, in *iam.CreatePolicyInput) string {
			return entity(ctx, "policy", in.Path, in.PolicyName)
		}),
		op("GetPolicy", s.GetPolicy, byARN),
		do("DeletePolicy", s.DeletePolicy, byARN),
		op("ListPolicies", s.ListPolicies, nil),
		op("CreatePolicyVersion", encodedVersion(s.CreatePolicyVersion), func(ctx context.Context, in *iam.CreatePolicyVersionInput) string {
			return in.PolicyArn
		}),
		op("GetPolicyVersion", encodedVersion(s.GetPolicyVersion), version),
		op("ListPolicyVersions", s.ListPolicyVersions, byARN),
		do("DeletePolicyVersion", s.DeletePolicyVersion, version),
		do("SetDefaultPolicyVersion", s.SetDefaultPolicyVersion, version),
		op("SimulatePrincipalPolicy", s.SimulatePrincipalPolicy, func(ctx context.Context, in *iam.SimulatePrincipalPolicyInput) string {
			return in.PolicySourceArn
		}),
	}
}

// The operations whose outputs carry policy documents, which IAM's XML
// URL-encodes.

func encodedInline[In any](fn func(context.Context, *iam.Principal, *In) (*iam.InlinePolicyOutput, error)) func(context.Context, *iam.Principal, *In) (*iam.InlinePolicyOutput, error) {
	return func(ctx context.Context, p *iam.Principal, in *In) (*iam.InlinePolicyOutput, error) {
		out, err := fn(ctx, p, in)
		if err == nil {
			out.PolicyDocument = encode(out.PolicyDocument)
		}
		return out, err
	}
}

func encodedRole[In any](fn func(context.Context, *iam.Principal, *In) (*iam.RoleOutput, error)) func(context.Context, *iam.Principal, *In) (*iam.RoleOutput, error) {
	return func(ctx context.Context, p *iam.Principal, in *In) (*iam.RoleOutput, error) {
		out, err := fn(ctx, p, in)
		if err == nil {
			out.Role.AssumeRolePolicyDocument = encode(out.Role.AssumeRolePolicyDocument)
		}
		return out, err
	}
}

func encodedRoles(fn func(context.Context, *iam.Principal, *iam.PathPrefixInput) (*iam.ListRolesOutput, error)) func(context.Context, *iam.Principal, *iam.PathPrefixInput) (*iam.ListRolesOutput, error) {
	return func(ctx context.Context, p *iam.Principal, in *iam.PathPrefixInput) (*iam.ListRolesOutput, error) {
		out, err := fn(ctx, p, in)
		if err == nil {
			for i := range out.Roles {
				out.Roles[i].AssumeRolePolicyDocument = encode(out.Roles[i].AssumeRolePolicyDocument)
			}
		}
		return out, err
	}
}

func encodedVersion[In any](fn func(context.Context, *iam.Principal, *In) (*iam.PolicyVersionOutput, error)) func(context.Context, *iam.Principal, *In) (*iam.PolicyVersionOutput, error) {
	return func(ctx context.Context, p *iam.Principal, in *In) (*iam.PolicyVersionOutput, error) {
		out, err := fn(ctx, p, in)
		if err == nil {
			out.PolicyVersion.Document = encode(out.PolicyVersion.Document)
		}
		return out, err
	}
}
