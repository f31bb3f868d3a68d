package lambdaapi

import (
	"net/http"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/wire"
)

// putConcurrency reserves concurrency for a function (Get- and
// DeleteFunctionConcurrency are a getOp and a deleteOp).
func (h *handler) putConcurrency() fnRoute {
	return fnOp(h, 140, http.StatusOK, func(r *http.Request, scope lambda.Scope, ref lambda.FunctionRef) (*lambda.Concurrency, error) {
		var in struct{ ReservedConcurrentExecutions *int }
		if err := decode(r, &in, maxRequest); err != nil {
			return nil, err
		}
		return h.control.PutFunctionConcurrency(r.Context(), scope, ref, in.ReservedConcurrentExecutions)
	})
}

func (h *handler) accountSettings(w http.ResponseWriter, r *http.Request) error {
	if err := wire.HomeAccount(r.Context()); err != nil {
		return err
	}
	out, err := h.control.GetAccountSettings(r.Context(), h.scopeOf(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *handler) tagResource(w http.ResponseWriter, r *http.Request) error {
	if err := wire.Authorize(r.Context(), r.PathValue("resource")); err != nil {
		return err
	}
	var in struct{ Tags map[string]string }
	if err := decode(r, &in, maxRequest); err != nil {
		return err
	}
	if err := h.control.TagResource(r.Context(), r.PathValue("resource"), in.Tags); err != nil {
		return err
	}
	return noContent(w)
}

func (h *handler) untagResource(w http.ResponseWriter, r *http.Request) error {
	if err := wire.Authorize(r.Context(), r.PathValue("resource")); err != nil {
		return err
	}
	if err := h.control.UntagResource(r.Context(), r.PathValue("resource"), r.URL.Query()["tagKeys"]); err != nil {
		return err
	}
	return noContent(w)
}

func (h *handler) listTags(w http.ResponseWriter, r *http.Request) error {
	if err := wire.Authorize(r.Context(), r.PathValue("resource")); err != nil {
		return err
	}
	tags, err := h.control.ListTags(r.Context(), r.PathValue("resource"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"Tags": tags})
}
