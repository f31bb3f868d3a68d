package iam

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/iam/policy"
	"github.com/nubo-dev/nubo/internal/sigv4"
)

func TestAuthenticateRootAndUsers(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	root := h.mustLogin(rootKey, rootSecret, "")
	id := must(h.svc.GetCallerIdentity(ctx, root))
	if got, want := *id, (GetCallerIdentityOutput{UserId: acct, Account: acct, Arn: "arn:aws:iam::123456789012:root"}); got != want {
		t.Errorf("root identity = %+v, want %+v", got, want)
	}
	key, secret := h.user("alice")
	alice := h.mustLogin(key, secret, "")
	id = must(h.svc.GetCallerIdentity(ctx, alice))
	if id.Arn != "arn:aws:iam::123456789012:user/alice" || !strings.HasPrefix(id.UserId, "AIDA") || len(id.UserId) != 21 {
		t.Errorf("alice identity = %+v", id)
	}

	wrong := "x" + secret[1:]
	if wrong == secret {
		wrong = "y" + secret[1:] // a random secret starts with x one time in 64
	}
	tests := []struct {
		name, id, secret, token string
		want                    string
	}{
		{"wrong secret", key, wrong, "", "SignatureDoesNotMatch"},
		{"unknown key", "AKIANOTAKEYNOTAKEY12", secret, "", "InvalidClientTokenId"},
		{"session key without token", "ASIANOTAKEYNOTAKEY12", secret, "", "InvalidClientTokenId"},
		{"session key with a forged token", "ASIANOTAKEYNOTAKEY12", secret, "AAAA", "InvalidClientTokenId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.login(tt.id, tt.secret, tt.token)
			wantCode(t, err, tt.want, "")
		})
	}

	must(struct{}{}, h.svc.UpdateAccessKey(ctx, h.root, &AccessKeyInput{UserName: "alice", AccessKeyId: key, Status: "Inactive"}))
	_, err := h.login(key, secret, "")
	wantCode(t, err, "InvalidClientTokenId", "The security token included in the request is invalid.")
}

