package iam

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/sigv4"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
)

const (
	acct       = "123456789012"
	rootKey    = "AKIAROOTROOTROOTROOT"
	rootSecret = "rootsecretrootsecretrootsecretrootsecret"
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type harness struct {
	t     *testing.T
	svc   *Service
	kv    store.KV
	clock *clock
	root  *Principal
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	ctx := context.Background()
	st, err := natsstore.Open(ctx, natsstore.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	kv, err := st.KV(ctx, "iam")
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{now: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	svc, err := New(ctx, kv, Options{Account: acct, RootAccessKeyID: rootKey, RootSecretAccessKey: rootSecret, Now: c.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, svc: svc, kv: kv, clock: c}
	h.root = svc.Root(acct)
	return h
}

// request is a request signed with the given credentials, as the AWS SDK
// signs it.
func (h *harness) request(id, secret, token, service string) *http.Request {
	h.t.Helper()
	body := `{}`
	r := httptest.NewRequest("POST", "http://localhost:4566/", strings.NewReader(body))
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: token},
		r, "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", service, "us-east-1", h.clock.Now())
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

// login authenticates a request signed with the credentials.
func (h *harness) login(id, secret, token string) (*Principal, error) {
	return h.svc.Authenticate(context.Background(), h.request(id, secret, token, "sts"))
}

func (h *harness) mustLogin(id, secret, token string) *Principal {
	h.t.Helper()
	p, err := h.login(id, secret, token)
	if err != nil {
		h.t.Fatalf("Authenticate: %v", err)
	}
	return p
}

// must returns v, and panics (failing the test) on err: for set-up steps
// that the test does not examine.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// codeOf is an error's AWS code and message ("" for nil).
func codeOf(err error) (string, string) {
	var ae *awserr.Error
	var se *sigv4.Error
	var de *Denied
	switch {
	case err == nil:
		return "", ""
	case errors.As(err, &ae):
		return ae.Code.Name, ae.Message
	case errors.As(err, &se):
		e := se.For(sigv4.Query)
		return e.Code.Name, e.Message
	case errors.As(err, &de):
		return "AccessDenied", de.Message
	}
	return "?", err.Error()
}

func wantCode(t *testing.T, err error, code, message string) {
	t.Helper()
	gotCode, gotMsg := codeOf(err)
	if gotCode != code || message != "" && gotMsg != message {
		t.Errorf("error = %s %q\nwant %s %q", gotCode, gotMsg, code, message)
	}
}

const (
	trustLambda = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	allowAll    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
)

func trustAWS(principal string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sts:AssumeRole"}]}`
}

func allow(action, resource string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":"` + resource + `"}]}`
}

// user creates a user with an access key and returns its credentials.
func (h *harness) user(name string) (id, secret string) {
	h.t.Helper()
	ctx := context.Background()
	must(h.svc.CreateUser(ctx, h.root, &CreateUserInput{UserName: name}))
	k := must(h.svc.CreateAccessKey(ctx, h.root, &UserNameInput{UserName: name}))
	return k.AccessKey.AccessKeyId, k.AccessKey.SecretAccessKey
}
