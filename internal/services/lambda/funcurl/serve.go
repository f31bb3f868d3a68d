package funcurl

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/nubo-dev/nubo/internal/frontdoor"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/store"
)

// Invoker runs an invocation synchronously.
type Invoker interface {
	Invoke(ctx context.Context, inv *lambda.Invocation) (*lambda.Result, error)
}

// PathPrefix is the path form of a URL, for clients that cannot name a
// host: /_nubo/urls/<url-id>/<path>.
const PathPrefix = "/_nubo/urls/"

// maxRequest bounds a request's body and its event: 6 MB, Lambda's
// synchronous payload limit.
const maxRequest = 6 * 1024 * 1024

// New returns the function URLs kept in kv, for functions of functions
// invoked through invoker; auth decides AWS_IAM URLs (nil: any request
// signed for lambda, see Authorizer).
func New(kv store.KV, functions Functions, invoker Invoker, auth Authorizer, opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if auth == nil {
		auth = scopeOnly{account: opts.Account}
	}
	s := &Service{functions: functions, invoker: invoker, auth: auth, opts: opts, log: opts.Logger, now: time.Now}
	s.kv = s.byID.Track(kv)
	return s
}

// URL is the address of the URL id in region, for a client of the API
// that reached nubo at apiHost.
func (s *Service) URL(id, region, apiHost string) string {
	if d := s.opts.PublicDomain; d != "" {
		scheme, host := "https", d
		if i := strings.Index(d, "://"); i >= 0 {
			scheme, host = d[:i], d[i+3:]
		}
		return scheme + "://" + id + ".lambda-url." + region + "." + strings.TrimSuffix(host, "/") + "/"
	}
	port := ""
	if _, p, err := net.SplitHostPort(apiHost); err == nil {
		port = ":" + p
	}
	return "http://" + id + ".lambda-url." + region + ".localhost" + port + "/"
}

// HostPatterns are the hosts function URLs answer on (for
// wire.Router.HandleHost): {id}.lambda-url.{region}.localhost and, with
// a public domain, under it.
func (s *Service) HostPatterns() []string {
	out := []string{"{id}.lambda-url.{region}.localhost"}
	if d := s.opts.PublicDomain; d != "" {
		if i := strings.Index(d, "://"); i >= 0 {
			d = d[i+3:]
		}
		if h, _, err := net.SplitHostPort(d); err == nil {
			d = h
		}
		out = append(out, "{id}.lambda-url.{region}."+strings.TrimSuffix(d, "/"))
	}
	return out
}

// PathHandler serves the path form: /_nubo/urls/<url-id>/rest is the
// URL's /rest.
func (s *Service) PathHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.Path, PathPrefix)
		id, path, _ := strings.Cut(rest, "/")
		r.SetPathValue("id", id)
		r.URL.Path, r.URL.RawPath = "/"+path, ""
		s.ServeHTTP(w, r)
	})
}

// ServeHTTP serves a request to a function URL (the router gives the URL's
// id, and its region, as path values).
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec, err := s.byIDCached(r.Context(), r.PathValue("id"))
	if err != nil {
		s.log.Error("find function url", "err", err)
		frontdoor.InternalError.Write(w, "Message")
		return
	}
	if rec == nil || r.PathValue("region") != "" && r.PathValue("region") != rec.Region {
		frontdoor.NotFound.Write(w, "Message")
		return
	}
	cors := corsOf(rec.Cors)
	if cors != nil && frontdoor.IsPreflight(r) {
		cors.Preflight(w, r)
		return
	}
	inv, ok := s.invocation(w, r, rec)
	if !ok {
		return
	}
	if rec.InvokeMode == ResponseStream {
		s.stream(w, r, inv, cors)
		return
	}
	res, err := s.invoker.Invoke(r.Context(), inv)
	if err != nil {
		s.failure(err).Write(w, "Message")
		return
	}
	if res.FunctionError != "" {
		functionFailure(res).Write(w, "Message")
		return
	}
	resp, err := frontdoor.ResponseV2(res.Payload)
	if err != nil {
		frontdoor.BadGateway.Write(w, "Message")
		return
	}
	if cors != nil {
		cors.Apply(resp.Header, r)
	}
	resp.Write(w)
}

