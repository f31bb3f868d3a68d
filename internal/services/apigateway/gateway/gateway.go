// Package gateway serves API Gateway HTTP APIs: a request to
// <api-id>.execute-api[.<region>].localhost, /_nubo/apis/<api-id>/<stage>/...
// or a custom domain name finds its stage and route as AWS does, passes
// the route's throttling and authorizer (JWT, Lambda REQUEST, AWS_IAM),
// reaches its integration (a function, in payload format 1.0 or 2.0, or
// an HTTP URL) and answers with what it returned, adding CORS; every
// request is access-logged to CloudWatch Logs when the stage asks and is
// counted in the AWS/ApiGateway metrics and on the bill.
package gateway

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/nubo-dev/nubo/internal/frontdoor"
	ag "github.com/nubo-dev/nubo/internal/services/apigateway"
	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// Invoker runs an invocation synchronously.
type Invoker interface {
	Invoke(ctx context.Context, inv *lambda.Invocation) (*lambda.Result, error)
}

// Logs takes access log lines.
type Logs interface {
	Append(group, stream string, events []lambda.LogEvent)
}

// Recorder counts served requests: the AWS/ApiGateway metrics and the
// bill.
type Recorder interface {
	Served(r Record)
}

// Record is one request an API served.
type Record struct {
	Time          time.Time
	Region, ApiID string
	Stage         string
	Status        int
	Latency       time.Duration
	Integration   time.Duration
	// Integrated says the request reached its integration.
	Integrated bool
}

// Options configures a Gateway.
type Options struct {
	Account string
	// Region is the region of requests to <api-id>.execute-api.localhost,
	// whose host names none.
	Region string
	// PublicDomain is the domain operators point at nubo ("" for none).
	PublicDomain string
	// HTTP makes the requests of HTTP_PROXY integrations and fetches JWT
	// issuers' keys (a client with no overall timeout when nil: each
	// request has its integration's).
	HTTP   *http.Client
	Logger *slog.Logger
	Now    func() time.Time
}

// Gateway serves HTTP APIs.
type Gateway struct {
	apis      *ag.Service
	invoker   Invoker
	logs      Logs
	recorder  Recorder
	iam       IAM
	opts      Options
	log       *slog.Logger
	throttles *throttles
	jwks      *keySets
	authCache *authCache
}

// PathPrefix is the path form of an API, for clients that cannot name a
// host: /_nubo/apis/<api-id>/<stage>/<path>.
const PathPrefix = "/_nubo/apis/"

// maxBody is an HTTP API's largest request body: 10 MB.
const maxBody = 10 << 20

// New returns a Gateway serving apis; iam decides AWS_IAM routes (nil:
// any request signed for execute-api, see IAM).
func New(apis *ag.Service, inv Invoker, logs Logs, rec Recorder, iam IAM, opts Options) *Gateway {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTP == nil {
		opts.HTTP = &http.Client{}
	}
	if iam == nil {
		iam = scopeOnly{account: opts.Account}
	}
	g := &Gateway{apis: apis, invoker: inv, logs: logs, recorder: rec, iam: iam, opts: opts, log: opts.Logger,
		throttles: newThrottles(opts.Now), jwks: newKeySets(opts.HTTP, opts.Now), authCache: newAuthCache(opts.Now)}
	apis.OnAuthorizersReset(g.authCache.reset)
	return g
}

// HostPatterns are the hosts of APIs' own endpoints (for
// wire.Router.HandleHost).
func (g *Gateway) HostPatterns() []string {
	out := []string{"{api}.execute-api.{region}.localhost", "{api}.execute-api.localhost"}
	if d := g.opts.PublicDomain; d != "" {
		if i := strings.Index(d, "://"); i >= 0 {
			d = d[i+3:]
		}
		d, _, _ = strings.Cut(strings.TrimSuffix(d, "/"), ":")
		out = append(out, "{api}.execute-api.{region}."+d)
	}
	return out
}

// IsDomain reports whether host is a custom domain name an API mapping
// may serve (for wire.Router.HandleHostFunc).
func (g *Gateway) IsDomain(host string) bool { return g.apis.IsDomain(host) }

// entry is where a request entered: the API, the stage, and its path as
// the stage's routes see it, as payload 2.0 carries it (rawPath) and as
// the client sent it (payload 1.0's path).
type entry struct {
	region, apiID string
	view          *ag.View
	routePath     string
	rawPath       string
	fullPath      string
}

