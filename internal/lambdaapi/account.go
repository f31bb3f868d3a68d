package lambdaapi

import "net/http"

func (h *Handler) putConcurrency(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.FunctionRef(r, 140)
	if err != nil {
		return err
	}
	var in struct{ ReservedConcurrentExecutions *int }
	if err := Decode(r, &in, MaxRequest, "PutFunctionConcurrency"); err != nil {
		return err
	}
	out, err := h.control.PutFunctionConcurrency(r.Context(), scope, ref, in.ReservedConcurrentExecutions)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) getConcurrency(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.FunctionRef(r, 140)
	if err != nil {
		return err
	}
	out, err := h.control.GetFunctionConcurrency(r.Context(), scope, ref)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) deleteConcurrency(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.FunctionRef(r, 140)
	if err != nil {
		return err
	}
	if err := h.control.DeleteFunctionConcurrency(r.Context(), scope, ref); err != nil {
		return err
	}
	return NoContent(w)
}

func (h *Handler) accountSettings(w http.ResponseWriter, r *http.Request) error {
	out, err := h.control.GetAccountSettings(r.Context(), h.Scope(r))
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) tagResource(w http.ResponseWriter, r *http.Request) error {
	var in struct{ Tags map[string]string }
	if err := Decode(r, &in, MaxRequest, "TagResource"); err != nil {
		return err
	}
	if err := h.control.TagResource(r.Context(), r.PathValue("resource"), in.Tags); err != nil {
		return err
	}
	return NoContent(w)
}

func (h *Handler) untagResource(w http.ResponseWriter, r *http.Request) error {
	if err := h.control.UntagResource(r.Context(), r.PathValue("resource"), r.URL.Query()["tagKeys"]); err != nil {
		return err
	}
	return NoContent(w)
}

func (h *Handler) listTags(w http.ResponseWriter, r *http.Request) error {
	tags, err := h.control.ListTags(r.Context(), r.PathValue("resource"))
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, map[string]any{"Tags": tags})
}
