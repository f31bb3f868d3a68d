package wire_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/iam"
	"github.com/nubo-dev/nubo/internal/wire"
)

// Unsigned requests reach only the operations declared Unsigned, and only
// under the service's Unsigned paths.
func TestUnsignedOperations(t *testing.T) {
	g := newGuarded(t, true)
	for _, c := range []struct {
		name, path, op string
		status         int
		want           string
	}{
		{"declared, under the path", "/_confirm/", "Confirm", 200, `"Name":"x"`},
		{"not declared, under the path", "/_confirm/", "Get", 403, "MissingAuthenticationTokenException"},
		{"declared, elsewhere", "/", "Confirm", 403, "MissingAuthenticationTokenException"},
	} {
		w := g.serve(g.request("POST", c.path, `{"Name":"x"}`, "", "", "", jsonCall(c.op)...))
		wantAnswer(t, c.name, w, c.status, c.want)
	}
}

// Without verification every request acts as the root, except those from
// a sandbox, which act as the function's role; with it, a sandbox may not
// use the root's credentials.
func TestUnverifiedAndSandboxedCallers(t *testing.T) {
	g := newGuarded(t, false)
	w := g.serve(g.request("POST", "/", `{"Name":"b"}`, "example", "anything", "wrong", jsonCall("Get")...))
	wantAnswer(t, "unverified, any signature", w, 200, `"Name":"b"`)
	w = g.serve(g.request("POST", "/", `{"Name":"b"}`, "", "", "", jsonCall("Get")...))
	wantAnswer(t, "unverified, unsigned", w, 200, `"Name":"b"`)

	role := "arn:aws:iam::" + acct + ":role/fn-role"
	sb := &wire.Sandbox{Function: "arn:aws:lambda:us-east-1:" + acct + ":function:fn",
		Principal: func(ctx context.Context) (*iam.Principal, error) { return g.iam.RoleSession(ctx, role, "fn") }}
	serveSandboxed := func(g *guarded, r *http.Request) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		g.router.Sandboxed(sb).ServeHTTP(w, r)
		return w
	}
	w = serveSandboxed(g, g.request("POST", "/", `{"Name":"b"}`, "example", rootID, rootSecret, jsonCall("Get")...))
	wantAnswer(t, "unverified sandbox, a role without policies", w, 400,
		"User: arn:aws:sts::"+acct+":assumed-role/fn-role/fn is not authorized to perform: example:Get")

	g = newGuarded(t, true)
	w = serveSandboxed(g, g.request("POST", "/", `{"Name":"b"}`, "example", rootID, rootSecret, jsonCall("Get")...))
	wantAnswer(t, "verified sandbox, root credentials", w, 400, "nubo refuses the account's root credentials from inside a function")
	w = serveSandboxed(g, g.request("POST", "/", `{"Name":"a"}`, "example", g.aliceID, g.aliceSecret, jsonCall("Get")...))
	wantAnswer(t, "verified sandbox, a user's credentials", w, 200, `"Name":"a"`)
}

// Hostile web pages: a foreign Host (DNS rebinding) and requests a browser
// makes for another site are refused in every mode, in AWS's shapes.
func TestHostileWebPagesAreRefused(t *testing.T) {
	for _, verify := range []bool{false, true} {
		g := newGuarded(t, verify)
		signed := func(host string, header ...string) *http.Request {
			if host != "" {
				header = append(header, "Host", host)
			}
			return g.request("GET", "/things", "", "resty", rootID, rootSecret, header...)
		}
		for _, c := range []struct {
			name   string
			r      *http.Request
			status int
			want   string
		}{
			{"loopback address", signed(""), 204, ""},
			{"localhost", signed("localhost:4566"), 204, ""},
			{"a service's localhost name", signed("sqs.us-east-1.localhost:4566"), 204, ""},
			{"IPv6 loopback", signed("[::1]:4566"), 204, ""},
			{"public domain", signed("api.nubo.example"), 204, ""},
			{"foreign host", signed("evil.example:4566"), 403, "nubo does not answer to the host name evil.example:4566"},
			{"cross-site fetch", signed("", "Sec-Fetch-Site", "cross-site"), 403, "on behalf of another site"},
			{"user typed it", signed("", "Sec-Fetch-Site", "none"), 204, ""},
			{"a form post", g.request("POST", "/things", "x=1", "", "", "", "Origin", "http://evil.example", "Content-Type", "text/plain"), 403, "AccessDeniedException"},
			{"foreign host, unknown service", g.request("GET", "/nothing", "", "", "", "", "Host", "evil.example"), 403, "AccessDeniedException"},
			{"foreign host, nubo's own path", g.request("GET", "/_nubo/public", "", "", "", "", "Host", "evil.example"), 403, "AccessDeniedException"},
			{"nubo's own path", g.request("GET", "/_nubo/public", "", "", "", "", "Origin", "http://evil.example"), 403, "AccessDeniedException"},
			// nubo's own pages (the console): a fetch that is not a GET
			// carries Origin, even to its own origin.
			{"nubo's own page", signed("", "Origin", "http://127.0.0.1:4566", "Sec-Fetch-Site", "same-origin"), 204, ""},
			{"nubo's own page, a browser without Sec-Fetch-Site", signed("", "Origin", "http://127.0.0.1:4566"), 204, ""},
			{"another port's page", signed("", "Origin", "http://127.0.0.1:8080"), 403, "on behalf of another site"},
			{"another port's page, a current browser", signed("", "Origin", "http://127.0.0.1:8080", "Sec-Fetch-Site", "same-site"), 403, "on behalf of another site"},
			{"an opaque origin", signed("", "Origin", "null"), 403, "on behalf of another site"},
		} {
			wantAnswer(t, c.name, g.serve(c.r), c.status, c.want)
		}
	}
}

