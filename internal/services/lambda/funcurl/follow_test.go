package funcurl_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/lambda/funcurl"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
)

// anyFunction is a control plane where every function and alias exists.
type anyFunction struct{}

func (anyFunction) GetFunctionConfiguration(context.Context, lambda.Scope, lambda.FunctionRef) (*lambda.FunctionConfiguration, error) {
	return &lambda.FunctionConfiguration{}, nil
}

func (anyFunction) GetAlias(context.Context, lambda.Scope, lambda.FunctionRef, string) (*lambda.AliasConfiguration, error) {
	return &lambda.AliasConfiguration{}, nil
}

// hello is a function that answers "hello".
type hello struct{}

func (hello) Invoke(context.Context, *lambda.Invocation) (*lambda.Result, error) {
	return &lambda.Result{Payload: []byte(`{"statusCode": 200, "body": "hello"}`)}, nil
}

// A URL that one node served (and cached) is no longer served once
// another node deleted it.
func TestNodeFollowsTheOther(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	st, err := natsstore.Open(ctx, natsstore.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); st.Close() })
	kv, err := st.KV(ctx, "lambda-urls")
	if err != nil {
		t.Fatal(err)
	}
	var nodes [2]*funcurl.Service
	for i := range nodes {
		nodes[i] = funcurl.New(kv, anyFunction{}, hello{}, nil, funcurl.Options{Account: "123456789012"})
		if err := nodes[i].Follow(ctx, kv.(store.Watchable)); err != nil {
			t.Fatal(err)
		}
	}
	a, b := nodes[0], nodes[1]
	scope, ref := lambda.Scope{Account: "123456789012", Region: "us-east-1"}, lambda.FunctionRef{Name: "f"}
	cfg, err := a.Create(ctx, scope, ref, &funcurl.Input{AuthType: "NONE"}, "localhost")
	if err != nil {
		t.Fatal(err)
	}
	id, _, _ := strings.Cut(strings.TrimPrefix(cfg.FunctionUrl, "http://"), ".")
	status := func() int {
		w := httptest.NewRecorder()
		b.PathHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, funcurl.PathPrefix+id+"/", nil))
		return w.Code
	}
	if got := status(); got != http.StatusOK {
		t.Fatalf("B serves A's new URL with %d, want 200", got)
	}
	if err := a.Delete(ctx, scope, ref); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); status() != http.StatusNotFound; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("B still serves the URL A deleted after 10 s")
		}
	}
}
