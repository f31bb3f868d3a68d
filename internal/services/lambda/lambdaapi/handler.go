// Package lambdaapi is the Lambda service's wire layer: the rest-json routes
// of the 2015-03-31 API (and its other dated prefixes), request decoding, and
// the one table that maps nubo's error classes to AWS statuses and types.
package lambdaapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/nubo-dev/nubo/internal/iam/policy"
	"github.com/nubo-dev/nubo/internal/invoker"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/lambda/async"
	"github.com/nubo-dev/nubo/internal/services/lambda/control"
	"github.com/nubo-dev/nubo/internal/services/lambda/esm"
	"github.com/nubo-dev/nubo/internal/services/lambda/funcurl"
	"github.com/nubo-dev/nubo/internal/wire"
)

// handler holds Lambda service's handlers.
type handler struct {
	control  *control.Service
	invoker  *invoker.Invoker
	async    *async.Queue
	mappings *esm.Service
	urls     *funcurl.Service
	account  string
	links    Links
	routes   []wire.Route
}

// Prefixes are the dated path prefixes of the Lambda API.
var Prefixes = []string{"/2015-03-31/", "/2016-08-19/", "/2017-03-31/", "/2017-10-31/", "/2019-09-25/", "/2019-09-30/", "/2021-10-31/", "/2021-11-15/"}

// New returns Lambda's service for the wire layer: the control plane ctl,
// invocations through inv (and queue, for asynchronous ones), the event
// source mappings and the function URLs, the functions of account, code
// links signed by links.
func New(ctl *control.Service, inv *invoker.Invoker, queue *async.Queue, mappings *esm.Service, urls *funcurl.Service, account string, links Links, log *slog.Logger) *wire.Service {
	h := &handler{control: ctl, invoker: inv, async: queue, mappings: mappings, urls: urls, account: account, links: links}
	h.functionRoutes()
	h.eventInvokeRoutes()
	h.mappingRoutes()
	h.routes = append(h.routes, wire.Route{Pattern: "POST /2021-11-15/functions/{name}/response-streaming-invocations",
		Operation: "InvokeWithResponseStream", Action: "lambda:InvokeFunction", Handle: h.invokeWithResponseStream})
	return &wire.Service{
		Name:   "lambda",
		Paths:  Prefixes,
		Ops:    h.urlOps(),
		REST:   &wire.RESTProtocol{Routes: h.routes, NotFound: notFound},
		Errors: wire.Errors{Internal: lambda.ErrService, BadRequest: lambda.ErrInvalidRequestContent},
		Log:    log,
		Home:   account,
		ResourcePolicy: func(ctx context.Context, arn string) (*policy.Document, string, error) {
			doc, err := ctl.Policy(ctx, arn)
			return doc, "", err
		},
	}
}

func notFound(r *http.Request) error {
	return lambda.Errorf(lambda.ErrUnknownOperation, "The Lambda API has no operation for %s %s.", r.Method, r.URL.Path)
}

// handle registers the route of operation op, whose handler authorises
// (functionRef does) and returns an error to render.
func (h *handler) handle(pattern, op string, fn func(w http.ResponseWriter, r *http.Request) error) {
	h.routes = append(h.routes, wire.Route{Pattern: pattern, Operation: op, Handle: fn})
}

// handleAny registers the route of an operation on no resource ("*").
func (h *handler) handleAny(pattern, op string, fn func(w http.ResponseWriter, r *http.Request) error) {
	h.routes = append(h.routes, wire.Route{Pattern: pattern, Operation: op, AnyResource: true, Handle: fn})
}

// scopeOf is the account and region a request acts in: the caller's.
func (h *handler) scopeOf(r *http.Request) lambda.Scope {
	c := wire.CallOf(r.Context())
	if c.Account == "" {
		return lambda.Scope{Account: h.account, Region: c.Region}
	}
	return lambda.Scope{Account: c.Account, Region: c.Region}
}

// functionRef parses the {name} path parameter (a name, qualified name or
// ARN), merges the ?Qualifier query parameter into it, and authorises the
// operation on the function's ARN (qualified when a version or alias is
// named).
func (h *handler) functionRef(r *http.Request, maxLen int) (lambda.Scope, lambda.FunctionRef, error) {
	scope := h.scopeOf(r)
	ref, err := lambda.ParseFunctionRef(r.PathValue("name"), maxLen)
	if err != nil {
		return scope, ref, err
	}
	if ref, err = ref.WithQualifier(r.URL.Query().Get("Qualifier")); err != nil {
		return scope, ref, err
	}
	scope = scope.Of(ref)
	if err := wire.Authorize(r.Context(), resourceARN(scope, ref)); err != nil {
		return scope, ref, err
	}
	if scope.Account != h.account {
		return scope, ref, lambda.FunctionNotFound(scope.QualifiedARN(ref.Name, ref.Qualifier))
	}
	return scope, ref, nil
}

// resourceARN is the ARN a function operation is authorised on: the
// function's, or its version's or alias's ($LATEST is the function).
func resourceARN(scope lambda.Scope, ref lambda.FunctionRef) string {
	if ref.Qualifier == lambda.Latest {
		return scope.FunctionARN(ref.Name)
	}
	return scope.QualifiedARN(ref.Name, ref.Qualifier)
}

// page reads Marker and MaxItems.
func page(r *http.Request) (control.Page, error) {
	p := control.Page{Marker: r.URL.Query().Get("Marker")}
	if s := r.URL.Query().Get("MaxItems"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return p, lambda.Errorf(lambda.ErrValidation, "1 validation error detected: Value '%s' at 'maxItems' failed to satisfy constraint: Member must be a number", s)
		}
		// Checked here: a given MaxItems=0 must fail, and Page's 0 means "not given".
		var v lambda.Validator
		v.Range("maxItems", n, 1, 10000)
		if err := v.Err(); err != nil {
			return p, err
		}
		p.MaxItems = n
	}
	return p, nil
}

// decode reads a JSON request body of at most limit bytes into v; the
// error of a larger one names the route's operation.
func decode(r *http.Request, v any, limit int64) error {
	tooLarge := lambda.Errorf(lambda.ErrRequestEntityTooLarge, "Request must be smaller than %d bytes for the %s operation", limit, wire.CallOf(r.Context()).Operation)
	if r.ContentLength > limit {
		return tooLarge // refused unread
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return tooLarge
	}
	if err != nil {
		return fmt.Errorf("read request: %w", err)
	}
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return lambda.Errorf(lambda.ErrInvalidRequestContent, "Could not parse request body into json: %v", err)
	}
	return nil
}

// Request size limits of the Lambda front end.
const (
	maxCodeRequest = 69905067 // a 50 MB zip, base64-encoded, in JSON
	// maxRequest bounds the JSON body of every other operation.
	maxRequest = 6 << 20
)

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) // a failure here means the client has gone
	return nil
}

func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}
