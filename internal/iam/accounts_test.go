package iam

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/nubo-dev/nubo/internal/store"
)

// Further accounts are known by their roots' credentials; their users and
// roles are their own.
func TestFurtherAccounts(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	const other = "111122223333"
	svc := must(New(ctx, h.kv, Options{Account: acct, RootAccessKeyID: rootKey, RootSecretAccessKey: rootSecret, Now: h.clock.Now,
		Accounts: []Account{{ID: other, AccessKeyID: "AKIAOTHER", SecretAccessKey: "other-secret"}}, Logger: slog.New(slog.DiscardHandler)}))
	root := must(svc.Authenticate(ctx, h.request("AKIAOTHER", "other-secret", "", "sts")))
	if root.Account != other || !root.IsRoot() || root.Arn != "arn:aws:iam::"+other+":root" {
		t.Fatalf("the other account's root: %+v", root)
	}
	must(svc.CreateUser(ctx, root, &CreateUserInput{UserName: "bob"}))
	if _, err := svc.GetUser(ctx, svc.Root(acct), &UserNameInput{UserName: "bob"}); err == nil {
		t.Error("the other account's user is this account's too")
	}
	if _, err := New(ctx, h.kv, Options{Account: acct, RootAccessKeyID: rootKey, Accounts: []Account{{ID: other, AccessKeyID: rootKey, SecretAccessKey: "x"}}}); err == nil {
		t.Error("two accounts with one access key")
	}
}

// RoleSession is the role's session with its policies, or none for a role
// that does not exist; CanAssume checks that a role exists and trusts a
// service.
func TestRoleSessionAndCanAssume(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	r := must(h.svc.CreateRole(ctx, h.root, &CreateRoleInput{RoleName: "exec", AssumeRolePolicyDocument: trustLambda})).Role
	must(struct{}{}, h.svc.PutRolePolicy(ctx, h.root, &InlinePolicyInput{RoleName: "exec", PolicyName: "p", PolicyDocument: allow("sqs:SendMessage", "*")}))
	p := must(h.svc.RoleSession(ctx, r.Arn, "fn"))
	if p.Arn != "arn:aws:sts::"+acct+":assumed-role/exec/fn" || p.IsRoot() {
		t.Fatalf("session %+v", p)
	}
	if err := h.svc.Authorize(p, Check{Action: "sqs:SendMessage", Resource: "arn:aws:sqs:us-east-1:" + acct + ":q"}); err != nil {
		t.Errorf("the role's policy: %v", err)
	}
	gone := must(h.svc.RoleSession(ctx, "arn:aws:iam::"+acct+":role/never", "fn"))
	wantCode(t, h.svc.Authorize(gone, Check{Action: "sqs:SendMessage", Resource: "*"}), "AccessDenied", "")
	canAssume := func(role, service string) bool {
		ok, err := h.svc.CanAssume(ctx, role, service)
		if err != nil {
			t.Fatalf("CanAssume(%s, %s): %v", role, service, err)
		}
		return ok
	}
	if !canAssume(r.Arn, "lambda.amazonaws.com") || canAssume(r.Arn, "ec2.amazonaws.com") ||
		canAssume("arn:aws:iam::"+acct+":role/never", "lambda.amazonaws.com") {
		t.Error("CanAssume")
	}
	// A store that cannot answer is not a role that does not exist: the
	// caller gets the store's error, to try again (a cluster's store
	// electing a leader after a node died).
	h.svc.kv = unavailableKV{h.kv}
	if ok, err := h.svc.CanAssume(ctx, r.Arn, "lambda.amazonaws.com"); ok || !store.Unchanged(err) {
		t.Errorf("CanAssume on an unavailable store: %v, %v", ok, err)
	}
	trustUser := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:user/someone"},"Action":"sts:AssumeRole"}]}`
	if _, err := h.svc.CreateRole(ctx, h.root, &CreateRoleInput{RoleName: "trusting", AssumeRolePolicyDocument: trustUser}); !store.Unchanged(err) {
		t.Errorf("CreateRole trusting a user, on an unavailable store: %v", err)
	}
}

// unavailableKV answers every read that the store is unavailable.
type unavailableKV struct{ store.KV }

func (unavailableKV) Get(context.Context, string) (store.Entry, error) {
	return store.Entry{}, store.Unavailable("no leader")
}

// MAC is the same for every Service over the same store, and differs by
// purpose.
func TestMAC(t *testing.T) {
	h := newHarness(t)
	other := must(New(context.Background(), h.kv, Options{Account: acct}))
	a, b := h.svc.MAC("links", []byte("m")), other.MAC("links", []byte("m"))
	if !bytes.Equal(a, b) || bytes.Equal(a, h.svc.MAC("other", []byte("m"))) {
		t.Error("MAC is not the server key's")
	}
}
