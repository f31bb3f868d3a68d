package iam

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func TestEntityErrors(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	r := h.root
	must(h.svc.CreateUser(ctx, r, &CreateUserInput{UserName: "alice"}))
	must(h.svc.CreateRole(ctx, r, &CreateRoleInput{RoleName: "exec", AssumeRolePolicyDocument: trustLambda}))
	must(h.svc.CreateGroup(ctx, r, &CreateGroupInput{GroupName: "devs"}))
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("a", 2100) + `"}]}`
	tests := []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"user exists in another case", func() error {
			_, err := h.svc.CreateUser(ctx, r, &CreateUserInput{UserName: "Alice"})
			return err
		}, "EntityAlreadyExists", "User with name Alice already exists."},
		{"role exists", func() error {
			_, err := h.svc.CreateRole(ctx, r, &CreateRoleInput{RoleName: "exec", AssumeRolePolicyDocument: trustLambda})
			return err
		}, "EntityAlreadyExists", "Role with name exec already exists."},
		{"no such role", func() error {
			_, err := h.svc.GetRole(ctx, r, &RoleNameInput{RoleName: "nope"})
			return err
		}, "NoSuchEntity", "The role with name nope cannot be found."},
		{"no such user", func() error {
			_, err := h.svc.GetUser(ctx, r, &UserNameInput{UserName: "nope"})
			return err
		}, "NoSuchEntity", "The user with name nope cannot be found."},
		{"bad role name", func() error {
			_, err := h.svc.CreateRole(ctx, r, &CreateRoleInput{RoleName: "a b", AssumeRolePolicyDocument: trustLambda})
			return err
		}, "ValidationError", "1 validation error detected: Value 'a b' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"},
		{"trust policy with a resource", func() error {
			doc := `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}]}`
			_, err := h.svc.CreateRole(ctx, r, &CreateRoleInput{RoleName: "x", AssumeRolePolicyDocument: doc})
			return err
		}, "MalformedPolicyDocument", "Has prohibited field Resource"},
		{"trust policy naming no such user", func() error {
			_, err := h.svc.CreateRole(ctx, r, &CreateRoleInput{RoleName: "x", AssumeRolePolicyDocument: trustAWS("arn:aws:iam::123456789012:user/nobody")})
			return err
		}, "MalformedPolicyDocument", `Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:user/nobody"`},
		{"trust policy too large", func() error {
			doc := `{"Version":"2012-10-17","Statement":[{"Sid":"` + strings.Repeat("a", 2048) + `","Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}`
			_, err := h.svc.CreateRole(ctx, r, &CreateRoleInput{RoleName: "x", AssumeRolePolicyDocument: doc})
			return err
		}, "LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048"},
		{"max session duration", func() error {
			_, err := h.svc.CreateRole(ctx, r, &CreateRoleInput{RoleName: "x", AssumeRolePolicyDocument: trustLambda, MaxSessionDuration: 50000})
			return err
		}, "ValidationError", ""},
		{"identity policy with a principal", func() error {
			return h.svc.PutRolePolicy(ctx, r, &InlinePolicyInput{RoleName: "exec", PolicyName: "p", PolicyDocument: trustLambda})
		}, "MalformedPolicyDocument", "Policy document should not specify a principal."},
		{"inline user policy too large", func() error {
			return h.svc.PutUserPolicy(ctx, r, &InlinePolicyInput{UserName: "alice", PolicyName: "p", PolicyDocument: big})
		}, "LimitExceeded", "Maximum policy size of 2048 bytes exceeded for user alice"},
		{"inline role policy within its quota", func() error {
			return h.svc.PutRolePolicy(ctx, r, &InlinePolicyInput{RoleName: "exec", PolicyName: "p", PolicyDocument: big})
		}, "", ""},
		{"no such inline policy", func() error {
			_, err := h.svc.GetRolePolicy(ctx, r, &InlinePolicyInput{RoleName: "exec", PolicyName: "nope"})
			return err
		}, "NoSuchEntity", "The role policy with name nope cannot be found."},
		{"attach a policy that does not exist", func() error {
			return h.svc.AttachRolePolicy(ctx, r, &PolicyAttachmentInput{RoleName: "exec", PolicyArn: "arn:aws:iam::aws:policy/Nope"})
		}, "NoSuchEntity", "Policy arn:aws:iam::aws:policy/Nope does not exist or is not attachable."},
		{"delete a role with policies", func() error {
			return h.svc.DeleteRole(ctx, r, &RoleNameInput{RoleName: "exec"})
		}, "DeleteConflict", "Cannot delete entity, must delete policies first."},
		{"delete a group with members", func() error {
			if err := h.svc.AddUserToGroup(ctx, r, &GroupMembershipInput{GroupName: "devs", UserName: "alice"}); err != nil {
				return err
			}
			return h.svc.DeleteGroup(ctx, r, &GroupNameInput{GroupName: "devs"})
		}, "DeleteConflict", "Cannot delete entity, must remove users from group first."},
		{"third access key", func() error {
			for range 3 {
				if _, err := h.svc.CreateAccessKey(ctx, r, &UserNameInput{UserName: "alice"}); err != nil {
					return err
				}
			}
			return nil
		}, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2"},
		{"delete a user with keys", func() error {
			return h.svc.DeleteUser(ctx, r, &UserNameInput{UserName: "alice"})
		}, "DeleteConflict", "Cannot delete entity, must delete access keys first."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, tt.call(), tt.code, tt.msg)
		})
	}
}

