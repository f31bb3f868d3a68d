package wire_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/nubo-dev/nubo/internal/iam"
	"github.com/nubo-dev/nubo/internal/iam/policy"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
	"github.com/nubo-dev/nubo/internal/wire"
)

const (
	acct       = "111111111111"
	otherAcct  = "222222222222"
	rootID     = "AKIAROOTROOTROOTROOT"
	rootSecret = "root-secret-root-secret-root-secret-0000"
)

// thing names a resource of the example service.
type thing struct {
	Name string `json:"Name"`
}

func (in *thing) Resource(ctx context.Context) string {
	if in.Name == "" || strings.HasPrefix(in.Name, "arn:") {
		return in.Name
	}
	c := wire.CallOf(ctx)
	return "arn:aws:example:" + c.Region + ":" + c.Account + ":thing/" + in.Name
}

// guarded is a service of every protocol family whose operations declare
// their resources, and a router that guards it.
type guarded struct {
	t      *testing.T
	iam    *iam.Service
	router *wire.Router
	// alice is a user allowed example:Get on thing/a and nothing else.
	aliceID, aliceSecret string
	// thingPolicy is the resource policy of thing/shared.
	thingPolicy *policy.Document
}

func newGuarded(t *testing.T, verify bool) *guarded {
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
	svc, err := iam.New(ctx, kv, iam.Options{Account: acct, RootAccessKeyID: rootID, RootSecretAccessKey: rootSecret,
		Accounts: []iam.Account{{ID: otherAcct, AccessKeyID: "AKIAOTHEROTHEROTHER0", SecretAccessKey: "other-secret"}},
		Logger:   slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	g := &guarded{t: t, iam: svc}
	root := svc.Root(acct)
	if _, err := svc.CreateUser(ctx, root, &iam.CreateUserInput{UserName: "alice"}); err != nil {
		t.Fatal(err)
	}
	allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"example:Get","Resource":"arn:aws:example:*:*:thing/a"}]}`
	if err := svc.PutUserPolicy(ctx, root, &iam.InlinePolicyInput{UserName: "alice", PolicyName: "a", PolicyDocument: allow}); err != nil {
		t.Fatal(err)
	}
	key, err := svc.CreateAccessKey(ctx, root, &iam.UserNameInput{UserName: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	g.aliceID, g.aliceSecret = key.AccessKey.AccessKeyId, key.AccessKey.SecretAccessKey
	g.thingPolicy, err = policy.Parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+otherAcct+
		`"},"Action":"example:Get","Resource":"*"}]}`, policy.Resource)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	g.router = wire.NewRouter("us-east-1", log)
	g.router.Guard(wire.Guard{Authority: svc, Verify: verify, Root: root, Hosts: []string{"nubo.example"}})
	get := func(ctx context.Context, in *thing) (*thing, error) { return in, nil }
	ops := []wire.Op{
		wire.Operation("Get", get),
		wire.Operation("Fetch", get).Action("example:Get"),
		wire.Operation("List", func(ctx context.Context, in *struct{}) (*thing, error) { return &thing{}, nil }).AnyResource(),
		wire.Operation("Confirm", get).Unsigned(),
	}
	policies := func(ctx context.Context, arn string) (*policy.Document, string, error) {
		if strings.HasSuffix(arn, ":thing/shared") {
			return g.thingPolicy, "", nil
		}
		return nil, "", nil
	}
	g.router.Handle(&wire.Service{Name: "example", JSON: &wire.JSONProtocol{Target: "Example_2020", Version: "1.0"},
		Ops: ops, ResourcePolicy: policies, Unsigned: []string{"/_confirm/"}, Log: log})
	g.router.Handle(&wire.Service{Name: "queryish", IAMPrefix: "example", Query: &wire.QueryProtocol{Namespace: "http://example.com/"},
		Ops: ops, Log: log})
	routes := []wire.Route{
		{Pattern: "GET /things/{name}", Operation: "Get", Handle: func(w http.ResponseWriter, r *http.Request) error {
			if err := wire.Authorize(r.Context(), "arn:aws:example:us-east-1:"+acct+":thing/"+r.PathValue("name")); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}},
		{Pattern: "GET /things", Operation: "List", AnyResource: true, Handle: func(w http.ResponseWriter, r *http.Request) error {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}},
		{Pattern: "GET /forgotten", Operation: "Forget", Handle: func(w http.ResponseWriter, r *http.Request) error {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}},
	}
	g.router.Handle(&wire.Service{Name: "resty", IAMPrefix: "example", Paths: []string{"/things", "/forgotten"},
		REST: &wire.RESTProtocol{Routes: routes}, Log: log})
	g.router.HandlePath("/_nubo/public", okHandler(), wire.PathAccess{Public: true})
	g.router.HandlePath("/_nubo/metrics", okHandler(), wire.PathAccess{Action: "example:List", Loopback: true})
	g.router.HandlePath("/_nubo/secret", okHandler(), wire.PathAccess{Action: "example:Get", Resource: func(*http.Request) string {
		return "arn:aws:example:us-east-1:" + acct + ":thing/secret"
	}})
	return g
}

func okHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
}

// request is a request to the router, signed by id and secret for service
// (unsigned when id is "").
func (g *guarded) request(method, path, body, service, id, secret string, header ...string) *http.Request {
	g.t.Helper()
	r := httptest.NewRequest(method, "http://127.0.0.1:4566"+path, strings.NewReader(body))
	r.RemoteAddr = "192.0.2.1:1234"
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			r.Host = header[i+1]
			continue
		}
		r.Header.Set(header[i], header[i+1])
	}
	if id != "" {
		sum := sha256.Sum256([]byte(body))
		err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret},
			r, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now())
		if err != nil {
			g.t.Fatal(err)
		}
	}
	return r
}

func (g *guarded) serve(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	g.router.ServeHTTP(w, r)
	return w
}

func jsonCall(op string) []string {
	return []string{"X-Amz-Target", "Example_2020." + op, "Content-Type", "application/x-amz-json-1.0"}
}

// wantAnswer checks a response's status and that its body (or its
// rest-json error type) holds want.
func wantAnswer(t *testing.T, what string, w *httptest.ResponseRecorder, status int, want string) {
	t.Helper()
	if w.Code != status || !strings.Contains(w.Header().Get("X-Amzn-ErrorType")+" "+w.Body.String(), want) {
		t.Errorf("%s: %d %s; want %d with %q", what, w.Code, w.Body, status, want)
	}
}

// Every family names an authentication failure its own way.
func TestAuthenticationFailuresPerFamily(t *testing.T) {
	g := newGuarded(t, true)
	cases := []struct {
		name, method, path, body, service string
		header                            []string
		id, secret                        string
		status                            int
		want                              string
	}{
		{"json, right key", "POST", "/", `{"Name":"a"}`, "example", jsonCall("Get"), g.aliceID, g.aliceSecret, 200, `"Name":"a"`},
		{"json, wrong secret", "POST", "/", `{"Name":"a"}`, "example", jsonCall("Get"), g.aliceID, "wrong", 400, "InvalidSignatureException"},
		{"json, unknown key", "POST", "/", `{"Name":"a"}`, "example", jsonCall("Get"), "AKIANOSUCHKEY0000000", "x", 400, "UnrecognizedClientException"},
		{"json, unsigned", "POST", "/", `{"Name":"a"}`, "", jsonCall("Get"), "", "", 403, "MissingAuthenticationTokenException"},
		{"query, wrong secret", "POST", "/", "Action=Get&Name=a", "queryish", []string{"Content-Type", "application/x-www-form-urlencoded"}, g.aliceID, "wrong", 403, "<Code>SignatureDoesNotMatch</Code>"},
		{"query, unknown key", "POST", "/", "Action=Get&Name=a", "queryish", []string{"Content-Type", "application/x-www-form-urlencoded"}, "AKIANOSUCHKEY0000000", "x", 403, "<Code>InvalidClientTokenId</Code>"},
		{"rest, wrong secret", "GET", "/things/a", "", "resty", nil, g.aliceID, "wrong", 403, "InvalidSignatureException"},
		{"rest, unknown key", "GET", "/things/a", "", "resty", nil, "AKIANOSUCHKEY0000000", "x", 403, "UnrecognizedClientException"},
		{"rest, unsigned", "GET", "/things/a", "", "", nil, "", "", 403, "MissingAuthenticationTokenException"},
	}
	for _, c := range cases {
		w := g.serve(g.request(c.method, c.path, c.body, c.service, c.id, c.secret, c.header...))
		wantAnswer(t, c.name, w, c.status, c.want)
	}
}

