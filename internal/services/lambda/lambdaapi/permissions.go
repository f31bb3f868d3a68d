package lambdaapi

import (
	"net/http"

	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// The resource-based policy of a function, version or alias.

func (h *handler) addPermission(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.functionRef(r, 140)
	if err != nil {
		return err
	}
	var in lambda.AddPermissionInput
	if err := decode(r, &in, maxRequest, "AddPermission"); err != nil {
		return err
	}
	out, err := h.control.AddPermission(r.Context(), scope, ref, &in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, out)
}

func (h *handler) getPolicy(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.functionRef(r, 170)
	if err != nil {
		return err
	}
	out, err := h.control.GetPolicy(r.Context(), scope, ref)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *handler) removePermission(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.functionRef(r, 140)
	if err != nil {
		return err
	}
	if err := h.control.RemovePermission(r.Context(), scope, ref, r.PathValue("sid"), r.URL.Query().Get("RevisionId")); err != nil {
		return err
	}
	return noContent(w)
}
