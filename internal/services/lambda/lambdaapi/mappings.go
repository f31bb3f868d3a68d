package lambdaapi

import (
	"net/http"
	"strconv"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/lambda/esm"
	"github.com/nubo-dev/nubo/internal/wire"
)

// mappingRoutes are the event source mapping operations.
func (h *handler) mappingRoutes() {
	s := h.mappings
	base := "/2015-03-31/event-source-mappings"
	create := func(w http.ResponseWriter, r *http.Request) error {
		var in esm.Input
		if err := decode(r, &in, maxRequest); err != nil {
			return err
		}
		cfg, err := s.Create(r.Context(), h.scopeOf(r), &in)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusAccepted, cfg)
	}
	h.handleAny("POST "+base, "CreateEventSourceMapping", create)
	h.handleAny("POST "+base+"/{$}", "CreateEventSourceMapping", create)
	list := func(w http.ResponseWriter, r *http.Request) error {
		if wire.HomeAccount(r.Context()) != nil {
			return writeJSON(w, http.StatusOK, map[string]any{"EventSourceMappings": []any{}}) // other accounts have none
		}
		q := r.URL.Query()
		var fn *lambda.FunctionRef
		if name := q.Get("FunctionName"); name != "" {
			ref, err := lambda.ParseFunctionRef(name, 256)
			if err != nil {
				return err
			}
			fn = &ref
		}
		maxItems := 0
		if v := q.Get("MaxItems"); v != "" {
			n, err := strconv.Atoi(v)
			var val lambda.Validator
			if err != nil {
				val.Fail(v, "maxItems", "Member must be a number")
			} else {
				val.Range("maxItems", n, 1, 10000)
			}
			if err := val.Err(); err != nil {
				return err
			}
			maxItems = n
		}
		items, next := s.List(r.Context(), h.scopeOf(r), q.Get("EventSourceArn"), fn, q.Get("Marker"), maxItems)
		out := map[string]any{"EventSourceMappings": items}
		if next != "" {
			out["NextMarker"] = next
		}
		return writeJSON(w, http.StatusOK, out)
	}
	h.handleAny("GET "+base, "ListEventSourceMappings", list)
	h.handleAny("GET "+base+"/{$}", "ListEventSourceMappings", list)
	h.handle("GET "+base+"/{uuid}", "GetEventSourceMapping", h.mappingOp(http.StatusOK, func(r *http.Request, scope lambda.Scope, id string) (esm.Configuration, error) {
		return s.Get(r.Context(), scope, id)
	}))
	h.handle("PUT "+base+"/{uuid}", "UpdateEventSourceMapping", h.mappingOp(http.StatusAccepted, func(r *http.Request, scope lambda.Scope, id string) (esm.Configuration, error) {
		var in esm.Input
		if err := decode(r, &in, maxRequest); err != nil {
			return esm.Configuration{}, err
		}
		return s.Update(r.Context(), scope, id, &in)
	}))
	h.handle("DELETE "+base+"/{uuid}", "DeleteEventSourceMapping", h.mappingOp(http.StatusAccepted, func(r *http.Request, scope lambda.Scope, id string) (esm.Configuration, error) {
		return s.Delete(r.Context(), scope, id)
	}))
}

// mappingOp serves an operation on the event source mapping {uuid} names:
// it authorises the operation on the mapping's ARN, then answers with
// status and what call returns.
func (h *handler) mappingOp(status int, call func(r *http.Request, scope lambda.Scope, id string) (esm.Configuration, error)) fnRoute {
	return func(w http.ResponseWriter, r *http.Request) error {
		scope, id := h.scopeOf(r), r.PathValue("uuid")
		if err := wire.Authorize(r.Context(), "arn:aws:lambda:"+scope.Region+":"+scope.Account+":event-source-mapping:"+id); err != nil {
			return err
		}
		cfg, err := call(r, scope, id)
		if err != nil {
			return err
		}
		return writeJSON(w, status, cfg)
	}
}
