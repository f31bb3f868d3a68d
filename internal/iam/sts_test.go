package iam

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

func TestAssumeRole(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	aliceKey, aliceSecret := h.user("alice")
	bobKey, bobSecret := h.user("bob")
	aliceARN := "arn:aws:iam::123456789012:user/alice"
	role := must(h.svc.CreateRole(ctx, h.root, &CreateRoleInput{RoleName: "reader", AssumeRolePolicyDocument: trustAWS(aliceARN)})).Role
	must(h.svc.CreateRole(ctx, h.root, &CreateRoleInput{RoleName: "account-trust", AssumeRolePolicyDocument: trustAWS(acct), MaxSessionDuration: 7200}))
	must(struct{}{}, h.svc.PutRolePolicy(ctx, h.root, &InlinePolicyInput{RoleName: "reader", PolicyName: "read", PolicyDocument: allow("s3:GetObject", "*")}))
	alice, bob := h.mustLogin(aliceKey, aliceSecret, ""), h.mustLogin(bobKey, bobSecret, "")

	tests := []struct {
		name   string
		caller *Principal
		in     AssumeRoleInput
		code   string
		msg    string
	}{
		{"named in the trust policy", alice, AssumeRoleInput{RoleArn: role.Arn, RoleSessionName: "s1"}, "", ""},
		{"not named", bob, AssumeRoleInput{RoleArn: role.Arn, RoleSessionName: "s1"}, "AccessDenied",
			"User: arn:aws:iam::123456789012:user/bob is not authorized to perform: sts:AssumeRole on resource: " + role.Arn},
		{"account trust needs an identity policy", alice, AssumeRoleInput{RoleArn: "arn:aws:iam::123456789012:role/account-trust", RoleSessionName: "s1"}, "AccessDenied", ""},
		{"no such role", alice, AssumeRoleInput{RoleArn: "arn:aws:iam::123456789012:role/nope", RoleSessionName: "s1"}, "AccessDenied", ""},
		{"root", h.root, AssumeRoleInput{RoleArn: role.Arn, RoleSessionName: "s1"}, "AccessDenied", "Roles may not be assumed by root accounts."},
		{"too long", alice, AssumeRoleInput{RoleArn: role.Arn, RoleSessionName: "s1", DurationSeconds: 3601}, "ValidationError",
			"The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
		{"too short", alice, AssumeRoleInput{RoleArn: role.Arn, RoleSessionName: "s1", DurationSeconds: 899}, "ValidationError",
			"1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{"bad session name", alice, AssumeRoleInput{RoleArn: role.Arn, RoleSessionName: "a b"}, "ValidationError", ""},
		{"bad session policy", alice, AssumeRoleInput{RoleArn: role.Arn, RoleSessionName: "s1", Policy: `{"Statement":{}}`}, "MalformedPolicyDocument", "Missing required field Effect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.svc.AssumeRole(ctx, tt.caller, &tt.in)
			wantCode(t, err, tt.code, tt.msg)
		})
	}

	// With sts:AssumeRole allowed, alice may assume the role that trusts
	// the account.
	must(struct{}{}, h.svc.PutUserPolicy(ctx, h.root, &InlinePolicyInput{UserName: "alice", PolicyName: "assume", PolicyDocument: allow("sts:AssumeRole", "*")}))
	alice = h.mustLogin(aliceKey, aliceSecret, "")
	if _, err := h.svc.AssumeRole(ctx, alice, &AssumeRoleInput{RoleArn: "arn:aws:iam::123456789012:role/account-trust", RoleSessionName: "s1", DurationSeconds: 7200}); err != nil {
		t.Errorf("AssumeRole of the account-trusting role with an identity policy: %v", err)
	}
}

func TestRoleSession(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	key, secret := h.user("alice")
	role := must(h.svc.CreateRole(ctx, h.root, &CreateRoleInput{RoleName: "reader", AssumeRolePolicyDocument: trustAWS("arn:aws:iam::123456789012:user/alice")})).Role
	must(struct{}{}, h.svc.PutRolePolicy(ctx, h.root, &InlinePolicyInput{RoleName: "reader", PolicyName: "read", PolicyDocument: allow("s3:*", "*")}))
	out := must(h.svc.AssumeRole(ctx, h.mustLogin(key, secret, ""), &AssumeRoleInput{RoleArn: role.Arn, RoleSessionName: "job-1",
		Policy: allow("s3:GetObject", "*"), DurationSeconds: 900}))
	c := out.Credentials
	if !strings.HasPrefix(c.AccessKeyId, "ASIA") || len(c.SecretAccessKey) != 40 || c.Expiration != h.clock.Now().Add(15*time.Minute) {
		t.Errorf("credentials = %s %d %v", c.AccessKeyId, len(c.SecretAccessKey), c.Expiration)
	}
	if want := "arn:aws:sts::123456789012:assumed-role/reader/job-1"; out.AssumedRoleUser.Arn != want || out.AssumedRoleUser.AssumedRoleId != role.RoleId+":job-1" {
		t.Errorf("AssumedRoleUser = %+v, want %s", out.AssumedRoleUser, want)
	}
	p := h.mustLogin(c.AccessKeyId, c.SecretAccessKey, c.SessionToken)
	id := must(h.svc.GetCallerIdentity(ctx, p))
	if id.Arn != out.AssumedRoleUser.Arn || id.UserId != out.AssumedRoleUser.AssumedRoleId {
		t.Errorf("GetCallerIdentity = %+v", id)
	}
	if err := h.svc.Authorize(p, Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}); err != nil {
		t.Errorf("GetObject within the session policy: %v", err)
	}
	err := h.svc.Authorize(p, Check{Action: "s3:PutObject", Resource: "arn:aws:s3:::b/k"})
	wantCode(t, err, "AccessDenied", "User: arn:aws:sts::123456789012:assumed-role/reader/job-1 is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::b/k because no session policy allows the s3:PutObject action")
	if _, err := h.svc.GetSessionToken(ctx, p, &GetSessionTokenInput{}); err == nil {
		t.Errorf("GetSessionToken with role credentials succeeded")
	}

	// The token is bound to its key id: another key id with it is refused.
	_, err = h.login("ASIAAAAAAAAAAAAAAAAAA", c.SecretAccessKey, c.SessionToken)
	wantCode(t, err, "InvalidClientTokenId", "")
	h.clock.advance(15 * time.Minute)
	_, err = h.login(c.AccessKeyId, c.SecretAccessKey, c.SessionToken)
	wantCode(t, err, "ExpiredToken", "")
}

