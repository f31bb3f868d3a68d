package events_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/services/events"
)

// endpoint is an HTTP server on loopback that records requests and, for
// OAuth, hands out tokens.
type endpoint struct {
	*httptest.Server
	mu       sync.Mutex
	requests []*http.Request
	bodies   []string
	tokens   int
	status   int
}

func newEndpoint(t *testing.T) *endpoint {
	e := &endpoint{status: 200}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		body, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		defer e.mu.Unlock()
		if r.URL.Path == "/oauth" {
			if user, pass, ok := r.BasicAuth(); !ok || user != "client" || pass != "s3cret" || r.FormValue("grant_type") != "client_credentials" || r.FormValue("audience") != "api" {
				w.WriteHeader(401)
				return
			}
			e.tokens++
			json.NewEncoder(w).Encode(map[string]any{"access_token": "tok", "expires_in": 3600})
			return
		}
		e.requests = append(e.requests, r)
		e.bodies = append(e.bodies, string(body))
		w.WriteHeader(e.status)
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *endpoint) taken() ([]*http.Request, []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, b := e.requests, e.bodies
	e.requests, e.bodies = nil, nil
	return r, b
}

func TestAPIDestinationsWithEachAuthorization(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ep := newEndpoint(t)
	conns := map[string]*events.AuthParameters{
		"API_KEY": {ApiKeyAuthParameters: &events.APIKeyAuth{ApiKeyName: "X-Api-Key", ApiKeyValue: "k"},
			InvocationHttpParameters: &events.HTTPParameters{HeaderParameters: []events.Parameter{{Key: "X-Team", Value: "a"}}}},
		"BASIC": {BasicAuthParameters: &events.BasicAuth{Username: "u", Password: "p"}},
		"OAUTH_CLIENT_CREDENTIALS": {OAuthParameters: &events.OAuth{AuthorizationEndpoint: ep.URL + "/oauth", HttpMethod: "POST",
			ClientParameters:    &events.OAuthClient{ClientID: "client", ClientSecret: "s3cret"},
			OAuthHttpParameters: &events.HTTPParameters{BodyParameters: []events.Parameter{{Key: "audience", Value: "api"}}}}},
	}
	f.putRule("r", "", `{"source": ["shop"]}`)
	var ts []events.Target
	for authType, params := range conns {
		c, err := f.svc.CreateConnection(ctx, region, events.ConnectionInput{Name: "c-" + authType[:5], AuthorizationType: authType, AuthParameters: params})
		if err != nil {
			t.Fatal(err)
		}
		d, err := f.svc.CreateApiDestination(ctx, region, events.DestinationInput{Name: "d-" + authType[:5], ConnectionArn: c.ConnectionArn,
			InvocationEndpoint: ep.URL + "/hook/*", HttpMethod: "POST"})
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, events.Target{Id: authType[:5], Arn: d.ApiDestinationArn,
			HttpParameters: &events.HttpParameters{PathParameterValues: []string{authType}, QueryStringParameters: map[string]string{"q": "1"}}})
	}
	f.putTargets("r", "", ts...)
	desc, _ := f.svc.DescribeConnection(ctx, region, "c-API_K")
	if desc.AuthParameters.ApiKeyAuthParameters.ApiKeyValue != "" || desc.ConnectionState != "AUTHORIZED" {
		t.Errorf("describe shows the secret or the state is wrong: %+v", desc)
	}
	if d, _ := f.svc.DescribeApiDestination(ctx, region, "d-OAUTH"); d.ApiDestinationState != "INACTIVE" {
		t.Errorf("an OAuth destination before its first token: %s", d.ApiDestinationState)
	}
	f.putEvents(order(`{"n": 1}`))
	f.advance(0)
	reqs, bodies := ep.taken()
	if len(reqs) != 3 {
		t.Fatalf("%d requests", len(reqs))
	}
	for i, r := range reqs {
		if r.URL.Query().Get("q") != "1" || r.Header.Get("Content-Type") != "application/json; charset=utf-8" || envelope(t, []byte(bodies[i]))["source"] != "shop" {
			t.Errorf("request %s %v: %s", r.URL, r.Header, bodies[i])
		}
		switch r.URL.Path {
		case "/hook/API_KEY":
			if r.Header.Get("X-Api-Key") != "k" || r.Header.Get("X-Team") != "a" {
				t.Errorf("API key request headers %v", r.Header)
			}
		case "/hook/BASIC":
			if u, p, ok := r.BasicAuth(); !ok || u != "u" || p != "p" {
				t.Errorf("basic request headers %v", r.Header)
			}
		case "/hook/OAUTH_CLIENT_CREDENTIALS":
			if r.Header.Get("Authorization") != "Bearer tok" {
				t.Errorf("OAuth request headers %v", r.Header)
			}
		default:
			t.Errorf("request to %s", r.URL.Path)
		}
	}
	if d, _ := f.svc.DescribeApiDestination(ctx, region, "d-OAUTH"); d.ApiDestinationState != "ACTIVE" {
		t.Errorf("an OAuth destination with a token: %s", d.ApiDestinationState)
	}
}

