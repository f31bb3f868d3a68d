package lambdaapi

import (
	"net/http"

	"github.com/nubo-dev/nubo/internal/code"
	"github.com/nubo-dev/nubo/internal/control"
	"github.com/nubo-dev/nubo/internal/lambda"
)

// CodePath is where GetFunction's Code.Location points: nubo serves the
// package itself, as S3 serves a presigned URL for AWS.
const CodePath = "/_nubo/code/"

func (h *Handler) routes() {
	h.Handle("POST /2015-03-31/functions", h.createFunction)
	h.Handle("GET /2015-03-31/functions", h.listFunctions)
	h.Handle("GET /2015-03-31/functions/{$}", h.listFunctions)
	h.Handle("GET /2015-03-31/functions/{name}", h.getFunction)
	h.Handle("DELETE /2015-03-31/functions/{name}", h.deleteFunction)
	h.Handle("POST /2015-03-31/functions/{name}/invocations", h.invoke)
	h.Handle("GET /2015-03-31/functions/{name}/configuration", h.getFunctionConfiguration)
	h.Handle("PUT /2015-03-31/functions/{name}/configuration", h.updateFunctionConfiguration)
	h.Handle("PUT /2015-03-31/functions/{name}/code", h.updateFunctionCode)
	h.Handle("POST /2015-03-31/functions/{name}/versions", h.publishVersion)
	h.Handle("GET /2015-03-31/functions/{name}/versions", h.listVersions)
	h.Handle("POST /2015-03-31/functions/{name}/aliases", h.createAlias)
	h.Handle("GET /2015-03-31/functions/{name}/aliases", h.listAliases)
	h.Handle("GET /2015-03-31/functions/{name}/aliases/{alias}", h.getAlias)
	h.Handle("PUT /2015-03-31/functions/{name}/aliases/{alias}", h.updateAlias)
	h.Handle("DELETE /2015-03-31/functions/{name}/aliases/{alias}", h.deleteAlias)
	h.Handle("PUT /2017-10-31/functions/{name}/concurrency", h.putConcurrency)
	h.Handle("DELETE /2017-10-31/functions/{name}/concurrency", h.deleteConcurrency)
	h.Handle("GET /2019-09-30/functions/{name}/concurrency", h.getConcurrency)
	h.Handle("GET /2016-08-19/account-settings", h.accountSettings)
	h.Handle("GET /2016-08-19/account-settings/{$}", h.accountSettings)
	h.Handle("POST /2017-03-31/tags/{resource...}", h.tagResource)
	h.Handle("DELETE /2017-03-31/tags/{resource...}", h.untagResource)
	h.Handle("GET /2017-03-31/tags/{resource...}", h.listTags)
	h.eventInvokeRoutes()
}

func (h *Handler) createFunction(w http.ResponseWriter, r *http.Request) error {
	var in lambda.CreateFunctionInput
	if err := Decode(r, &in, maxCodeRequest, "CreateFunction"); err != nil {
		return err
	}
	cfg, err := h.control.CreateFunction(r.Context(), h.Scope(r), &in)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusCreated, cfg)
}

func (h *Handler) listFunctions(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	fv := r.URL.Query().Get("FunctionVersion")
	if fv != "" {
		var v lambda.Validator
		v.Enum("functionVersion", fv, "ALL")
		if err := v.Err(); err != nil {
			return err
		}
	}
	out, err := h.control.ListFunctions(r.Context(), h.Scope(r), fv == "ALL", p)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) getFunction(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.FunctionRef(r, 256)
	if err != nil {
		return err
	}
	out, err := h.control.GetFunction(r.Context(), scope, ref)
	if err != nil {
		return err
	}
	key, err := code.KeyOf(out.Configuration.CodeSha256)
	if err != nil {
		return err
	}
	out.Code.Location = "http://" + r.Host + CodePath + key + ".zip"
	return WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) deleteFunction(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.FunctionRef(r, 256)
	if err != nil {
		return err
	}
	if err := h.control.DeleteFunction(r.Context(), scope, ref); err != nil {
		return err
	}
	return NoContent(w)
}

func (h *Handler) getFunctionConfiguration(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.FunctionRef(r, 256)
	if err != nil {
		return err
	}
	cfg, err := h.control.GetFunctionConfiguration(r.Context(), scope, ref)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, cfg)
}

func (h *Handler) updateFunctionConfiguration(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.FunctionRef(r, 140)
	if err != nil {
		return err
	}
	var in lambda.UpdateFunctionConfigurationInput
	if err := Decode(r, &in, MaxRequest, "UpdateFunctionConfiguration"); err != nil {
		return err
	}
	cfg, err := h.control.UpdateFunctionConfiguration(r.Context(), scope, ref, &in)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, cfg)
}

func (h *Handler) updateFunctionCode(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.FunctionRef(r, 140)
	if err != nil {
		return err
	}
	var in lambda.UpdateFunctionCodeInput
	if err := Decode(r, &in, maxCodeRequest, "UpdateFunctionCode"); err != nil {
		return err
	}
	cfg, err := h.control.UpdateFunctionCode(r.Context(), scope, ref, &in)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, cfg)
}

func (h *Handler) publishVersion(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.FunctionRef(r, 140)
	if err != nil {
		return err
	}
	var in control.PublishVersionInput
	if err := Decode(r, &in, MaxRequest, "PublishVersion"); err != nil {
		return err
	}
	cfg, err := h.control.PublishVersion(r.Context(), scope, ref, &in)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusCreated, cfg)
}

func (h *Handler) listVersions(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.FunctionRef(r, 170)
	if err != nil {
		return err
	}
	p, err := page(r)
	if err != nil {
		return err
	}
	out, err := h.control.ListVersionsByFunction(r.Context(), scope, ref, p)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, out)
}