func TestServiceRoleCredentials(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	role := must(h.svc.CreateRole(ctx, h.root, &CreateRoleInput{RoleName: "exec", AssumeRolePolicyDocument: trustLambda})).Role
	must(struct{}{}, h.svc.AttachRolePolicy(ctx, h.root, &PolicyAttachmentInput{RoleName: "exec", PolicyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}))
	other := must(h.svc.CreateRole(ctx, h.root, &CreateRoleInput{RoleName: "other", AssumeRolePolicyDocument: trustAWS(acct)})).Role

	if _, err := h.svc.ServiceRoleCredentials(ctx, other.Arn, "lambda.amazonaws.com", "fn", time.Hour); err == nil {
		t.Errorf("a role that does not trust Lambda gave Lambda credentials")
	}
	src := h.svc.NewRoleCredentials(role.Arn, "lambda.amazonaws.com", "my-function")
	first := must(src.Get(ctx))
	p := h.mustLogin(first.AccessKeyId, first.SecretAccessKey, first.SessionToken)
	if p.Arn != "arn:aws:sts::123456789012:assumed-role/exec/my-function" {
		t.Errorf("execution role session = %s", p.Arn)
	}
	if err := h.svc.Authorize(p, Check{Action: "logs:PutLogEvents", Resource: "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/my-function:*"}); err != nil {
		t.Errorf("PutLogEvents with AWSLambdaBasicExecutionRole: %v", err)
	}
	if got := first.Expiration.Sub(h.clock.Now()); got != 12*time.Hour {
		t.Errorf("execution-role credentials last %v, want 12h", got)
	}
	h.clock.advance(5*time.Hour + 59*time.Minute)
	if again := must(src.Get(ctx)); again.AccessKeyId != first.AccessKeyId {
		t.Errorf("credentials renewed with more than 6 hours left")
	}
	h.clock.advance(2 * time.Minute)
	if renewed := must(src.Get(ctx)); renewed.AccessKeyId == first.AccessKeyId || !renewed.Expiration.After(first.Expiration) {
		t.Errorf("credentials not renewed with less than 6 hours left")
	}
}

func TestGetSessionToken(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	out := must(h.svc.GetSessionToken(ctx, h.root, &GetSessionTokenInput{}))
	if got := out.Credentials.Expiration.Sub(h.clock.Now()); got != time.Hour {
		t.Errorf("root session lasts %v, want the root's 1 h", got)
	}
	p := h.mustLogin(out.Credentials.AccessKeyId, out.Credentials.SecretAccessKey, out.Credentials.SessionToken)
	if !p.IsRoot() || p.Arn != "arn:aws:iam::123456789012:root" {
		t.Errorf("root session principal = %+v", p)
	}
	_, err := h.svc.GetSessionToken(ctx, h.root, &GetSessionTokenInput{DurationSeconds: 100})
	wantCode(t, err, "ValidationError", "")
}