// invocation checks an AWS_IAM URL's caller, reads the body and makes the
// payload 2.0 event of the request; false means the request was refused
// and answered.
func (s *Service) invocation(w http.ResponseWriter, r *http.Request, rec *record) (*lambda.Invocation, bool) {
	started := s.now()
	scope := lambda.Scope{Account: s.opts.Account, Region: rec.Region}
	req := &frontdoor.Request{HTTP: r, RequestID: requestID(w), Time: started, Account: s.opts.Account, APIID: rec.ID,
		DomainName: frontdoor.DomainName(r), Stage: "$default", RouteKey: "$default", Path: r.URL.EscapedPath(), SourceIP: frontdoor.SourceIP(r)}
	if rec.AuthType == AuthIAM {
		iam, err := s.auth.AuthorizeFunctionURL(r.Context(), r, scope.QualifiedARN(rec.Function, rec.Qualifier))
		if err != nil {
			frontdoor.Forbidden.Write(w, "Message")
			return nil, false
		}
		req.Authorizer = &frontdoor.Authorizer{IAM: iam}
	}
	var err error
	if req.Body, err = io.ReadAll(http.MaxBytesReader(nil, r.Body, maxRequest)); err != nil {
		frontdoor.TooLarge.Write(w, "Message")
		return nil, false
	}
	trace := frontdoor.TraceID(r, started)
	frontdoor.Forwarded(r, req.SourceIP, trace)
	event, err := frontdoor.EventV2(req)
	if err != nil || len(event) > maxRequest {
		frontdoor.TooLarge.Write(w, "Message")
		return nil, false
	}
	w.Header().Set("X-Amzn-Trace-Id", trace)
	return &lambda.Invocation{Scope: scope, Function: lambda.FunctionRef{Name: rec.Function, Qualifier: rec.Qualifier},
		RequestID: req.RequestID, Payload: event, TraceID: trace}, true
}

// stream serves a RESPONSE_STREAM URL: what the function streams goes to
// the client as it comes (after its prelude, when it sends one); what it
// answers without streaming is the body of a 200, as sent.
func (s *Service) stream(w http.ResponseWriter, r *http.Request, inv *lambda.Invocation, cors *frontdoor.CORS) {
	st := frontdoor.NewHTTPStream(w)
	if cors != nil {
		st.Prepare = func(h http.Header) { cors.Apply(h, r) }
	}
	inv.Stream = st
	res, err := s.invoker.Invoke(r.Context(), inv)
	switch {
	case st.Sent(): // a failure mid-stream ends the response early
	case st.Begun():
		frontdoor.BadGateway.Write(w, "Message") // a prelude malformed or cut short
	case err != nil:
		s.failure(err).Write(w, "Message")
	case res.FunctionError != "":
		functionFailure(res).Write(w, "Message")
	default:
		ct := res.ContentType
		if ct == "" {
			ct = "application/json"
		}
		resp := &frontdoor.Response{Status: http.StatusOK, Header: http.Header{"Content-Type": {ct}}, Body: res.Payload}
		if cors != nil {
			cors.Apply(resp.Header, r)
		}
		resp.Write(w)
	}
}

// failure is the answer to an invocation that did not run.
func (s *Service) failure(err error) frontdoor.Failure {
	switch {
	case errors.Is(err, lambda.ErrTooManyRequests):
		return frontdoor.TooManyRequests
	case errors.Is(err, lambda.ErrResourceNotFound):
		return frontdoor.NotFound
	case errors.Is(err, lambda.ErrResourceConflict):
		return frontdoor.ServiceUnavailable
	}
	s.log.Error("invoke through a function url", "err", err)
	return frontdoor.InternalError
}

// functionFailure is the answer to a function that failed: a timeout is a
// 504, any other error a 502.
func functionFailure(res *lambda.Result) frontdoor.Failure {
	if frontdoor.TimedOut(res.Payload) {
		return frontdoor.Timeout
	}
	return frontdoor.BadGateway
}

func corsOf(c *Cors) *frontdoor.CORS {
	if c == nil {
		return nil
	}
	out := &frontdoor.CORS{AllowOrigins: c.AllowOrigins, AllowMethods: c.AllowMethods, AllowHeaders: c.AllowHeaders,
		ExposeHeaders: c.ExposeHeaders, PreflightStatus: http.StatusOK}
	if c.AllowCredentials != nil {
		out.AllowCredentials = *c.AllowCredentials
	}
	if c.MaxAge != nil {
		out.MaxAge = *c.MaxAge
	}
	return out
}

// requestID is the id the router gave the request (its x-amzn-RequestId),
// which the function's invocation takes too.
func requestID(w http.ResponseWriter) string {
	if id := w.Header().Get("X-Amzn-Requestid"); id != "" {
		return id
	}
	id := uuid.NewString()
	w.Header().Set("X-Amzn-Requestid", id)
	return id
}