func TestAuthorizeUser(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	key, secret := h.user("alice")
	fn := "arn:aws:lambda:us-east-1:123456789012:function:f"
	invoke := Check{Action: "lambda:InvokeFunction", Resource: fn}

	err := h.svc.Authorize(h.mustLogin(key, secret, ""), invoke)
	wantCode(t, err, "AccessDenied", "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: lambda:InvokeFunction on resource: "+fn+" because no identity-based policy allows the lambda:InvokeFunction action")
	var d *Denied
	if !asDenied(err, &d) || d.For(sigv4.Lambda).Code.Name != "AccessDeniedException" || d.For(sigv4.Lambda).Code.Status != 403 {
		t.Errorf("denial for Lambda = %v, want AccessDeniedException 403", err)
	}

	must(struct{}{}, h.svc.AttachUserPolicy(ctx, h.root, &PolicyAttachmentInput{UserName: "alice", PolicyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaRole"}))
	if err := h.svc.Authorize(h.mustLogin(key, secret, ""), invoke); err != nil {
		t.Errorf("with AWSLambdaRole attached: %v", err)
	}

	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"lambda:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	must(struct{}{}, h.svc.PutUserPolicy(ctx, h.root, &InlinePolicyInput{UserName: "alice", PolicyName: "tls", PolicyDocument: deny}))
	err = h.svc.Authorize(h.mustLogin(key, secret, ""), invoke)
	wantCode(t, err, "AccessDenied", "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: lambda:InvokeFunction on resource: "+fn+" with an explicit deny in an identity-based policy")

	// Groups lend their policies to their members.
	must(struct{}{}, h.svc.DeleteUserPolicy(ctx, h.root, &InlinePolicyInput{UserName: "alice", PolicyName: "tls"}))
	must(h.svc.CreateGroup(ctx, h.root, &CreateGroupInput{GroupName: "senders"}))
	must(struct{}{}, h.svc.PutGroupPolicy(ctx, h.root, &InlinePolicyInput{GroupName: "senders", PolicyName: "send", PolicyDocument: allow("sqs:SendMessage", "arn:aws:sqs:*:123456789012:${aws:username}-*")}))
	send := Check{Action: "sqs:SendMessage", Resource: "arn:aws:sqs:us-east-1:123456789012:alice-q"}
	if err := h.svc.Authorize(h.mustLogin(key, secret, ""), send); err == nil {
		t.Errorf("allowed before alice joined the group")
	}
	must(struct{}{}, h.svc.AddUserToGroup(ctx, h.root, &GroupMembershipInput{GroupName: "senders", UserName: "alice"}))
	if err := h.svc.Authorize(h.mustLogin(key, secret, ""), send); err != nil {
		t.Errorf("as a member of senders: %v", err)
	}
	send.Resource = "arn:aws:sqs:us-east-1:123456789012:bob-q"
	if err := h.svc.Authorize(h.mustLogin(key, secret, ""), send); err == nil {
		t.Errorf("allowed on another user's queue")
	}
}

func asDenied(err error, d **Denied) bool {
	x, ok := err.(*Denied)
	*d = x
	return ok
}

func TestAuthorizeResourcePolicies(t *testing.T) {
	h := newHarness(t)
	queue := "arn:aws:sqs:us-east-1:123456789012:q"
	topic := "arn:aws:sns:us-east-1:123456789012:t"
	queuePolicy := must(policy.Parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"`+queue+`","Condition":{"ArnEquals":{"aws:SourceArn":"`+topic+`"}}}]}`, policy.Resource))
	denyAll := must(policy.Parse(`{"Statement":[{"Effect":"Deny","Principal":"*","Action":"sqs:*","Resource":"*"}]}`, policy.Resource))
	public := must(policy.Parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, policy.Resource))
	accountOnly := must(policy.Parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, policy.Resource))
	source := func(arn string) policy.Context {
		c := policy.Context{}
		c.Set("aws:SourceArn", arn)
		return c
	}
	tests := []struct {
		name   string
		caller *Principal
		check  Check
		want   string
	}{
		{"sns from its topic", ServicePrincipal("sns.amazonaws.com"), Check{Action: "sqs:SendMessage", Resource: queue, Context: source(topic), ResourcePolicy: queuePolicy}, ""},
		{"sns from another topic", ServicePrincipal("sns.amazonaws.com"), Check{Action: "sqs:SendMessage", Resource: queue, Context: source(topic + "2"), ResourcePolicy: queuePolicy}, "AccessDenied"},
		{"root of the account", h.root, Check{Action: "sqs:SendMessage", Resource: queue}, ""},
		{"root and a resource deny", h.root, Check{Action: "sqs:SendMessage", Resource: queue, ResourcePolicy: denyAll}, "AccessDenied"},
		{"root of another account", h.root, Check{Action: "sqs:SendMessage", Resource: queue, ResourceAccount: "111122223333"}, "AccessDenied"},
		{"anonymous and a public object", AnonymousPrincipal(), Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", ResourcePolicy: public, ResourceAccount: acct}, ""},
		{"anonymous and a private object", AnonymousPrincipal(), Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", ResourcePolicy: accountOnly, ResourceAccount: acct}, "AccessDenied"},
		{"anonymous and no policy", AnonymousPrincipal(), Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}, "AccessDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg := codeOf(h.svc.Authorize(tt.caller, tt.check))
			if code != tt.want {
				t.Errorf("Authorize = %s %s, want %q", code, msg, tt.want)
			}
		})
	}
}

func TestSecretsAreNotStored(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	_, secret := h.user("alice")
	keys := must(h.kv.Keys(ctx, "iam"))
	for _, k := range keys {
		e := must(h.kv.Get(ctx, k))
		if strings.Contains(string(e.Value), secret) {
			t.Errorf("the secret access key is stored in %s", k)
		}
	}
	list := must(h.svc.ListAccessKeys(ctx, h.root, &UserNameInput{UserName: "alice"}))
	if len(list.AccessKeyMetadata) != 1 || list.AccessKeyMetadata[0].Status != "Active" {
		t.Errorf("ListAccessKeys = %+v", list)
	}
}

func TestSessionsOfAnotherNode(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	key, secret := h.user("alice")
	creds := must(h.svc.GetSessionToken(ctx, h.mustLogin(key, secret, ""), &GetSessionTokenInput{DurationSeconds: 900})).Credentials
	// A second Service on the same KV (another node) verifies the session.
	other := must(New(ctx, h.kv, Options{Account: acct, Now: h.clock.Now}))
	r := h.request(creds.AccessKeyId, creds.SecretAccessKey, creds.SessionToken, "sqs")
	p, err := other.Authenticate(ctx, r)
	if err != nil || p.Arn != "arn:aws:iam::123456789012:user/alice" {
		t.Fatalf("Authenticate on another node = %+v, %v", p, err)
	}
	h.clock.advance(901 * time.Second)
	_, err = h.login(creds.AccessKeyId, creds.SecretAccessKey, creds.SessionToken)
	wantCode(t, err, "ExpiredToken", "The security token included in the request is expired")
}

func TestPrincipalTags(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	must(h.svc.CreateUser(ctx, h.root, &CreateUserInput{UserName: "alice", Tags: []Tag{{Key: "team", Value: "blue"}}}))
	k := must(h.svc.CreateAccessKey(ctx, h.root, &UserNameInput{UserName: "alice"})).AccessKey
	must(struct{}{}, h.svc.PutUserPolicy(ctx, h.root, &InlinePolicyInput{UserName: "alice", PolicyName: "abac",
		PolicyDocument: allow("sqs:SendMessage", "arn:aws:sqs:*:*:${aws:PrincipalTag/team}-*")}))
	p := h.mustLogin(k.AccessKeyId, k.SecretAccessKey, "")
	if err := h.svc.Authorize(p, Check{Action: "sqs:SendMessage", Resource: "arn:aws:sqs:us-east-1:123456789012:blue-q"}); err != nil {
		t.Errorf("on the team's queue: %v", err)
	}
	if err := h.svc.Authorize(p, Check{Action: "sqs:SendMessage", Resource: "arn:aws:sqs:us-east-1:123456789012:red-q"}); err == nil {
		t.Errorf("allowed on another team's queue")
	}
}

func TestDeniedForS3Anonymous(t *testing.T) {
	h := newHarness(t)
	err := h.svc.Authorize(AnonymousPrincipal(), Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"})
	d, ok := err.(*Denied)
	if !ok {
		t.Fatalf("Authorize = %v, want a *Denied", err)
	}
	if got := d.For(sigv4.S3); got.Code.Name != "AccessDenied" || got.Message != "Access Denied" {
		t.Errorf("S3 denial of an anonymous caller = %s %q", got.Code.Name, got.Message)
	}
}