func TestAPIDestinationRateAndErrors(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ep := newEndpoint(t)
	c, _ := f.svc.CreateConnection(ctx, region, events.ConnectionInput{Name: "c", AuthorizationType: "API_KEY",
		AuthParameters: &events.AuthParameters{ApiKeyAuthParameters: &events.APIKeyAuth{ApiKeyName: "k", ApiKeyValue: "v"}}})
	rate := int32(2)
	d, err := f.svc.CreateApiDestination(ctx, region, events.DestinationInput{Name: "d", ConnectionArn: c.ConnectionArn,
		InvocationEndpoint: ep.URL, HttpMethod: "PUT", InvocationRateLimitPerSecond: &rate})
	if err != nil {
		t.Fatal(err)
	}
	f.putRule("r", "", `{"source": ["shop"]}`)
	f.putTargets("r", "", events.Target{Id: "d", Arn: d.ApiDestinationArn, DeadLetterConfig: &events.DeadLetterConfig{Arn: dlq}})
	for range 5 {
		f.putEvents(order(`{}`))
	}
	f.advance(0)
	if reqs, _ := ep.taken(); len(reqs) != 2 {
		t.Fatalf("%d requests in the first instant at 2 a second", len(reqs))
	}
	if f.metrics.get(events.MetricThrottledRules, "r") != 3 {
		t.Errorf("throttled %v", f.metrics.n)
	}
	f.advance(2 * time.Second)
	if reqs, _ := ep.taken(); len(reqs) != 3 {
		t.Fatalf("%d requests once their slots came", len(reqs))
	}
	ep.mu.Lock()
	ep.status = 400
	ep.mu.Unlock()
	f.putEvents(order(`{}`))
	f.advance(0)
	got := f.targets.to(dlq)
	if len(got) != 1 || got[0].Attributes["ERROR_CODE"].StringValue != "ERROR_FROM_TARGET" {
		t.Fatalf("a 400 is not retried: %+v", got)
	}
	_, err = f.svc.CreateApiDestination(ctx, region, events.DestinationInput{Name: "x", ConnectionArn: "invalid-connection-arn",
		InvocationEndpoint: "https://example.com", HttpMethod: "INVALID_METHOD"})
	want := `ValidationException: 2 validation errors detected: Value 'invalid-connection-arn' at 'connectionArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws([a-z]|\-)*:events:([a-z]|\d|\-)*:([0-9]{12})?:connection\/[\.\-_A-Za-z0-9]+\/[\-A-Za-z0-9]+$; Value 'INVALID_METHOD' at 'httpMethod' failed to satisfy constraint: Member must satisfy enum value set: [HEAD, POST, PATCH, DELETE, PUT, GET, OPTIONS]`
	if err == nil || err.Error() != want {
		t.Errorf("invalid destination: %v", err)
	}
}
