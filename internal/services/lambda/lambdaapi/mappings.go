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
		items, next := s.List(h.scopeOf(r), q.Get("EventSourceArn"), fn, q.Get("Marker"), maxItems)
		out := map[string]any{"EventSourceMappings": items}
		if next != "" {
			out["NextMarker"] = next
		}
		return writeJSON(w, http.StatusOK, out)
	}
	h.handleAny("GET "+base, "ListEventSourceMappings", list)
	h.handleAny("GET "+base+"/{$}", "ListEventSourceMappings", list)
	h.handle("GET "+base+"/{uuid}", "GetEventSourceMapping", func(w http.ResponseWriter, r *http.Request) error {
		if err := h.authorizeMapping(r); err != nil {
			return err
		}
		cfg, err := s.Get(h.scopeOf(r), r.PathValue("uuid"))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, cfg)
	})
	h.handle("PUT "+base+"/{uuid}", "UpdateEventSourceMapping", func(w http.ResponseWriter, r *http.Request) error {
		if err := h.authorizeMapping(r); err != nil {
			return err
		}
		var in esm.Input
		if err := decode(r, &in, maxRequest); err != nil {
			return err
		}
		cfg, err := s.Update(r.Context(), h.scopeOf(r), r.PathValue("uuid"), &in)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusAccepted, cfg)
	})
	h.handle("DELETE "+base+"/{uuid}", "DeleteEventSourceMapping", func(w http.ResponseWriter, r *http.Request) error {
		if err := h.authorizeMapping(r); err != nil {
			return err
		}
		cfg, err := s.Delete(r.Context(), h.scopeOf(r), r.PathValue("uuid"))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusAccepted, cfg)
	})
}

// authorizeMapping authorises an operation on the event source mapping
// {uuid} names.
func (h *handler) authorizeMapping(r *http.Request) error {
	scope := h.scopeOf(r)
	return wire.Authorize(r.Context(), "arn:aws:lambda:"+scope.Region+":"+scope.Account+":event-source-mapping:"+r.PathValue("uuid"))
}
