package wire

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/nubo-dev/nubo/internal/awserr"
)

// Router is nubo's one port: it gives every request an id and a region and
// hands it to the service its SigV4 credential scope names, or, for an
// unsigned request, the service its X-Amz-Target, CBOR path or REST path
// belongs to, else the first service whose Claim accepts it. Host routes
// (HandleHost) come first, then nubo's own paths (/_nubo/..., /metrics) for
// requests that are unsigned or signed for nubo itself. It never answers
// with an HTML page.
type Router struct {
	defaultRegion string
	services      map[string]*Service
	order         []*Service
	paths         []pathRoute
	hosts         []hostRoute
	guard         *Guard
	log           *slog.Logger
	// nubo renders the failures of nubo's own paths (rest-json, 403s).
	nubo *Service
}

type pathRoute struct {
	prefix  string
	handler http.Handler
	access  PathAccess
}

// PathAccess says who may use one of nubo's own endpoints.
type PathAccess struct {
	// Public endpoints serve anyone; the handler checks what it is given
	// (a signed link, a token), or serves nothing secret (a certificate).
	Public bool
	// Action is the IAM action a caller needs, on Resource(r) ("*" when
	// Resource is nil).
	Action   string
	Resource func(r *http.Request) string
	// Loopback also serves unsigned requests from loopback clients that
	// are not in a sandbox (a Prometheus scraper on the same machine).
	Loopback bool
}

// NewRouter returns a Router whose requests default to defaultRegion when
// their signature names none.
func NewRouter(defaultRegion string, log *slog.Logger) *Router {
	return &Router{defaultRegion: defaultRegion, services: map[string]*Service{}, log: log,
		nubo: &Service{Name: "nubo", REST: &RESTProtocol{}, Log: log}}
}

// Guard makes the Router authenticate, authorise and admit requests as g
// says (see access.go and admit.go). Without it, it serves everyone.
func (rt *Router) Guard(g Guard) { rt.guard = &g }

// Sandboxed serves the requests of a function's sandbox, which act as the
// function's role and never as an account's root.
func (rt *Router) Sandboxed(sb *Sandbox) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { rt.serve(w, r, sb) })
}

// Handle registers a service.
func (rt *Router) Handle(s *Service) {
	rt.services[s.Name] = s
	rt.order = append(rt.order, s)
}

// HandlePath registers one of nubo's own endpoints (e.g. "/_nubo/code/"),
// served before any service to the callers access admits.
func (rt *Router) HandlePath(prefix string, h http.Handler, access PathAccess) {
	rt.paths = append(rt.paths, pathRoute{prefix, h, access})
}

func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) { rt.serve(w, r, nil) }

func (rt *Router) serve(w http.ResponseWriter, r *http.Request, sb *Sandbox) {
	c := &Call{ID: uuid.NewString(), Region: rt.defaultRegion, Request: r, Sandbox: sb, guard: rt.guard}
	w.Header()["X-Amzn-Requestid"] = []string{c.ID} // x-amzn-RequestId, canonical
	r = r.WithContext(WithCall(r.Context(), c))
	if g := rt.guard; g != nil && r.Body != nil && r.Body != http.NoBody {
		idle := g.BodyIdleTimeout
		if idle == 0 {
			idle = DefaultBodyIdleTimeout
		}
		ctl := http.NewResponseController(w)
		// From now: a body left unread (a request refused before its
		// body) is drained by the server under the same deadline.
		ctl.SetReadDeadline(time.Now().Add(idle))
		r.Body = &idleBody{rc: r.Body, ctl: ctl, idle: idle}
	}
	// Function URLs and APIs (and S3's virtual hosts) are data planes of
	// their own, open to browsers: their handlers authenticate as their
	// kind of resource does.
	if rt.serveHost(w, r) {
		return
	}
	cred, signed := ParseCredential(r)
	// A request signed for a service is that service's even when its path
	// looks like one of nubo's own (S3's bucket "metrics").
	own := !signed || cred.Service == "nubo"
	for i := range rt.paths {
		if p := &rt.paths[i]; own && strings.HasPrefix(r.URL.Path, p.prefix) {
			rt.servePath(w, r, c, p)
			return
		}
	}
	if signed && cred.Region != "" {
		c.Region = cred.Region
	}
	if signed {
		if s, ok := rt.services[cred.Service]; ok {
			s.ServeHTTP(w, r)
			return
		}
		if err := rt.nubo.admit(r, c); err != nil {
			rt.nubo.fail(w, r, err)
			return
		}
		rt.unknown(w, r, c, fmt.Sprintf("nubo does not serve the service %q named in the request's SigV4 credential scope.", cred.Service))
		return
	}
	if s := rt.guess(r); s != nil {
		s.ServeHTTP(w, r)
		return
	}
	if err := rt.nubo.admit(r, c); err != nil {
		rt.nubo.fail(w, r, err)
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
	if target != "" || cbor {
		return nil
	}
	for _, s := range rt.order {
		if s.Claim != nil && s.Claim(r) {
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

// servePath serves one of nubo's own endpoints to the callers its access
// admits.
func (rt *Router) servePath(w http.ResponseWriter, r *http.Request, c *Call, p *pathRoute) {
	s := rt.nubo
	c.Protocol, c.service = RESTJSON, s
	err := s.admit(r, c)
	local := p.access.Loopback && c.Sandbox == nil && !signed(r) && isLoopback(r.RemoteAddr)
	if err == nil && !p.access.Public && !local {
		err = s.authenticate(r, c)
		if err == nil {
			resource := "*"
			if p.access.Resource != nil {
				resource = p.access.Resource(r)
			}
			err = s.authorize(r.Context(), p.access.Action, resource)
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.handler.ServeHTTP(w, r)
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
