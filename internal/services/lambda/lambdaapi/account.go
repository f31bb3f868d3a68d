package lambdaapi

import (
	"net/http"

	"github.com/nubo-dev/nubo/internal/wire"
)

func (h *handler) putConcurrency(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.functionRef(r, 140)
	if err != nil {
		return err
	}
	var in struct{ ReservedConcurrentExecutions *int }
	if err := decode(r, &in, maxRequest, "PutFunctionConcurrency"); err != nil {
		return err
	}
	out, err := h.control.PutFunctionConcurrency(r.Context(), scope, ref, in.ReservedConcurrentExecutions)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *handler) getConcurrency(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.functionRef(r, 140)
	if err != nil {
		return err
	}
	out, err := h.control.GetFunctionConcurrency(r.Context(), scope, ref)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *handler) deleteConcurrency(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.functionRef(r, 140)
	if err != nil {
		return err
	}
	if err := h.control.DeleteFunctionConcurrency(r.Context(), scope, ref); err != nil {
		return err
	}
	return noContent(w)
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
	if err := decode(r, &in, maxRequest, "TagResource"); err != nil {
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
