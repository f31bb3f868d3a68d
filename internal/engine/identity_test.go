package engine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// roles is an Identity that mints numbered credentials valid for
// lifetime, or none (as for a role nubo does not verify), or fails.
type roles struct {
	mu       sync.Mutex
	minted   int
	lifetime time.Duration
	none     bool
	fail     error
}

func (r *roles) Credentials(ctx context.Context, scope lambda.Scope, cfg *lambda.FunctionConfiguration) (Credentials, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil || r.none {
		return Credentials{}, r.fail
	}
	r.minted++
	return Credentials{AccessKeyID: fmt.Sprintf("ASIA%d", r.minted), SecretAccessKey: "secret", SessionToken: "token-of-" + cfg.Role,
		Expiration: time.Now().Add(r.lifetime)}, nil
}

func (r *roles) API(scope lambda.Scope, cfg *lambda.FunctionConfiguration) http.Handler {
	return http.NotFoundHandler()
}

// Every environment gets its role's credentials, and no longer serves
// once they are within renewBefore of expiring: the next invocation gets
// an environment with fresh ones.
func TestEnvironmentsActAsTheirRole(t *testing.T) {
	id := &roles{lifetime: 12 * time.Hour}
	h := newHarness(t, func(o *Options) { o.Identity = id })
	cfg := function("withrole")
	cfg.Role = "arn:aws:iam::000000000000:role/r"
	_, first := h.invoke(request(cfg, map[string]any{"op": "env"}))
	if first.Env["AWS_ACCESS_KEY_ID"] != "ASIA1" || first.Env["AWS_SESSION_TOKEN"] != "token-of-"+cfg.Role || first.Env["AWS_SECRET_ACCESS_KEY"] != "secret" {
		t.Fatalf("credentials in the environment: %v", first.Env)
	}
	_, again := h.invoke(request(cfg, map[string]any{"op": "env"}))
	if again.Env["AWS_ACCESS_KEY_ID"] != "ASIA1" {
		t.Errorf("a warm environment got new credentials: %s", again.Env["AWS_ACCESS_KEY_ID"])
	}

	id.mu.Lock()
	id.lifetime = renewBefore // expiring as soon as they are given
	id.mu.Unlock()
	short := function("shortlived")
	_, one := h.invoke(request(short, map[string]any{"op": "env"}))
	_, two := h.invoke(request(short, map[string]any{"op": "env"}))
	if one.Env["AWS_ACCESS_KEY_ID"] == two.Env["AWS_ACCESS_KEY_ID"] {
		t.Errorf("an environment whose credentials expire took another invocation: %s", two.Env["AWS_ACCESS_KEY_ID"])
	}
}

// A function without credentials (its role is not verified, and need
// not exist) keeps its warm environment: with no expiry there is nothing
// to retire it for (it was retired at once, so every invocation was a
// cold start).
func TestEnvironmentsWithoutCredentialsStayWarm(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.Identity = &roles{none: true} })
	cfg := function("norolecreds")
	_, first := h.invoke(request(cfg, map[string]any{"op": "env"}))
	if first.Env["AWS_ACCESS_KEY_ID"] != "" {
		t.Fatalf("credentials in the environment: %v", first.Env)
	}
	_, again := h.invoke(request(cfg, map[string]any{"op": "env"}))
	if again.PID != first.PID {
		t.Fatalf("the second invocation ran in pid %d, want the warm pid %d", again.PID, first.PID)
	}
}

// A role that cannot be assumed fails the invocation with the identity's
// error, before any sandbox starts.
func TestUnassumableRoleFailsInvocations(t *testing.T) {
	refused := errors.New("the role defined for the function cannot be assumed")
	h := newHarness(t, func(o *Options) { o.Identity = &roles{fail: refused} })
	_, err := h.eng.Invoke(context.Background(), request(function("norole"), map[string]any{}))
	if !errors.Is(err, refused) {
		t.Fatalf("invoke: %v, want %v", err, refused)
	}
}