func TestManagedPolicies(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	r := h.root
	p := must(h.svc.CreatePolicy(ctx, r, &CreatePolicyInput{PolicyName: "read", Path: "/team/", PolicyDocument: allow("s3:GetObject", "*")})).Policy
	if p.Arn != "arn:aws:iam::123456789012:policy/team/read" || p.DefaultVersionId != "v1" || !strings.HasPrefix(p.PolicyId, "ANPA") {
		t.Errorf("CreatePolicy = %+v", p)
	}
	_, err := h.svc.CreatePolicy(ctx, r, &CreatePolicyInput{PolicyName: "read", PolicyDocument: allowAll})
	wantCode(t, err, "EntityAlreadyExists", "A policy called read already exists. Duplicate names are not allowed.")
	_, err = h.svc.CreatePolicy(ctx, r, &CreatePolicyInput{PolicyName: "big", PolicyDocument: `{"Statement":{"Sid":"` + strings.Repeat("a", 6200) + `","Effect":"Allow","Action":"*","Resource":"*"}}`})
	wantCode(t, err, "LimitExceeded", "Cannot exceed quota for PolicySize: 6144")

	for i := 2; i <= 5; i++ {
		v := must(h.svc.CreatePolicyVersion(ctx, r, &CreatePolicyVersionInput{PolicyArn: p.Arn, PolicyDocument: allow(fmt.Sprintf("s3:Get%d", i), "*"), SetAsDefault: i == 3}))
		if v.PolicyVersion.VersionId != fmt.Sprintf("v%d", i) {
			t.Errorf("version %d = %+v", i, v.PolicyVersion)
		}
	}
	_, err = h.svc.CreatePolicyVersion(ctx, r, &CreatePolicyVersionInput{PolicyArn: p.Arn, PolicyDocument: allowAll})
	wantCode(t, err, "LimitExceeded", "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")
	wantCode(t, h.svc.DeletePolicyVersion(ctx, r, &PolicyVersionInput{PolicyArn: p.Arn, VersionId: "v3"}), "DeleteConflict", "Cannot delete the default version of a policy.")
	if got := must(h.svc.GetPolicy(ctx, r, &PolicyArnInput{PolicyArn: p.Arn})).Policy.DefaultVersionId; got != "v3" {
		t.Errorf("default version = %s, want v3", got)
	}
	doc := must(h.svc.GetPolicyVersion(ctx, r, &PolicyVersionInput{PolicyArn: p.Arn, VersionId: "v3"})).PolicyVersion
	if !doc.IsDefaultVersion || !strings.Contains(doc.Document, "s3:Get3") {
		t.Errorf("GetPolicyVersion v3 = %+v", doc)
	}

	must(h.svc.CreateUser(ctx, r, &CreateUserInput{UserName: "alice"}))
	must(struct{}{}, h.svc.AttachUserPolicy(ctx, r, &PolicyAttachmentInput{UserName: "alice", PolicyArn: p.Arn}))
	if got := must(h.svc.GetPolicy(ctx, r, &PolicyArnInput{PolicyArn: p.Arn})).Policy.AttachmentCount; got != 1 {
		t.Errorf("AttachmentCount = %d, want 1", got)
	}
	wantCode(t, h.svc.DeletePolicy(ctx, r, &PolicyArnInput{PolicyArn: p.Arn}), "DeleteConflict", "Cannot delete a policy attached to entities.")
	local := must(h.svc.ListPolicies(ctx, r, &ListPoliciesInput{Scope: "Local"}))
	if len(local.Policies) != 1 || local.Policies[0].Arn != p.Arn {
		t.Errorf("ListPolicies Local = %+v", local.Policies)
	}
	attached := must(h.svc.ListPolicies(ctx, r, &ListPoliciesInput{OnlyAttached: true}))
	if len(attached.Policies) != 1 {
		t.Errorf("ListPolicies OnlyAttached = %d policies, want 1", len(attached.Policies))
	}
	all := must(h.svc.ListPolicies(ctx, r, &ListPoliciesInput{Scope: "AWS", Page: Page{MaxItems: 4}}))
	if len(all.Policies) != 4 || !all.IsTruncated {
		t.Errorf("first page of AWS policies: %d, truncated %v", len(all.Policies), all.IsTruncated)
	}
	next := must(h.svc.ListPolicies(ctx, r, &ListPoliciesInput{Scope: "AWS", Page: Page{MaxItems: 100, Marker: all.Marker}}))
	if len(next.Policies)+4 != len(awsManaged) || next.Policies[0].Arn <= all.Policies[3].Arn {
		t.Errorf("second page of AWS policies: %d after %s", len(next.Policies), all.Policies[3].Arn)
	}
}