// ServeHTTP serves a request to an API's own endpoint (the router gives
// its id and region as path values) or to a custom domain name.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	apiID := r.PathValue("api")
	if apiID == "" {
		g.serveDomain(w, r)
		return
	}
	region := r.PathValue("region")
	if region == "" {
		region = g.opts.Region
	}
	path := r.URL.EscapedPath()
	view, rest, err := g.apis.StageOf(r.Context(), region, apiID, path)
	if err != nil {
		g.log.Error("find stage", "api", apiID, "err", err)
		frontdoor.InternalError.Write(w, "message")
		return
	}
	if view != nil && view.Api.DisableExecuteApiEndpoint {
		view = nil
	}
	g.serve(w, r, &entry{region: region, apiID: apiID, view: view, routePath: rest, rawPath: path, fullPath: path})
}

// PathHandler serves the path form: /_nubo/apis/<api-id>/<stage>/rest is
// the stage's /rest, in the API's region.
func (g *Gateway) PathHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.EscapedPath(), PathPrefix)
		apiID, rest, _ := strings.Cut(rest, "/")
		stage, rest, _ := strings.Cut(rest, "/")
		rest = "/" + rest
		region, err := g.apis.RegionOf(r.Context(), apiID)
		var view *ag.View
		if err == nil && region != "" {
			view, err = g.apis.View(r.Context(), region, apiID, unescape(stage))
		}
		if err != nil {
			g.log.Error("find stage", "api", apiID, "err", err)
			frontdoor.InternalError.Write(w, "message")
			return
		}
		raw := rest
		if stage != "$default" {
			raw = "/" + stage + rest
		}
		g.serve(w, r, &entry{region: region, apiID: apiID, view: view, routePath: rest, rawPath: raw, fullPath: raw})
	})
}

// serveDomain serves a request to a custom domain name through the API
// mapping whose key its path starts with.
func (g *Gateway) serveDomain(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	region, m, rest, ok := g.apis.Mapped(frontdoor.DomainName(r), path)
	if !ok {
		frontdoor.NotFound.Write(w, "message")
		return
	}
	view, err := g.apis.View(r.Context(), region, m.ApiId, m.Stage)
	if err != nil {
		g.log.Error("find stage", "api", m.ApiId, "err", err)
		frontdoor.InternalError.Write(w, "message")
		return
	}
	g.serve(w, r, &entry{region: region, apiID: m.ApiId, view: view, routePath: rest, rawPath: rest, fullPath: path})
}

// serve serves a request once its stage is known.
func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, e *entry) {
	x := &exchange{g: g, e: e, r: r, w: &recorder{ResponseWriter: w}, started: g.opts.Now()}
	x.requestID = requestID(w)
	w.Header().Set("Apigw-Requestid", x.requestID)
	defer x.finish()
	if e.view == nil {
		x.fail(frontdoor.NotFound, "")
		return
	}
	if e.view.Cors != nil && frontdoor.IsPreflight(r) {
		corsOf(e.view.Cors).Preflight(x.w, r)
		return
	}
	m, ok := e.view.Match(r.Method, e.routePath)
	if !ok {
		x.fail(frontdoor.NotFound, "")
		return
	}
	x.match = m
	if !g.throttles.allow(e, m.Route.RouteKey) {
		x.fail(frontdoor.TooManyRequests, "")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		x.fail(frontdoor.TooLarge, "")
		return
	}
	x.req = x.request(body)
	if !x.authorize() {
		return
	}
	x.integrate()
}

// requestID is the router's id of the request (x-amzn-RequestId).
func requestID(w http.ResponseWriter) string {
	if id := w.Header().Get("X-Amzn-Requestid"); id != "" {
		return id
	}
	id := uuid.NewString()
	w.Header().Set("X-Amzn-Requestid", id)
	return id
}

func corsOf(c *ag.Cors) *frontdoor.CORS {
	out := &frontdoor.CORS{AllowOrigins: c.AllowOrigins, AllowMethods: c.AllowMethods, AllowHeaders: c.AllowHeaders, ExposeHeaders: c.ExposeHeaders}
	if c.AllowCredentials != nil {
		out.AllowCredentials = *c.AllowCredentials
	}
	if c.MaxAge != nil {
		out.MaxAge = *c.MaxAge
	}
	return out
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}
