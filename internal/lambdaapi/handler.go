// Package lambdaapi is the Lambda service's wire layer: the rest-json routes
// of the 2015-03-31 API (and its other dated prefixes), request decoding, and
// the one table that maps nubo's error classes to AWS statuses and types.
package lambdaapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/nubo-dev/nubo/internal/api"
	"github.com/nubo-dev/nubo/internal/async"
	"github.com/nubo-dev/nubo/internal/control"
	"github.com/nubo-dev/nubo/internal/invoker"
	"github.com/nubo-dev/nubo/internal/lambda"
)

// Handler serves the Lambda API.
type Handler struct {
	control *control.Service
	invoker *invoker.Invoker
	async   *async.Queue
	account string
	mux     *http.ServeMux
	log     *slog.Logger
}

// New returns a Handler for the control plane ctl that invokes through inv
// (and queue, for asynchronous invocations), acting for account.
func New(ctl *control.Service, inv *invoker.Invoker, queue *async.Queue, account string, log *slog.Logger) *Handler {
	h := &Handler{control: ctl, invoker: inv, async: queue, account: account, mux: http.NewServeMux(), log: log}
	h.routes()
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := h.mux.Handler(r); pattern == "" {
		api.WriteRESTJSON(w, &api.Error{Status: http.StatusNotFound, Code: "UnknownOperationException",
			Message: fmt.Sprintf("The Lambda API has no operation for %s %s.", r.Method, r.URL.Path)})
		return
	}
	h.mux.ServeHTTP(w, r)
}

// handle registers a route whose handler returns an error to render.
func (h *Handler) Handle(pattern string, fn func(w http.ResponseWriter, r *http.Request) error) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			h.writeError(w, r, err)
		}
	})
}

// Scope is the account and region a request acts in.
func (h *Handler) Scope(r *http.Request) lambda.Scope {
	return lambda.Scope{Account: h.account, Region: api.Region(r.Context())}
}

// FunctionRef parses the {name} path parameter (a name, qualified name or
// ARN) and merges the ?Qualifier query parameter into it.
func (h *Handler) FunctionRef(r *http.Request, maxLen int) (lambda.Scope, lambda.FunctionRef, error) {
	scope := h.Scope(r)
	ref, err := lambda.ParseFunctionRef(r.PathValue("name"), maxLen)
	if err != nil {
		return scope, ref, err
	}
	if ref, err = ref.WithQualifier(r.URL.Query().Get("Qualifier")); err != nil {
		return scope, ref, err
	}
	if ref.Region != "" {
		scope.Region = ref.Region
	}
	if ref.Account != "" && ref.Account != h.account {
		return scope, ref, lambda.FunctionNotFound(scope.QualifiedARN(ref.Name, ref.Qualifier))
	}
	return scope, ref, nil
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

// Decode reads a JSON request body of at most limit bytes into v.
func Decode(r *http.Request, v any, limit int64, op string) error {
	tooLarge := lambda.Errorf(lambda.ErrRequestEntityTooLarge, "Request must be smaller than %d bytes for the %s operation", limit, op)
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
	// MaxRequest bounds the JSON body of every other operation.
	MaxRequest = 6 << 20
)

func WriteJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) // a failure here means the client has gone
	return nil
}

func NoContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}
