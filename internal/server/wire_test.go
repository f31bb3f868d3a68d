package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Requests sent by hand, for what the SDK cannot or will not send, and the
// checks of AWS's error shape on the wire.

// signed asks do to sign a request by hand for service in n's region, with
// the root's credentials.
func (n *nubo) signed(service string) map[string]string { return signedFor(service) }

// signHeader is the header by which a test asks do to sign its request,
// and hostHeader the one by which it gives its Host.
const (
	signHeader = "X-Test-Sign"
	hostHeader = "X-Test-Host"
)

func signedFor(service string) map[string]string { return map[string]string{signHeader: service} }

// wireResponse is an HTTP response read in full.
type wireResponse struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request by hand, for what the SDK cannot or will not send.
func (n *nubo) do(t *testing.T, method, path string, header map[string]string, body []byte) wireResponse {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+n.addr+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if host := req.Header.Get(hostHeader); host != "" {
		req.Header.Del(hostHeader)
		req.Host = host
	}
	if service := req.Header.Get(signHeader); service != "" {
		req.Header.Del(signHeader)
		sum := sha256.Sum256(body)
		if service == "s3" { // S3 requires it on signed requests
			req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
		}
		err := s3Signer(service).SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"},
			req, hex.EncodeToString(sum[:]), service, n.region, time.Now())
		if err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read response: %v", method, path, err)
	}
	return wireResponse{status: resp.StatusCode, header: resp.Header, body: got}
}

// checkWireError asserts that resp is an AWS rest-json error: the status,
// X-Amzn-ErrorType, a request id, and a JSON body with Type and the message
// under both spellings AWS uses.
func checkWireError(t *testing.T, resp wireResponse, want apiError) {
	t.Helper()
	if resp.status != want.status {
		t.Errorf("status: got %d, want %d (%s)", resp.status, want.status, resp.body)
	}
	if got := resp.header.Get("X-Amzn-ErrorType"); got != want.code {
		t.Errorf("X-Amzn-ErrorType: got %q, want %q", got, want.code)
	}
	if resp.header.Get("X-Amzn-RequestId") == "" {
		t.Error("no x-amzn-RequestId")
	}
	if ct := resp.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type: got %q, want application/json", ct)
	}
	var body map[string]any
	if err := json.Unmarshal(resp.body, &body); err != nil {
		t.Fatalf("error body is not JSON: %v: %q", err, resp.body)
	}
	if body["Type"] != "User" {
		t.Errorf("Type: got %v, want User", body["Type"])
	}
	for _, key := range []string{"Message", "message"} {
		if msg, ok := body[key].(string); !ok || want.message != "" && msg != want.message {
			t.Errorf("%s: got %v, want %q", key, body[key], want.message)
		}
	}
}

// s3Signer is a SigV4 signer as the SDKs configure it for a service: S3's
// canonical path is its path as sent, not escaped again.
func s3Signer(service string) *v4.Signer {
	return v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" })
}
