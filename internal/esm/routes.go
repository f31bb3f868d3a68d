package esm

import (
	"net/http"
	"strconv"

	"github.com/nubo-dev/nubo/internal/lambda"
	"github.com/nubo-dev/nubo/internal/lambdaapi"
)

// Routes adds the event source mapping operations to the Lambda API.
func (s *Service) Routes(h *lambdaapi.Handler) {
	base := "/2015-03-31/event-source-mappings"
	create := func(w http.ResponseWriter, r *http.Request) error {
		var in Input
		if err := lambdaapi.Decode(r, &in, lambdaapi.MaxRequest, "CreateEventSourceMapping"); err != nil {
			return err
		}
		cfg, err := s.Create(r.Context(), h.Scope(r), &in)
		if err != nil {
			return err
		}
		return lambdaapi.WriteJSON(w, http.StatusAccepted, cfg)
	}
	h.Handle("POST "+base, create)
	h.Handle("POST "+base+"/{$}", create)
	list := func(w http.ResponseWriter, r *http.Request) error {
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
		items, next := s.List(h.Scope(r), q.Get("EventSourceArn"), fn, q.Get("Marker"), maxItems)
		out := map[string]any{"EventSourceMappings": items}
		if next != "" {
			out["NextMarker"] = next
		}
		return lambdaapi.WriteJSON(w, http.StatusOK, out)
	}
	h.Handle("GET "+base, list)
	h.Handle("GET "+base+"/{$}", list)
	h.Handle("GET "+base+"/{uuid}", func(w http.ResponseWriter, r *http.Request) error {
		cfg, err := s.Get(h.Scope(r), r.PathValue("uuid"))
		if err != nil {
			return err
		}
		return lambdaapi.WriteJSON(w, http.StatusOK, cfg)
	})
	h.Handle("PUT "+base+"/{uuid}", func(w http.ResponseWriter, r *http.Request) error {
		var in Input
		if err := lambdaapi.Decode(r, &in, lambdaapi.MaxRequest, "UpdateEventSourceMapping"); err != nil {
			return err
		}
		cfg, err := s.Update(r.Context(), h.Scope(r), r.PathValue("uuid"), &in)
		if err != nil {
			return err
		}
		return lambdaapi.WriteJSON(w, http.StatusAccepted, cfg)
	})
	h.Handle("DELETE "+base+"/{uuid}", func(w http.ResponseWriter, r *http.Request) error {
		cfg, err := s.Delete(r.Context(), h.Scope(r), r.PathValue("uuid"))
		if err != nil {
			return err
		}
		return lambdaapi.WriteJSON(w, http.StatusAccepted, cfg)
	})
}
