package console

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			r.Host = header[i+1]
		} else {
			r.Header.Set(header[i], header[i+1])
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func version(t *testing.T) string {
	root, err := fs.Sub(assets, "assets")
	if err != nil {
		t.Fatal(err)
	}
	return versionOf(root)
}

// Every page of the application is index.html, naming the files' version
// and carrying the options; the files are served under that version only,
// and kept for good.
func TestHandler(t *testing.T) {
	h := Handler(Options{Services: []string{"lambda", "</script><script>alert(1)</script>"}, Region: "eu-west-1", Open: true})
	static := Path + staticDir + version(t)
	for _, path := range []string{Path, Path + "functions", Path + "functions/a%2Fb", Path + "statics"} {
		w := get(h, path)
		body := w.Body.String()
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") || w.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("%s: %d %v", path, w.Code, w.Header())
		}
		if !strings.Contains(body, `src="`+static+`/js/main.js"`) || strings.Contains(body, "{{") {
			t.Errorf("%s: the page does not name its files under %s:\n%s", path, static, body)
		}
		if !strings.Contains(body, `{"services":["lambda","\u003c/script\u003e\u003cscript\u003ealert(1)\u003c/script\u003e"],"region":"eu-west-1","open":true}`) {
			t.Errorf("%s: the page's options are not escaped JSON:\n%s", path, body)
		}
		if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("%s: Content-Security-Policy %q", path, csp)
		}
	}
	w := get(h, static+"/js/main.js")
	if w.Code != 200 || !strings.Contains(w.Header().Get("Content-Type"), "javascript") ||
		w.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" || !strings.Contains(w.Body.String(), "import") {
		t.Errorf("main.js: %d %v", w.Code, w.Header())
	}
	for _, path := range []string{Path + staticDir + "0123456789abcdef/js/main.js", static + "/js/nothing.js", static + "/../console.go",
		static + "/js", static, Path + staticDir} {
		if w := get(h, path); w.Code != 404 {
			t.Errorf("%s: %d, want 404", path, w.Code)
		}
	}
}

// The root sends a browser on nubo's own names to the console; API calls
// and other hosts' roots (function URLs, APIs) are not touched.
func TestRoot(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) })
	h := Root(next, []string{"nubo.example"})
	html := "text/html,application/xhtml+xml"
	for _, c := range []struct {
		name   string
		path   string
		header []string
		want   int
	}{
		{"a browser", "/", []string{"Accept", html, "Host", "127.0.0.1:4566"}, 302},
		{"localhost", "/", []string{"Accept", html, "Host", "localhost:4566"}, 302},
		{"nubo's own name", "/", []string{"Accept", html, "Host", "NUBO.example"}, 302},
		{"IPv6", "/", []string{"Accept", html, "Host", "[::1]:4566"}, 302},
		{"a function URL", "/", []string{"Accept", html, "Host", "abc.lambda-url.us-east-1.localhost:4566"}, 299},
		{"an API", "/", []string{"Accept", html, "Host", "abc.execute-api.us-east-1.localhost"}, 299},
		{"signed", "/", []string{"Accept", html, "Authorization", "AWS4-HMAC-SHA256 ..."}, 299},
		{"not a browser", "/", []string{"Accept", "*/*"}, 299},
		{"a query", "/?Action=ListQueues", []string{"Accept", html}, 299},
		{"another path", "/2015-03-31/functions", []string{"Accept", html}, 299},
	} {
		w := get(h, c.path, c.header...)
		if w.Code != c.want || c.want == 302 && w.Header().Get("Location") != Path {
			t.Errorf("%s: %d %q, want %d", c.name, w.Code, w.Header().Get("Location"), c.want)
		}
	}
}

// FuzzHandler asks for any path: the console answers with its page, one
// of its files, or 404, and never with anything outside its assets.
func FuzzHandler(f *testing.F) {
	h := Handler(Options{Services: []string{"lambda"}})
	static := Path + staticDir + version(&testing.T{})
	for _, s := range []string{Path, Path + "functions/x", static + "/app.css", static + "/../console.go", static + "/js/../../assets/app.css",
		Path + staticDir + "x/app.css", static + "//js/main.js", static + "/vendor/uPlot.LICENSE"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		r, err := http.NewRequest("GET", "http://127.0.0.1"+path, nil)
		if err != nil || !strings.HasPrefix(r.URL.Path, Path) {
			return
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		switch {
		case w.Code == 404:
		case w.Code == 200 && strings.HasPrefix(w.Header().Get("Content-Type"), "text/html"):
		case w.Code == 200 && strings.HasPrefix(r.URL.Path, static+"/"):
		case w.Code == 301 && strings.HasPrefix(r.URL.Path, static+"/"): // the file server's redirect of index.html and directories
		default:
			t.Fatalf("%q: %d %v", path, w.Code, w.Header())
		}
		if strings.Contains(w.Body.String(), "package console") {
			t.Fatalf("%q served Go source", path)
		}
	})
}
