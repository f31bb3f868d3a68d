package runtimeapi

import (
	"net/http"
	"strings"
)

// The Runtime and Extensions APIs' routes are fixed tables, not a
// ServeMux: every environment has a Server of its own, and registering a
// ServeMux's eleven patterns took ~115 µs of each cold start (measured on a
// busy 2-core machine).

// route is one path's method and handler.
type route struct {
	method string
	serve  func(*Server, http.ResponseWriter, *http.Request)
}

// routes are the paths without an invocation id.
var routes = map[string]route{
	"/2018-06-01/runtime/invocation/next": {http.MethodGet, (*Server).next},
	"/2018-06-01/runtime/init/error":      {http.MethodPost, (*Server).initError},
	"/2018-06-01/ping":                    {http.MethodGet, (*Server).ping},
	"/2020-01-01/extension/register":      {http.MethodPost, (*Server).registerExtension},
	"/2020-01-01/extension/event/next":    {http.MethodGet, (*Server).extensionNext},
	"/2020-01-01/extension/init/error":    {http.MethodPost, (*Server).extensionError},
	"/2020-01-01/extension/exit/error":    {http.MethodPost, (*Server).extensionError},
	"/2020-08-15/logs":                    {http.MethodPut, notSupported("Logs")},
	"/2022-07-01/telemetry":               {http.MethodPut, notSupported("Telemetry")},
}

// invocationPrefix starts the paths of one invocation's answers:
// POST /2018-06-01/runtime/invocation/{id}/response and .../{id}/error.
const invocationPrefix = "/2018-06-01/runtime/invocation/"

var invocationRoutes = map[string]func(*Server, http.ResponseWriter, *http.Request, string){
	"response": (*Server).response,
	"error":    (*Server).invocationError,
}

// ServeHTTP serves the Runtime and Extensions APIs. A known path asked
// with another method gets 405 and an unknown path 404, as from a
// ServeMux.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if rt, ok := routes[path]; ok {
		if allowed(w, r, rt.method) {
			rt.serve(s, w, r)
		}
		return
	}
	if rest, ok := strings.CutPrefix(path, invocationPrefix); ok {
		id, op, _ := strings.Cut(rest, "/")
		if serve := invocationRoutes[op]; serve != nil && id != "" {
			if allowed(w, r, http.MethodPost) {
				serve(s, w, r, id)
			}
			return
		}
	}
	http.NotFound(w, r)
}

// allowed reports whether r uses method (HEAD counting as GET); if not,
// it answers 405.
func allowed(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method || r.Method == http.MethodHead && method == http.MethodGet {
		return true
	}
	w.Header().Set("Allow", method)
	http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	return false
}

func (s *Server) ping(w http.ResponseWriter, r *http.Request) { w.Write([]byte("pong")) }
