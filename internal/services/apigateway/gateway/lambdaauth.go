package gateway

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/frontdoor"
	ag "github.com/nubo-dev/nubo/internal/services/apigateway"
	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// authResult is what a Lambda authorizer answered: a simple yes or no, or
// a policy evaluated against each request's route ARN; and its context.
type authResult struct {
	simple     bool
	authorized bool
	statements []statement
	context    map[string]any
}

type statement struct {
	allow     bool
	actions   []string
	resources []string
}

// authCache keeps Lambda authorizers' results for their TTL, by stage,
// authorizer and identity.
type authCache struct {
	now     func() time.Time
	mu      sync.Mutex
	entries map[string]cached
}

type cached struct {
	result  *authResult
	expires time.Time
}

func newAuthCache(now func() time.Time) *authCache {
	return &authCache{now: now, entries: map[string]cached{}}
}

func (c *authCache) get(key string) *authResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return nil
	}
	if !c.now().Before(e.expires) {
		delete(c.entries, key)
		return nil
	}
	return e.result
}

// maxCached bounds the cache; past it, expired entries go, then all.
const maxCached = 10000

func (c *authCache) put(key string, r *authResult, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxCached {
		now := c.now()
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxCached {
			clear(c.entries)
		}
	}
	c.entries[key] = cached{result: r, expires: c.now().Add(ttl)}
}

// reset forgets a stage's results (ResetAuthorizersCache).
func (c *authCache) reset(region, apiID, stage string) {
	prefix := region + "\x00" + apiID + "\x00" + stage + "\x00"
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.entries {
		if strings.HasPrefix(k, prefix) {
			delete(c.entries, k)
		}
	}
}

// authorizeLambda runs a Lambda REQUEST authorizer, or takes its cached
// result: a missing identity source is a 401, a refusal a 403, a failing
// authorizer a 500; an allowed request carries the authorizer's context
// to the integration.
func (x *exchange) authorizeLambda(a *ag.Authorizer) bool {
	identity, ok := x.identity(a)
	if !ok {
		x.authorizerError = "an identity source is missing"
		x.fail(frontdoor.Unauthorized, "")
		return false
	}
	ttl := 0
	if a.AuthorizerResultTtlInSeconds != nil {
		ttl = *a.AuthorizerResultTtlInSeconds
	}
	key := x.e.region + "\x00" + x.e.apiID + "\x00" + x.e.view.Stage.StageName + "\x00" + a.AuthorizerId + "\x00" + strings.Join(identity, "\x00")
	result := (*authResult)(nil)
	if ttl > 0 {
		result = x.g.authCache.get(key)
	}
	if result == nil {
		var err error
		if result, err = x.callAuthorizer(a, identity); err != nil {
			x.authorizerError = err.Error()
			x.fail(frontdoor.InternalError, "")
			return false
		}
		if ttl > 0 {
			x.g.authCache.put(key, result, time.Duration(ttl)*time.Second)
		}
	}
	if !result.allows(x.routeArn()) {
		x.fail(frontdoor.Forbidden, "")
		return false
	}
	x.req.Authorizer = &frontdoor.Authorizer{Lambda: result.context}
	if x.req.Authorizer.Lambda == nil {
		x.req.Authorizer.Lambda = map[string]any{}
	}
	return true
}

// callAuthorizer invokes the authorizer's function with the request in
// its payload format and reads its answer.
func (x *exchange) callAuthorizer(a *ag.Authorizer, identity []string) (*authResult, error) {
	arn, _ := ag.FunctionOf(a.AuthorizerUri)
	ref, err := lambda.ParseFunctionRef(arn, 256)
	if err != nil {
		return nil, err
	}
	build := frontdoor.AuthorizerEventV2
	if a.AuthorizerPayloadFormatVersion == "1.0" {
		build = frontdoor.AuthorizerEventV1
	}
	event, err := build(x.req, x.routeArn(), identity)
	if err != nil {
		return nil, err
	}
	inv := &lambda.Invocation{Scope: lambda.Scope{Account: x.g.opts.Account, Region: ref.Region},
		Function: lambda.FunctionRef{Name: ref.Name, Qualifier: ref.Qualifier}, Payload: event, TraceID: x.r.Header.Get("X-Amzn-Trace-Id")}
	if err := x.g.iam.AllowInvoke(x.r.Context(), inv.Function, inv.Scope, x.authorizerArn(a)); err != nil {
		return nil, fmt.Errorf("invalid permissions on the authorizer's function: %w", err)
	}
	res, err := x.g.invoker.Invoke(x.r.Context(), inv)
	if err != nil {
		return nil, err
	}
	if res.FunctionError != "" {
		return nil, errAuthorizerFailed
	}
	return parseAuthResult(res.Payload, a.EnableSimpleResponses)
}

var errAuthorizerFailed = authError("the authorizer function failed")

type authError string

func (e authError) Error() string { return string(e) }

// parseAuthResult reads a simple response ({"isAuthorized", "context"})
// or an IAM policy response ({"principalId", "policyDocument", "context"}).
func parseAuthResult(payload []byte, simple bool) (*authResult, error) {
	var out struct {
		IsAuthorized   *bool          `json:"isAuthorized"`
		Context        map[string]any `json:"context"`
		PolicyDocument *struct {
			Statement []struct {
				Effect   string `json:"Effect"`
				Action   any    `json:"Action"`
				Resource any    `json:"Resource"`
			} `json:"Statement"`
		} `json:"policyDocument"`
	}
	if err := json.Unmarshal(payload, &out); err != nil {
		return nil, authError("the authorizer's response is not JSON")
	}
	if simple {
		if out.IsAuthorized == nil {
			return nil, authError("the authorizer's simple response has no isAuthorized")
		}
		return &authResult{simple: true, authorized: *out.IsAuthorized, context: out.Context}, nil
	}
	if out.PolicyDocument == nil {
		return nil, authError("the authorizer's response has no policyDocument")
	}
	r := &authResult{context: out.Context}
	for _, st := range out.PolicyDocument.Statement {
		r.statements = append(r.statements, statement{allow: strings.EqualFold(st.Effect, "Allow"), actions: strs(st.Action), resources: strs(st.Resource)})
	}
	return r, nil
}

func strs(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, s := range v {
			if s, ok := s.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// allows decides a request to routeArn: a simple response's answer, or a
// policy that allows execute-api:Invoke on it and denies nothing of it.
func (r *authResult) allows(routeArn string) bool {
	if r.simple {
		return r.authorized
	}
	allowed := false
	for _, st := range r.statements {
		if !anyMatch(st.actions, "execute-api:Invoke") && !anyMatch(st.actions, "execute-api:invoke") || !anyMatch(st.resources, routeArn) {
			continue
		}
		if !st.allow {
			return false
		}
		allowed = true
	}
	return allowed
}

// anyMatch reports whether a pattern (with IAM's * and ? wildcards)
// matches s.
func anyMatch(patterns []string, s string) bool {
	for _, p := range patterns {
		if wildcard(p, s) {
			return true
		}
	}
	return false
}

// wildcard matches s against p, where * is any run of characters and ?
// any one, by backtracking over the last *.
func wildcard(p, s string) bool {
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi, mark = star+1, mark+1
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