func TestListRolesAndAttached(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	for _, n := range []string{"c", "a", "b"} {
		must(h.svc.CreateRole(ctx, h.root, &CreateRoleInput{RoleName: n, Path: "/svc/", AssumeRolePolicyDocument: trustLambda}))
	}
	must(h.svc.CreateRole(ctx, h.root, &CreateRoleInput{RoleName: "d", AssumeRolePolicyDocument: trustLambda}))
	page := must(h.svc.ListRoles(ctx, h.root, &PathPrefixInput{PathPrefix: "/svc/", Page: Page{MaxItems: 2}}))
	if len(page.Roles) != 2 || page.Roles[0].RoleName != "a" || page.Roles[1].RoleName != "b" || !page.IsTruncated {
		t.Fatalf("ListRoles first page = %+v", page)
	}
	rest := must(h.svc.ListRoles(ctx, h.root, &PathPrefixInput{PathPrefix: "/svc/", Page: Page{Marker: page.Marker}}))
	if len(rest.Roles) != 1 || rest.Roles[0].RoleName != "c" || rest.IsTruncated {
		t.Errorf("ListRoles second page = %+v", rest)
	}
	must(struct{}{}, h.svc.AttachRolePolicy(ctx, h.root, &PolicyAttachmentInput{RoleName: "a", PolicyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}))
	got := must(h.svc.ListAttachedRolePolicies(ctx, h.root, &ListAttachedPoliciesInput{RoleName: "a"}))
	if len(got.AttachedPolicies) != 1 || got.AttachedPolicies[0] != (AttachedPolicy{PolicyName: "AWSLambdaBasicExecutionRole", PolicyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}) {
		t.Errorf("ListAttachedRolePolicies = %+v", got.AttachedPolicies)
	}
	wantCode(t, h.svc.DetachRolePolicy(ctx, h.root, &PolicyAttachmentInput{RoleName: "a", PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess"}),
		"NoSuchEntity", "Policy arn:aws:iam::aws:policy/AdministratorAccess was not found.")
}

func TestSimulatePrincipalPolicy(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	must(h.svc.CreateUser(ctx, h.root, &CreateUserInput{UserName: "alice"}))
	must(struct{}{}, h.svc.PutUserPolicy(ctx, h.root, &InlinePolicyInput{UserName: "alice", PolicyName: "p", PolicyDocument: `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"sqs:*","Resource":"*"},
		{"Effect":"Deny","Action":"sqs:DeleteQueue","Resource":"*"},
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`}))
	out := must(h.svc.SimulatePrincipalPolicy(ctx, h.root, &SimulatePrincipalPolicyInput{
		PolicySourceArn: "arn:aws:iam::123456789012:user/alice",
		ActionNames:     []string{"sqs:SendMessage", "sqs:DeleteQueue", "s3:GetObject", "lambda:InvokeFunction"},
		ContextEntries:  []ContextEntry{{ContextKeyName: "aws:SourceIp", ContextKeyValues: []string{"10.1.2.3"}, ContextKeyType: "ip"}},
	}))
	got := map[string]string{}
	for _, r := range out.EvaluationResults {
		got[r.EvalActionName] = r.EvalDecision
	}
	want := map[string]string{"sqs:SendMessage": "allowed", "sqs:DeleteQueue": "explicitDeny", "s3:GetObject": "allowed", "lambda:InvokeFunction": "implicitDeny"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestListPolicyVersions(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	p := must(h.svc.CreatePolicy(ctx, h.root, &CreatePolicyInput{PolicyName: "p", PolicyDocument: allowAll})).Policy
	for range 3 {
		must(h.svc.CreatePolicyVersion(ctx, h.root, &CreatePolicyVersionInput{PolicyArn: p.Arn, PolicyDocument: allowAll}))
	}
	first := must(h.svc.ListPolicyVersions(ctx, h.root, &PolicyArnInput{PolicyArn: p.Arn, Page: Page{MaxItems: 3}}))
	rest := must(h.svc.ListPolicyVersions(ctx, h.root, &PolicyArnInput{PolicyArn: p.Arn, Page: Page{Marker: first.Marker}}))
	var got []string
	for _, v := range append(first.Versions, rest.Versions...) {
		got = append(got, v.VersionId)
	}
	if fmt.Sprint(got) != "[v4 v3 v2 v1]" || !first.IsTruncated || rest.IsTruncated {
		t.Errorf("versions = %v (truncated %v, %v), want [v4 v3 v2 v1] over two pages", got, first.IsTruncated, rest.IsTruncated)
	}
}

func TestTagsAndBoundaries(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	key, secret := h.user("alice")
	must(struct{}{}, h.svc.TagUser(ctx, h.root, &TagsInput{UserName: "alice", Tags: []Tag{{Key: "b", Value: "1"}, {Key: "a", Value: "2"}}}))
	must(struct{}{}, h.svc.TagUser(ctx, h.root, &TagsInput{UserName: "alice", Tags: []Tag{{Key: "b", Value: "3"}}}))
	must(struct{}{}, h.svc.UntagUser(ctx, h.root, &TagsInput{UserName: "alice", TagKeys: []string{"a"}}))
	tags := must(h.svc.ListUserTags(ctx, h.root, &TagsInput{UserName: "alice"})).Tags
	if fmt.Sprint(tags) != "[{b 3}]" {
		t.Errorf("tags = %v, want [{b 3}]", tags)
	}
	wantCode(t, h.svc.TagUser(ctx, h.root, &TagsInput{UserName: "alice", Tags: []Tag{{Key: "aws:x", Value: "1"}}}), "ValidationError", "")

	must(struct{}{}, h.svc.AttachUserPolicy(ctx, h.root, &PolicyAttachmentInput{UserName: "alice", PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess"}))
	must(struct{}{}, h.svc.PutUserPermissionsBoundary(ctx, h.root, &PermissionsBoundaryInput{UserName: "alice", PermissionsBoundary: "arn:aws:iam::aws:policy/AmazonSQSFullAccess"}))
	p := h.mustLogin(key, secret, "")
	if err := h.svc.Authorize(p, Check{Action: "sqs:SendMessage", Resource: "*"}); err != nil {
		t.Errorf("SendMessage within the boundary: %v", err)
	}
	wantCode(t, h.svc.Authorize(p, Check{Action: "s3:GetObject", Resource: "*"}), "AccessDenied",
		"User: arn:aws:iam::123456789012:user/alice is not authorized to perform: s3:GetObject because no permissions boundary allows the s3:GetObject action")
	if got := must(h.svc.GetUser(ctx, h.root, &UserNameInput{UserName: "alice"})).User.PermissionsBoundary; got == nil || got.PermissionsBoundaryType != "Policy" {
		t.Errorf("GetUser boundary = %+v", got)
	}
	must(struct{}{}, h.svc.DeleteUserPermissionsBoundary(ctx, h.root, &PermissionsBoundaryInput{UserName: "alice"}))
	if err := h.svc.Authorize(h.mustLogin(key, secret, ""), Check{Action: "s3:GetObject", Resource: "*"}); err != nil {
		t.Errorf("GetObject without the boundary: %v", err)
	}
}