func TestSessionTagsAndSourceIdentity(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	key, secret := h.user("alice")
	alice := "arn:aws:iam::123456789012:user/alice"
	tagTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + alice + `"},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}]}`
	first := must(h.svc.CreateRole(ctx, h.root, &CreateRoleInput{RoleName: "first", AssumeRolePolicyDocument: tagTrust, Tags: []Tag{{Key: "team", Value: "red"}}})).Role
	must(h.svc.CreateRole(ctx, h.root, &CreateRoleInput{RoleName: "plain", AssumeRolePolicyDocument: trustAWS(alice)}))
	must(struct{}{}, h.svc.PutRolePolicy(ctx, h.root, &InlinePolicyInput{RoleName: "first", PolicyName: "abac",
		PolicyDocument: allow("sqs:*", "arn:aws:sqs:*:*:${aws:PrincipalTag/team}-*")}))
	caller := h.mustLogin(key, secret, "")

	_, err := h.svc.AssumeRole(ctx, caller, &AssumeRoleInput{RoleArn: "arn:aws:iam::123456789012:role/plain", RoleSessionName: "s1", Tags: []Tag{{Key: "team", Value: "blue"}}})
	wantCode(t, err, "AccessDenied", "User: "+alice+" is not authorized to perform: sts:TagSession on resource: arn:aws:iam::123456789012:role/plain")

	_, err = h.svc.AssumeRole(ctx, caller, &AssumeRoleInput{RoleArn: "arn:aws:iam::123456789012:role/plain", RoleSessionName: "s1", SourceIdentity: "x"})
	wantCode(t, err, "AccessDenied", "User: "+alice+" is not authorized to perform: sts:SetSourceIdentity on resource: arn:aws:iam::123456789012:role/plain")

	out := must(h.svc.AssumeRole(ctx, caller, &AssumeRoleInput{RoleArn: first.Arn, RoleSessionName: "s1",
		Tags: []Tag{{Key: "team", Value: "blue"}}, TransitiveTagKeys: []string{"team"}, SourceIdentity: "alice-laptop"}))
	if out.SourceIdentity != "alice-laptop" {
		t.Errorf("SourceIdentity = %q", out.SourceIdentity)
	}
	c := out.Credentials
	p := h.mustLogin(c.AccessKeyId, c.SecretAccessKey, c.SessionToken)
	if err := h.svc.Authorize(p, Check{Action: "sqs:SendMessage", Resource: "arn:aws:sqs:us-east-1:123456789012:blue-q"}); err != nil {
		t.Errorf("the session tag does not override the role's: %v", err)
	}
	if p.SourceIdentity != "alice-laptop" {
		t.Errorf("session SourceIdentity = %q", p.SourceIdentity)
	}

	// Chaining: the transitive tag and the source identity pass on.
	must(struct{}{}, h.svc.UpdateAssumeRolePolicy(ctx, h.root, &UpdateAssumeRolePolicyInput{RoleName: "plain",
		PolicyDocument: trustAWS("arn:aws:iam::123456789012:role/first")}))
	_, err = h.svc.AssumeRole(ctx, p, &AssumeRoleInput{RoleArn: "arn:aws:iam::123456789012:role/plain", RoleSessionName: "s2", SourceIdentity: "other"})
	wantCode(t, err, "AccessDenied", "The source identity of a session cannot be changed when assuming another role.")
	chained := must(h.svc.AssumeRole(ctx, p, &AssumeRoleInput{RoleArn: "arn:aws:iam::123456789012:role/plain", RoleSessionName: "s2"})).Credentials
	p2 := h.mustLogin(chained.AccessKeyId, chained.SecretAccessKey, chained.SessionToken)
	if p2.SourceIdentity != "alice-laptop" || len(p2.tags) != 1 || p2.tags[0] != (Tag{Key: "team", Value: "blue"}) {
		t.Errorf("chained session: source identity %q, tags %v", p2.SourceIdentity, p2.tags)
	}
}

// TestServiceRoleCredentialsCachedRole mints credentials for many
// sessions of one role with one read of the role, and sees a change of
// the role made through this node at once.
func TestServiceRoleCredentialsCachedRole(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	role := must(h.svc.CreateRole(ctx, h.root, &CreateRoleInput{RoleName: "exec", AssumeRolePolicyDocument: trustLambda})).Role
	reads := &countingKV{KV: h.kv}
	h.svc.kv = reads
	for _, fn := range []string{"fn-1", "fn-2", "fn-3"} {
		if _, err := h.svc.ServiceRoleCredentials(ctx, role.Arn, "lambda.amazonaws.com", fn, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if n := reads.gets.Load(); n != 1 {
		t.Errorf("3 mints read the role %d times, want 1", n)
	}
	must(struct{}{}, h.svc.UpdateAssumeRolePolicy(ctx, h.root, &UpdateAssumeRolePolicyInput{RoleName: "exec", PolicyDocument: trustAWS(acct)}))
	_, err := h.svc.ServiceRoleCredentials(ctx, role.Arn, "lambda.amazonaws.com", "fn-1", time.Hour)
	wantCode(t, err, "AccessDenied", "")
	must(struct{}{}, h.svc.DeleteRole(ctx, h.root, &RoleNameInput{RoleName: "exec"}))
	_, err = h.svc.ServiceRoleCredentials(ctx, role.Arn, "lambda.amazonaws.com", "fn-1", time.Hour)
	wantCode(t, err, "NoSuchEntity", "")
}

// countingKV counts the reads of a store.KV.
type countingKV struct {
	store.KV
	gets atomic.Int64
}

func (k *countingKV) Get(ctx context.Context, key string) (store.Entry, error) {
	k.gets.Add(1)
	return k.KV.Get(ctx, key)
}
