package wire

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/nubo-dev/nubo/internal/awserr"
)

// Router is nubo's one port: it gives every request an id and a region and
// hands it to the service its SigV4 credential scope names, or, for an
// unsigned request, the service its X-Amz-Target, CBOR path or REST path
// belongs to. nubo's own paths (/_nubo/...) come first. It never answers
// with an HTML page.
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

// HandlePath registers one of nubo's own endpoints (e.g. "/_nubo/code/"),
// served before any service.
func (rt *Router) HandlePath(prefix string, h http.Handler) {
	rt.paths = append(rt.paths, pathRoute{prefix, h})
}

func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := &Call{ID: uuid.NewString(), Region: rt.defaultRegion, Request: r}
	w.Header().Set("x-amzn-RequestId", c.ID)
	r = r.WithContext(WithCall(r.Context(), c))
	for _, p := range rt.paths {
		if strings.HasPrefix(r.URL.Path, p.prefix) {
			p.handler.ServeHTTP(w, r)
			return
		}
	}
	cred, signed := ParseCredential(r)
	if signed && cred.Region != "" {
		c.Region = cred.Region
	}
	if signed {
		if s, ok := rt.services[cred.Service]; ok {
			s.ServeHTTP(w, r)
			return
		}
		rt.unknown(w, r, c, fmt.Sprintf("nubo does not serve the service %q named in the request's SigV4 credential scope.", cred.Service))
		return
	}
	if s := rt.guess(r); s != nil {
		s.ServeHTTP(w, r)
		return
	}
	rt.unknown(w, r, c, fmt.Sprintf("nubo could not tell which service %s %s is for: the request has no SigV4 signature and its X-Amz-Target and path belong to no service.", r.Method, r.URL.Path))
}

var unknownService = &awserr.Code{Name: "UnknownServiceException", Status: http.StatusBadRequest}

// unknown answers a request for no service in the protocol it looks like
// it speaks: JSON for X-Amz-Target, XML for query forms, rest-json else.
func (rt *Router) unknown(w http.ResponseWriter, r *http.Request, c *Call, msg string) {
	p := RESTJSON
	switch {
	case r.Header.Get("X-Amz-Target") != "":
		p = JSON11
	case strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"), r.URL.Query().Has("Action"):
		p = Query
	}
	writeError(w, p, false, c.ID, awserr.New(unknownService, "%s", msg))
}

// guess finds the service of an unsigned request.
func (rt *Router) guess(r *http.Request) *Service {
	target := r.Header.Get("X-Amz-Target")
	cbor := strings.EqualFold(r.Header.Get("Smithy-Protocol"), "rpc-v2-cbor")
	for _, s := range rt.order {
		switch {
		case target != "" && s.JSON != nil && s.JSON.matches(target):
			return s
		case cbor && s.CBOR != nil && cborOperation(r.URL.Path, s.CBOR.Service) != "":
			return s
		case target == "" && !cbor && hasAnyPrefix(r.URL.Path, s.Paths):
			return s
		}
	}
	return nil
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// Handler adapts a handler that returns an error to http.Handler, the
// error rendered in protocol p (for nubo's own endpoints).
func Handler(p Protocol, log *slog.Logger, h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	s := &Service{Name: "nubo", Log: log}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := CallOf(r.Context())
		c.Protocol = p
		if err := h(w, r.WithContext(WithCall(r.Context(), c))); err != nil {
			s.fail(w, r, err)
		}
	})
}
