package apigateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/services/apigateway"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
)

// eventually waits up to thirty seconds for cond (a watch's delivery,
// which a loaded machine can delay for seconds).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 30 s", what)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// An API's route and a custom domain name's mapping created through one
// node are served by the other, and so are their deletions.
func TestNodeFollowsTheOther(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	st, err := natsstore.Open(ctx, natsstore.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	kv, err := st.KV(ctx, "apigateway")
	if err != nil {
		t.Fatal(err)
	}
	var nodes [2]*apigateway.Service
	for i := range nodes {
		if nodes[i], err = apigateway.New(ctx, kv, apigateway.Options{Account: "123456789012"}); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { cancel(); st.Close() })
	a, b := nodes[0], nodes[1]
	scope := apigateway.Scope{Account: "123456789012", Region: "us-east-1"}
	api, err := a.CreateApi(ctx, scope, &apigateway.CreateApiInput{Name: "shop", ProtocolType: "HTTP",
		RouteKey: "GET /a", Target: "https://example.com/a"}, "localhost")
	if err != nil {
		t.Fatal(err)
	}
	serves := func(path string) bool {
		v, err := b.View(ctx, scope.Region, api.ApiId, "$default")
		if err != nil || v == nil {
			return false
		}
		_, ok := v.Match("GET", path)
		return ok
	}
	if !serves("/a") { // read through: not cached yet
		t.Fatal("B does not serve A's new API")
	}
	for _, n := range nodes {
		if err := n.Follow(ctx, kv.(store.Watchable)); err != nil {
			t.Fatal(err)
		}
	}
	integ, err := a.CreateIntegration(ctx, scope, api.ApiId, &apigateway.IntegrationInput{IntegrationType: ptr("HTTP_PROXY"),
		IntegrationUri: ptr("https://example.com/b"), IntegrationMethod: ptr("ANY"), PayloadFormatVersion: ptr("1.0")})
	if err != nil {
		t.Fatal(err)
	}
	route, err := a.CreateRoute(ctx, scope, api.ApiId, &apigateway.RouteInput{RouteKey: ptr("GET /b"), Target: ptr("integrations/" + integ.IntegrationId)})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "B serves A's new route", func() bool { return serves("/b") })
	if err := a.DeleteRoute(ctx, scope, api.ApiId, route.RouteId); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B stops serving A's deleted route", func() bool { return !serves("/b") })

	if _, err := a.CreateDomainName(ctx, scope, &apigateway.DomainNameInput{DomainName: "api.example.com"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateApiMapping(ctx, scope, "api.example.com", &apigateway.ApiMappingInput{ApiId: &api.ApiId, Stage: ptr("$default"), ApiMappingKey: ptr("v1")}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B serves A's domain name through its mapping", func() bool {
		_, m, rest, ok := b.Mapped("api.example.com", "/v1/a")
		return ok && m.ApiId == api.ApiId && rest == "/a"
	})
	if err := b.DeleteDomainName(ctx, scope, "api.example.com"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "A forgets B's deleted domain name", func() bool { return !a.IsDomain("api.example.com") })
	if b.IsDomain("api.example.com") {
		t.Error("B serves the domain name it deleted")
	}
}
