package lambdaapi

import (
	"net/http"

	"github.com/nubo-dev/nubo/internal/control"
)

func (h *Handler) createAlias(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.FunctionRef(r, 140)
	if err != nil {
		return err
	}
	var in control.CreateAliasInput
	if err := Decode(r, &in, MaxRequest, "CreateAlias"); err != nil {
		return err
	}
	out, err := h.control.CreateAlias(r.Context(), scope, ref, &in)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusCreated, out)
}

func (h *Handler) listAliases(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.FunctionRef(r, 140)
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
	return WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) getAlias(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.FunctionRef(r, 140)
	if err != nil {
		return err
	}
	out, err := h.control.GetAlias(r.Context(), scope, ref, r.PathValue("alias"))
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) updateAlias(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.FunctionRef(r, 140)
	if err != nil {
		return err
	}
	var in control.UpdateAliasInput
	if err := Decode(r, &in, MaxRequest, "UpdateAlias"); err != nil {
		return err
	}
	out, err := h.control.UpdateAlias(r.Context(), scope, ref, r.PathValue("alias"), &in)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) deleteAlias(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.FunctionRef(r, 140)
	if err != nil {
		return err
	}
	if err := h.control.DeleteAlias(r.Context(), scope, ref, r.PathValue("alias")); err != nil {
		return err
	}
	return NoContent(w)
}
