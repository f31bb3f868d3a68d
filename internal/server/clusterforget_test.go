package server_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/nubo-dev/nubo/internal/server"
)

// nubo cluster forget's endpoint: signed only (it changes the cluster),
// answered on a single node with what it is, and routed apart from the
// status endpoint whose prefix it has.
func TestClusterForgetEndpoint(t *testing.T) {
	n := startNubo(t, "")
	call := func(method, path string, sign bool) (int, string) {
		t.Helper()
		r, err := http.NewRequest(method, "http://"+n.addr+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if sign {
			const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
			creds := aws.Credentials{AccessKeyID: server.DefaultRootKey, SecretAccessKey: server.DefaultRootKey}
			if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, emptySHA256, "nubo", n.region, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	forget := server.ClusterForgetPath + "?node=n3"
	if code, _ := call(http.MethodPost, forget, false); code != http.StatusForbidden {
		t.Errorf("unsigned forget from loopback: %d, want 403", code)
	}
	if code, body := call(http.MethodPost, forget, true); code != http.StatusBadRequest || !strings.Contains(body, "single node") {
		t.Errorf("forget on a single node: %d %q, want 400", code, body)
	}
	if code, body := call(http.MethodGet, server.ClusterPath, false); code != http.StatusOK || !strings.Contains(body, `"store"`) {
		t.Errorf("status beside forget: %d %q", code, body)
	}
}
