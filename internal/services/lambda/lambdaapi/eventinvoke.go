package lambdaapi

import (
	"net/http"

	"github.com/nubo-dev/nubo/internal/services/lambda/control"
)

func (h *handler) eventInvokeRoutes() {
	const path = "/2019-09-25/functions/{name}/event-invoke-config"
	h.handle("PUT "+path, "PutFunctionEventInvokeConfig", h.putEventInvokeConfig(false))
	h.handle("POST "+path, "UpdateFunctionEventInvokeConfig", h.putEventInvokeConfig(true))
	h.handle("GET "+path, "GetFunctionEventInvokeConfig", h.getEventInvokeConfig)
	h.handle("DELETE "+path, "DeleteFunctionEventInvokeConfig", h.deleteEventInvokeConfig)
	h.handle("GET "+path+"/list", "ListFunctionEventInvokeConfigs", h.listEventInvokeConfigs)
}

// putEventInvokeConfig is Put- (replace) or, with merge,
// UpdateFunctionEventInvokeConfig.
func (h *handler) putEventInvokeConfig(merge bool) func(http.ResponseWriter, *http.Request) error {
	op := "PutFunctionEventInvokeConfig"
	if merge {
		op = "UpdateFunctionEventInvokeConfig"
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		scope, ref, err := h.functionRef(r, 256)
		if err != nil {
			return err
		}
		var in control.EventInvokeConfigInput
		if err := decode(r, &in, maxRequest, op); err != nil {
			return err
		}
		out, err := h.control.PutEventInvokeConfig(r.Context(), scope, ref, &in, merge)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, out)
	}
}

func (h *handler) getEventInvokeConfig(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.functionRef(r, 256)
	if err != nil {
		return err
	}
	out, err := h.control.GetEventInvokeConfig(r.Context(), scope, ref)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *handler) deleteEventInvokeConfig(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.functionRef(r, 256)
	if err != nil {
		return err
	}
	if err := h.control.DeleteEventInvokeConfig(r.Context(), scope, ref); err != nil {
		return err
	}
	return noContent(w)
}

func (h *handler) listEventInvokeConfigs(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.functionRef(r, 256)
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
	return writeJSON(w, http.StatusOK, out)
}
