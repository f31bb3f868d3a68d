package lambdaapi

import (
	"net/http"

	"github.com/nubo-dev/nubo/internal/services/lambda/control"
)

func (h *handler) createAlias(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.functionRef(r, 140)
	if err != nil {
		return err
	}
	var in control.CreateAliasInput
	if err := decode(r, &in, maxRequest, "CreateAlias"); err != nil {
		return err
	}
	out, err := h.control.CreateAlias(r.Context(), scope, ref, &in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, out)
}

func (h *handler) listAliases(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.functionRef(r, 140)
	if err != nil {
		return err
	}
	p, err := page(r)
	if err != nil {
		return err
	}
	out, err := h.control.ListAliases(r.Context(), scope, ref, r.URL.Query().Get("FunctionVersion"), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *handler) getAlias(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.functionRef(r, 140)
	if err != nil {
		return err
	}
	out, err := h.control.GetAlias(r.Context(), scope, ref, r.PathValue("alias"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *handler) updateAlias(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.functionRef(r, 140)
	if err != nil {
		return err
	}
	var in control.UpdateAliasInput
	if err := decode(r, &in, maxRequest, "UpdateAlias"); err != nil {
		return err
	}
	out, err := h.control.UpdateAlias(r.Context(), scope, ref, r.PathValue("alias"), &in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *handler) deleteAlias(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.functionRef(r, 140)
	if err != nil {
		return err
	}
	if err := h.control.DeleteAlias(r.Context(), scope, ref, r.PathValue("alias")); err != nil {
		return err
	}
	return noContent(w)
}
