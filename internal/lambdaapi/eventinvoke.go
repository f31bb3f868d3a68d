package lambdaapi

import (
	"net/http"

	"github.com/nubo-dev/nubo/internal/control"
)

func (h *Handler) eventInvokeRoutes() {
	const path = "/2019-09-25/functions/{name}/event-invoke-config"
	h.Handle("PUT "+path, h.putEventInvokeConfig(false))
	h.Handle("POST "+path, h.putEventInvokeConfig(true))
	h.Handle("GET "+path, h.getEventInvokeConfig)
	h.Handle("DELETE "+path, h.deleteEventInvokeConfig)
	h.Handle("GET "+path+"/list", h.listEventInvokeConfigs)
}

// putEventInvokeConfig is Put- (replace) or, with merge,
// UpdateFunctionEventInvokeConfig.
func (h *Handler) putEventInvokeConfig(merge bool) func(http.ResponseWriter, *http.Request) error {
	op := "PutFunctionEventInvokeConfig"
	if merge {
		op = "UpdateFunctionEventInvokeConfig"
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		scope, ref, err := h.FunctionRef(r, 256)
		if err != nil {
			return err
		}
		var in control.EventInvokeConfigInput
		if err := Decode(r, &in, MaxRequest, op); err != nil {
			return err
		}
		out, err := h.control.PutEventInvokeConfig(r.Context(), scope, ref, &in, merge)
		if err != nil {
			return err
		}
		return WriteJSON(w, http.StatusOK, out)
	}
}

func (h *Handler) getEventInvokeConfig(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.FunctionRef(r, 256)
	if err != nil {
		return err
	}
	out, err := h.control.GetEventInvokeConfig(r.Context(), scope, ref)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) deleteEventInvokeConfig(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.FunctionRef(r, 256)
	if err != nil {
		return err
	}
	if err := h.control.DeleteEventInvokeConfig(r.Context(), scope, ref); err != nil {
		return err
	}
	return NoContent(w)
}

func (h *Handler) listEventInvokeConfigs(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.FunctionRef(r, 256)
	if err != nil {
		return err
	}
	p, err := page(r)
	if err != nil {
		return err
	}
	out, err := h.control.ListEventInvokeConfigs(r.Context(), scope, ref, p)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, out)
}
