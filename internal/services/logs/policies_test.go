package logs_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/iam/policy"
	"github.com/nubo-dev/nubo/internal/services/logs"
)

// Resource policies are stored, weighed together, limited to ten, and
// still there after a restart.
func TestResourcePolicies(t *testing.T) {
	ctx := context.Background()
	c := &clock{now: time.Now()}
	f := openStore(t, t.TempDir())
	s := f.open(t, c)
	doc := func(sid, group string) string {
		return `{"Version":"2012-10-17","Statement":{"Sid":"` + sid + `","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},` +
			`"Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:us-east-1:000000000000:log-group:` + group + `:*"}}`
	}
	if _, err := s.PutResourcePolicy(ctx, "events/to-logs", doc("a", "/aws/events/*")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutResourcePolicy(ctx, "other", doc("b", "/other")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutResourcePolicy(ctx, "bad", `{"Statement":[]}`); !errors.Is(err, logs.ErrPolicyInvalid) {
		t.Errorf("a malformed document: %v", err)
	}
	allowed := func(s *logs.Store, group string) bool {
		d, err := s.Policy()
		if err != nil || d == nil {
			t.Fatalf("Policy: %v %v", d, err)
		}
		r := &policy.Request{Caller: policy.Caller{Service: "events.amazonaws.com"}, Action: "logs:PutLogEvents",
			Resource: "arn:aws:logs:us-east-1:000000000000:log-group:" + group + ":*", Context: policy.Context{}}
		return d.Effects(r, true).Allow
	}
	if !allowed(s, "/aws/events/orders") || !allowed(s, "/other") || allowed(s, "/private") {
		t.Error("the policies together do not allow what they say")
	}
	if got := s.ResourcePolicies(); len(got) != 2 || got[0].Name != "events/to-logs" || got[0].Updated == 0 {
		t.Errorf("ResourcePolicies: %+v", got)
	}
	for i := range 8 {
		if _, err := s.PutResourcePolicy(ctx, fmt.Sprint("p", i), doc("c", "/x")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.PutResourcePolicy(ctx, "eleventh", doc("d", "/x")); !errors.Is(err, logs.ErrPolicyLimit) {
		t.Errorf("an eleventh policy: %v", err)
	}
	if err := s.DeleteResourcePolicy(ctx, "other"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteResourcePolicy(ctx, "other"); !errors.Is(err, logs.ErrPolicyNotFound) {
		t.Errorf("deleted twice: %v", err)
	}
	s2 := f.open(t, c)
	if got := s2.ResourcePolicies(); len(got) != 9 || !allowed(s2, "/aws/events/orders") || allowed(s2, "/other") {
		t.Errorf("after reopening: %d policies", len(got))
	}
}
