package gateway

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	ag "github.com/nubo-dev/nubo/internal/services/apigateway"
)

func TestPolicyResponses(t *testing.T) {
	arn := "arn:aws:execute-api:us-east-1:000000000000:abc/prod/GET/items/7"
	tests := []struct {
		policy string
		want   bool
	}{
		{`{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"` + arn + `"}`, true},
		{`{"Effect":"Allow","Action":["execute-api:*"],"Resource":["arn:aws:execute-api:us-east-1:000000000000:abc/*"]}`, true},
		{`{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:000000000000:abc/prod/GET/items/?"}`, true},
		{`{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:000000000000:abc/prod/POST/*"}`, false},
		{`{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"` + arn + `"}`, false},
		{`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`, false},
	}
	for _, tt := range tests {
		r, err := parseAuthResult([]byte(`{"principalId":"p","policyDocument":{"Version":"2012-10-17","Statement":[`+tt.policy+`]},"context":{"k":"v"}}`), false)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.allows(arn); got != tt.want || r.context["k"] != "v" {
			t.Errorf("%s: %v, want %v", tt.policy, got, tt.want)
		}
	}
	if _, err := parseAuthResult([]byte(`{"isAuthorized":true}`), false); err == nil {
		t.Error("a simple response to a policy authorizer")
	}
	if r, err := parseAuthResult([]byte(`{"isAuthorized":false,"context":{}}`), true); err != nil || r.allows(arn) {
		t.Errorf("simple deny: %v %+v", err, r)
	}
}

func TestWildcard(t *testing.T) {
	for _, tt := range []struct {
		p, s string
		want bool
	}{
		{"*", "", true}, {"a*c", "abbbc", true}, {"a*c", "abbb", false}, {"a?c", "abc", true}, {"a?c", "ac", false},
		{"*/GET/*", "x/GET/y/z", true}, {"**", "x", true}, {"a*b*c", "axxbyyc", true}, {"a*b*c", "axxbyy", false},
	} {
		if got := wildcard(tt.p, tt.s); got != tt.want {
			t.Errorf("wildcard(%q, %q) = %v", tt.p, tt.s, got)
		}
	}
}

// clock is a test's time.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestThrottleBuckets(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	th := newThrottles(c.now)
	burst, rate := 2, 1.0
	e := &entry{region: "r", apiID: "a", view: &ag.View{Stage: &ag.Stage{StageName: "s",
		DefaultRouteSettings: &ag.RouteSettings{ThrottlingBurstLimit: &burst, ThrottlingRateLimit: &rate}}}}
	var got []bool
	for i := 0; i < 3; i++ {
		got = append(got, th.allow(e, "GET /"))
	}
	c.t = c.t.Add(time.Second) // one token back
	got = append(got, th.allow(e, "GET /"), th.allow(e, "GET /"))
	want := []bool{true, true, false, true, false}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("allowed %v, want %v", got, want)
		}
	}
	if !th.allow(e, "POST /") {
		t.Error("another route shares the bucket")
	}
}

func TestAuthCacheExpires(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	ac := newAuthCache(c.now)
	ac.put("r\x00a\x00s\x00id\x00tok", &authResult{simple: true, authorized: true}, time.Minute)
	if ac.get("r\x00a\x00s\x00id\x00tok") == nil {
		t.Fatal("not cached")
	}
	c.t = c.t.Add(time.Minute)
	if ac.get("r\x00a\x00s\x00id\x00tok") != nil {
		t.Error("cached past its TTL")
	}
	ac.put("r\x00a\x00s\x00id\x00tok", &authResult{}, time.Hour)
	ac.reset("r", "a", "s")
	if ac.get("r\x00a\x00s\x00id\x00tok") != nil {
		t.Error("reset kept it")
	}
}

func FuzzAuthorizerResponse(f *testing.F) {
	f.Add([]byte(`{"isAuthorized":true,"context":{"a":1}}`), true)
	f.Add([]byte(`{"principalId":"x","policyDocument":{"Statement":[{"Effect":"Allow","Action":["execute-api:Invoke"],"Resource":"*"}]}}`), false)
	f.Add([]byte(`{"policyDocument":{"Statement":[{"Action":{},"Resource":[1,"*"]}]}}`), false)
	f.Fuzz(func(t *testing.T, payload []byte, simple bool) {
		r, err := parseAuthResult(payload, simple)
		if err != nil {
			return
		}
		r.allows("arn:aws:execute-api:us-east-1:000000000000:abc/prod/GET/x")
	})
}

// keysFrom is an HTTP client whose every answer is body.
type keysFrom string

func (k keysFrom) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(string(k))), Header: http.Header{}}, nil
}

// FuzzJWT verifies arbitrary tokens against an issuer whose configuration
// and keys are whatever the fuzzer says: a token is refused or valid,
// never a panic.
func FuzzJWT(f *testing.F) {
	f.Add("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJodHRwOi8vaSIsImF1ZCI6ImEifQ.c2ln", `{"jwks_uri":"http://i/k","keys":[{"kty":"RSA","kid":"k1","n":"AQAB","e":"AQAB"}]}`)
	f.Add("a.b.c", `{}`)
	f.Fuzz(func(t *testing.T, raw, jwks string) {
		ks := newKeySets(&http.Client{Transport: keysFrom(jwks)}, time.Now)
		tok, err := ks.verify(context.Background(), raw, &ag.JWTConfiguration{Issuer: "http://i", Audience: []string{"a"}}, time.Unix(1, 0))
		if err == nil && tok == nil {
			t.Fatal("no token and no error")
		}
	})
}