// Operations are authorised with their action on the resource their input
// names, and refused in each family's words.
func TestOperationsAreAuthorised(t *testing.T) {
	g := newGuarded(t, true)
	form := []string{"Content-Type", "application/x-www-form-urlencoded"}
	denied := "User: arn:aws:iam::" + acct + ":user/alice is not authorized to perform: example:Get on resource: arn:aws:example:us-east-1:" + acct + ":thing/b because no identity-based policy allows the example:Get action"
	cases := []struct {
		name, method, path, body, service string
		header                            []string
		status                            int
		want                              string
	}{
		{"allowed resource", "POST", "/", `{"Name":"a"}`, "example", jsonCall("Get"), 200, `"Name":"a"`},
		{"other resource", "POST", "/", `{"Name":"b"}`, "example", jsonCall("Get"), 400, `{"__type":"AccessDeniedException","message":"` + denied + `"}`},
		{"declared action", "POST", "/", `{"Name":"a"}`, "example", jsonCall("Fetch"), 200, `"Name":"a"`},
		{"no resource named", "POST", "/", `{}`, "example", jsonCall("Get"), 400, "not authorized to perform: example:Get because"},
		{"any resource, not allowed", "POST", "/", `{}`, "example", jsonCall("List"), 400, "example:List because"},
		{"query family", "POST", "/", "Action=Get&Name=b", "queryish", form, 403, "<Code>AccessDenied</Code><Message>" + denied},
		{"route authorises", "GET", "/things/a", "", "resty", nil, 204, ""},
		{"route refuses", "GET", "/things/b", "", "resty", nil, 403, denied},
		{"route on any resource", "GET", "/things", "", "resty", nil, 403, "example:List"},
		{"route that forgot", "GET", "/forgotten", "", "resty", nil, 500, "not authorised"},
	}
	for _, c := range cases {
		w := g.serve(g.request(c.method, c.path, c.body, c.service, g.aliceID, g.aliceSecret, c.header...))
		wantAnswer(t, c.name, w, c.status, c.want)
	}
	// The root may do everything, and the route that forgot to authorise
	// still cannot answer.
	w := g.serve(g.request("GET", "/forgotten", "", "resty", rootID, rootSecret))
	wantAnswer(t, "root, route that forgot", w, 500, "")
	w = g.serve(g.request("POST", "/", `{"Name":"b"}`, "example", rootID, rootSecret, jsonCall("Get")...))
	wantAnswer(t, "root", w, 200, `"Name":"b"`)
}

// A resource policy lets another account in; its absence keeps it out.
func TestResourcePolicyAdmitsOtherAccounts(t *testing.T) {
	g := newGuarded(t, true)
	for _, c := range []struct {
		name, thing string
		status      int
		want        string
	}{
		{"named in the policy", "shared", 200, `thing/shared"`},
		{"no policy", "private", 400, "because no resource-based policy allows the example:Get action"},
	} {
		body := `{"Name":"arn:aws:example:us-east-1:` + acct + `:thing/` + c.thing + `"}`
		w := g.serve(g.request("POST", "/", body, "example", "AKIAOTHEROTHEROTHER0", "other-secret", jsonCall("Get")...))
		wantAnswer(t, c.name, w, c.status, c.want)
	}
}

// BenchmarkGuard is what the layer's access adds to a request: verifying
// its signature and authorising its operation (sigv4), or authorising it
// only, as the root (none). The difference is what --auth sigv4 costs per
// request; nubo bench measures it on whole invocations.
func BenchmarkGuard(b *testing.B) {
	for _, verify := range []bool{true, false} {
		name := map[bool]string{true: "sigv4", false: "none"}[verify]
		b.Run(name, func(b *testing.B) {
			g := newGuarded(&testing.T{}, verify)
			body := `{"Name":"a"}`
			signed := g.request("POST", "/", body, "example", g.aliceID, g.aliceSecret, jsonCall("Get")...)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				r := signed.Clone(context.Background())
				r.Body = io.NopCloser(strings.NewReader(body))
				w := httptest.NewRecorder()
				g.router.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatalf("%d %s", w.Code, w.Body)
				}
			}
		})
	}
}
