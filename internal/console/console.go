// Package console is nubo's web console: a browser application embedded in
// the binary and served at /_nubo/console/ from nubo's own port. It has no
// server side of its own: it signs in with an access key (a session from
// STS, kept in the tab), then calls nubo's AWS APIs from the page exactly as
// an SDK would, signing each request with SigV4. Its files are plain ES
// modules and CSS with no build step; the one library, uPlot for charts,
// is vendored under assets/vendor.
package console

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"path"
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
}

// configPath is where the page reads its Options.
const configPath = "config.json"

// Handler serves the console: its files by name, its Options as
// config.json, and index.html for every other path under Path, so that
// every page has a URL of its own (the application routes by path).
func Handler(opts Options) http.Handler {
	root, _ := fs.Sub(assets, "assets")
	files := http.FileServerFS(root)
	if opts.Services == nil {
		opts.Services = []string{}
	}
	config, _ := json.Marshal(opts)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		name := strings.TrimPrefix(path.Clean("/"+strings.TrimPrefix(r.URL.Path, Path)), "/")
		if name == configPath {
			h.Set("Content-Type", "application/json")
			h.Set("Cache-Control", "no-cache")
			w.Write(config)
			return
		}
		if name == "" || name == "." || !exists(root, name) {
			r = r.Clone(r.Context())
			r.URL.Path = "/"
			h.Set("Cache-Control", "no-cache")
		} else {
			r = r.Clone(r.Context())
			r.URL.Path = "/" + name
		}
		files.ServeHTTP(w, r)
	})
}

func exists(root fs.FS, name string) bool {
	info, err := fs.Stat(root, name)
	return err == nil && !info.IsDir()
}

// Root sends a browser that asks nubo's root for a page to the console,
// and every other request to next.
func Root(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/" && r.URL.RawQuery == "" &&
			strings.Contains(r.Header.Get("Accept"), "text/html") && r.Header.Get("Authorization") == "" {
			http.Redirect(w, r, Path, http.StatusFound)
			return
		}
		next.ServeHTTP(w, r)
	})
}
