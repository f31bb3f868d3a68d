// Package console is nubo's web console: a browser application embedded in
// the binary and served at /_nubo/console/ from nubo's own port. It has no
// server side of its own: it signs in with an access key (a session from
// STS, kept in the tab), then calls nubo's AWS APIs from the page exactly as
// an SDK would, signing each request with SigV4. Its files are plain ES
// modules and CSS with no build step; the one library, uPlot for charts,
// is vendored under assets/vendor.
package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"net"
	"net/http"
	"path"
	"slices"
	"strings"
)

// Path is where the console is served.
const Path = "/_nubo/console/"

//go:embed assets
var assets embed.FS

// Options are what the console is told about the nubo that serves it.
type Options struct {
	// Services are the signing names of the AWS services nubo serves
	// ("lambda", "sqs", "s3", ...): the console shows the pages of these
	// and calls no other.
	Services []string `json:"services"`
	// Region is the region of requests that name none: the sign-in
	// form's default.
	Region string `json:"region"`
	// Open says nubo takes every caller for the account's root (--auth
	// none): the console signs in by itself.
	Open bool `json:"open"`
}

// staticDir is where the files are served, under a version that changes
// with their content: a browser keeps them for good and asks again only
// when a new nubo serves new files. Modules import each other by relative
// paths, so the version carries through.
const staticDir = "static/"

const csp = "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'"

// Handler serves the console: its files under static/VERSION/, and for
// every other path under Path the page (index.html, naming the files'
// version and carrying opts), so that every page of the application has a
// URL of its own (it routes by path).
func Handler(opts Options) http.Handler {
	root, _ := fs.Sub(assets, "assets")
	version := versionOf(root)
	files := http.StripPrefix(Path+staticDir+version, http.FileServerFS(root))
	page := indexPage(root, Path+staticDir+version, opts)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		rest := strings.TrimPrefix(r.URL.Path, Path)
		if strings.HasPrefix(rest, staticDir) {
			v, name, _ := strings.Cut(strings.TrimPrefix(rest, staticDir), "/")
			if v != version || !exists(root, path.Clean("/" + name)[1:]) {
				http.NotFound(w, r)
				return
			}
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
			files.ServeHTTP(w, r)
			return
		}
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		w.Write(page)
	})
}

// versionOf is a hash of every file of the console.
func versionOf(root fs.FS) string {
	sum := sha256.New()
	fs.WalkDir(root, ".", func(name string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := fs.ReadFile(root, name)
			sum.Write([]byte(name + "\x00"))
			sum.Write(data)
		}
		return nil
	})
	return hex.EncodeToString(sum.Sum(nil))[:16]
}

// indexPage is index.html with the files' path and opts filled in
// (json.Marshal escapes <, > and &, so the JSON cannot end its script
// element).
func indexPage(root fs.FS, static string, opts Options) []byte {
	if opts.Services == nil {
		opts.Services = []string{}
	}
	config, _ := json.Marshal(opts)
	page, _ := fs.ReadFile(root, "index.html")
	page = bytes.ReplaceAll(page, []byte("{{static}}"), []byte(static))
	return bytes.ReplaceAll(page, []byte("{{config}}"), config)
}

func exists(root fs.FS, name string) bool {
	info, err := fs.Stat(root, name)
	return err == nil && !info.IsDir()
}

// Root sends a browser that asks nubo's root for a page to the console,
// and every other request to next. Only nubo's own names redirect (an IP
// address, localhost, or one of names): a function URL's or an API's host
// serves its own root.
func Root(next http.Handler, names []string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/" && r.URL.RawQuery == "" && ownHost(r.Host, names) &&
			strings.Contains(r.Header.Get("Accept"), "text/html") && r.Header.Get("Authorization") == "" {
			http.Redirect(w, r, Path, http.StatusFound)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func ownHost(hostport string, names []string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	return net.ParseIP(host) != nil || host == "localhost" || slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, host) })
}
