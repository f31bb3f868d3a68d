// Package api is nubo's one port: it reads each request's SigV4 credential
// scope, routes the request to the service it names (or, for unsigned
// requests, the service its X-Amz-Target or path belongs to), and renders
// AWS errors in each protocol's shape. It never answers with an HTML page.
package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/google/uuid"
)

// Service is one AWS-compatible service behind the port.
type Service struct {
	// Name is the service's SigV4 signing name ("lambda", "sqs", ...).
	Name    string
	Handler http.Handler
	// TargetPrefixes and PathPrefixes recognise requests that carry no
	// signature (e.g. from `aws --no-sign-request`).
	TargetPrefixes []string
	PathPrefixes   []string
}

// Router routes requests to services. Register everything before serving.
type Router struct {
	defaultRegion string
	services      map[string]*Service
	order         []*Service
	paths         []pathRoute
	log           *slog.Logger
}

type pathRoute struct {
	prefix  string
	handler http.Handler
}

// NewRouter returns a Router whose requests default to defaultRegion when
// their signature names none.
func NewRouter(defaultRegion string, log *slog.Logger) *Router {
	return &Router{defaultRegion: defaultRegion, services: map[string]*Service{}, log: log}
}

// Handle registers a service.
func (rt *Router) Handle(s *Service) {
	rt.services[s.Name] = s
	rt.order = append(rt.order, s)
}

// HandlePath registers one of nubo's own endpoints (e.g. "/_nubo/"), served
// before any SigV4 routing.
func (rt *Router) HandlePath(prefix string, h http.Handler) {
	rt.paths = append(rt.paths, pathRoute{prefix, h})
}

type ctxKey int

const (
	regionKey ctxKey = iota
	requestIDKey
)

// Region is the region a request acts in: its signature's, else the default.
func Region(ctx context.Context) string {
	r, _ := ctx.Value(regionKey).(string)
	return r
}

// RequestID is the id nubo gave the request (also in x-amzn-RequestId).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := uuid.NewString()
	w.Header().Set("x-amzn-RequestId", id)
	ctx := context.WithValue(r.Context(), requestIDKey, id)
	for _, p := range rt.paths {
		if strings.HasPrefix(r.URL.Path, p.prefix) {
			p.handler.ServeHTTP(w, r.WithContext(ctx))
			return
		}
	}
	cred, signed := ParseCredential(r)
	region := rt.defaultRegion
	if signed && cred.Region != "" {
		region = cred.Region
	}
	ctx = context.WithValue(ctx, regionKey, region)
	r = r.WithContext(ctx)
	if signed {
		if s, ok := rt.services[cred.Service]; ok {
			s.Handler.ServeHTTP(w, r)
			return
		}
		WriteAny(w, r, &Error{Status: http.StatusBadRequest, Code: "UnknownServiceException",
			Message: fmt.Sprintf("nubo does not serve the service %q named in the request's SigV4 credential scope.", cred.Service)})
		return
	}
	if s := rt.guess(r); s != nil {
		s.Handler.ServeHTTP(w, r)
		return
	}
	WriteAny(w, r, &Error{Status: http.StatusBadRequest, Code: "UnknownServiceException",
		Message: fmt.Sprintf("nubo could not tell which service %s %s is for: the request has no SigV4 signature and its X-Amz-Target and path belong to no service.", r.Method, r.URL.Path)})
}

// guess finds the service of an unsigned request.
func (rt *Router) guess(r *http.Request) *Service {
	target := r.Header.Get("X-Amz-Target")
	for _, s := range rt.order {
		for _, p := range s.TargetPrefixes {
			if target != "" && strings.HasPrefix(target, p) {
				return s
			}
		}
		for _, p := range s.PathPrefixes {
			if target == "" && strings.HasPrefix(r.URL.Path, p) {
				return s
			}
		}
	}
	return nil
}
