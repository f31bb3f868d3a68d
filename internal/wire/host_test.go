package wire_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nubo-dev/nubo/internal/wire"
)

func hostRouter() *wire.Router {
	rt := wire.NewRouter("us-east-1", slog.New(slog.NewTextHandler(io.Discard, nil)))
	echo := func(name string, keys ...string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			out := name
			for _, k := range keys {
				out += " " + k + "=" + r.PathValue(k)
			}
			io.WriteString(w, out)
		})
	}
	rt.HandleHost("{id}.lambda-url.{region}.localhost", echo("url", "id", "region"))
	rt.HandleHost("{api}.execute-api.{region}.localhost", echo("api", "api", "region"))
	rt.HandleHost("{api}.execute-api.localhost", echo("api", "api", "region"))
	rt.HandleHostFunc(func(host string) bool { return host == "api.example.com" }, echo("custom"))
	rt.HandlePath("/_nubo/", echo("own"), wire.PathAccess{Public: true})
	return rt
}

func TestHostRoutes(t *testing.T) {
	tests := []struct {
		host, path, want string
	}{
		{"abc123.lambda-url.us-east-1.localhost:4566", "/x", "url id=abc123 region=us-east-1"},
		{"ABC123.Lambda-URL.eu-west-1.localhost.", "/", "url id=abc123 region=eu-west-1"},
		{"abc.execute-api.us-east-1.localhost", "/items/7", "api api=abc region=us-east-1"},
		{"abc.execute-api.localhost:8080", "/_nubo/x", "api api=abc region="},
		{"api.example.com", "/", "custom"},
		{"API.example.com:443", "/", "custom"},
		// Not a host route: nubo's own paths, then the services.
		{"127.0.0.1:4566", "/_nubo/x", "own"},
		{"localhost:4566", "/_nubo/x", "own"},
		{"a.b.lambda-url.us-east-1.localhost", "/_nubo/x", "own"},
		{".lambda-url.us-east-1.localhost", "/_nubo/x", "own"},
		{"execute-api.localhost", "/_nubo/x", "own"},
		{"abc.execute-api.localhost.example.com", "/_nubo/x", "own"},
		{"[::1]:4566", "/_nubo/x", "own"},
	}
	rt := hostRouter()
	for _, tt := range tests {
		r := httptest.NewRequest("GET", tt.path, nil)
		r.Host = tt.host
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		if got := w.Body.String(); got != tt.want {
			t.Errorf("%s%s: got %q, want %q", tt.host, tt.path, got, tt.want)
		}
		if w.Header().Get("X-Amzn-RequestId") == "" {
			t.Errorf("%s: no request id", tt.host)
		}
	}
}

func TestHostName(t *testing.T) {
	for in, want := range map[string]string{
		"Example.COM:80": "example.com", "a.localhost.": "a.localhost", "[::1]:4566": "[::1]", "[::1]": "[::1]", "x": "x", "": "",
	} {
		if got := wire.HostName(in); got != want {
			t.Errorf("HostName(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzHostRoutes(f *testing.F) {
	f.Add("abc.lambda-url.us-east-1.localhost:1")
	f.Add("..execute-api..localhost")
	f.Add("{id}.lambda-url.{region}.localhost")
	f.Fuzz(func(t *testing.T, host string) {
		r := httptest.NewRequest("GET", "/_nubo/x", nil)
		r.Host = host
		w := httptest.NewRecorder()
		hostRouter().ServeHTTP(w, r)
		got := w.Body.String()
		if !strings.HasPrefix(got, "url ") {
			return
		}
		// A wildcard matched exactly one non-empty label.
		for _, kv := range strings.Fields(got)[1:] {
			_, v, _ := strings.Cut(kv, "=")
			if v == "" || strings.Contains(v, ".") {
				t.Errorf("%q: label %q", host, kv)
			}
		}
	})
}