// nubo's own endpoints serve whom their access says.
func TestPathAccess(t *testing.T) {
	g := newGuarded(t, true)
	loopback := func(r *http.Request) *http.Request { r.RemoteAddr = "127.0.0.1:5555"; return r }
	for _, c := range []struct {
		name   string
		r      *http.Request
		status int
		want   string
	}{
		{"public", g.request("GET", "/_nubo/public", "", "", "", ""), 200, ""},
		{"signed path, unsigned", g.request("GET", "/_nubo/secret", "", "", "", ""), 403, "MissingAuthenticationTokenException"},
		{"signed path, denied", g.request("GET", "/_nubo/secret", "", "nubo", g.aliceID, g.aliceSecret), 403, "example:Get on resource: arn:aws:example:us-east-1:" + acct + ":thing/secret"},
		{"signed path, root", g.request("GET", "/_nubo/secret", "", "nubo", rootID, rootSecret), 200, ""},
		{"loopback path, remote and unsigned", g.request("GET", "/_nubo/metrics", "", "", "", ""), 403, "Missing"},
		{"loopback path, from loopback", loopback(g.request("GET", "/_nubo/metrics", "", "", "", "")), 200, ""},
		{"loopback path, signed and denied", loopback(g.request("GET", "/_nubo/metrics", "", "nubo", g.aliceID, g.aliceSecret)), 403, "example:List"},
	} {
		wantAnswer(t, c.name, g.serve(c.r), c.status, c.want)
	}
	sb := &wire.Sandbox{Principal: func(ctx context.Context) (*iam.Principal, error) { return iam.AnonymousPrincipal(), nil }}
	w := httptest.NewRecorder()
	g.router.Sandboxed(sb).ServeHTTP(w, loopback(g.request("GET", "/_nubo/metrics", "", "", "", "")))
	wantAnswer(t, "loopback path from a sandbox", w, 403, "Missing")
}

// A client that stops sending its body loses the connection after the
// idle timeout; the server is not held.
func TestStalledBodyIsCut(t *testing.T) {
	g := newGuarded(t, false)
	g.router.Guard(wire.Guard{Authority: g.iam, Root: g.iam.Root(acct), BodyIdleTimeout: 100 * time.Millisecond})
	srv := httptest.NewServer(g.router)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: Example_2020.Get\r\nContent-Length: 100\r\n\r\n{\"Na")
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	answer, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("the connection stayed open: %v", err)
	}
	if !strings.HasPrefix(string(answer), "HTTP/1.1 400") {
		t.Errorf("answer to a stalled body: %q", answer)
	}
}

// FuzzAdmit sends requests with any Host, Origin and Sec-Fetch-Site to a
// guarded router: a foreign host or a web page's request is refused with an
// AWS error, and nothing else is.
func FuzzAdmit(f *testing.F) {
	f.Add("127.0.0.1:4566", "", "")
	f.Add("evil.example", "", "")
	f.Add("localhost", "http://evil.example", "")
	f.Add("[::1]:4566", "", "cross-site")
	f.Add("x.localhost.", "null", "same-site")
	f.Add("nubo.example:443", "", "none")
	rt := fuzzRouter()
	rt.Guard(wire.Guard{Hosts: []string{"nubo.example"}})
	f.Fuzz(func(t *testing.T, host, origin, site string) {
		r := httptest.NewRequest("GET", "/2015-03-31/functions", nil)
		r.Host = host
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		if site != "" {
			r.Header.Set("Sec-Fetch-Site", site)
		}
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		if w.Code == http.StatusOK {
			return
		}
		if w.Code != http.StatusForbidden || w.Header().Get("X-Amzn-ErrorType") != "AccessDeniedException" {
			t.Fatalf("host %q origin %q site %q: %d %s", host, origin, site, w.Code, w.Body)
		}
	})
}
