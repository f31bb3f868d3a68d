package lambdaapi

import (
	"net/http"

	"github.com/nubo-dev/nubo/internal/code"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/lambda/control"
)

// CodePath is where GetFunction's Code.Location points: nubo serves the
// package itself, as S3 serves a presigned URL for AWS.
const CodePath = "/_nubo/code/"

func (h *handler) functionRoutes() {
	h.handle("POST /2015-03-31/functions", h.createFunction)
	h.handle("GET /2015-03-31/functions", h.listFunctions)
	h.handle("GET /2015-03-31/functions/{$}", h.listFunctions)
	h.handle("GET /2015-03-31/functions/{name}", h.getFunction)
	h.handle("DELETE /2015-03-31/functions/{name}", h.deleteFunction)
	h.handle("POST /2015-03-31/functions/{name}/invocations", h.invoke)
	h.handle("GET /2015-03-31/functions/{name}/configuration", h.getFunctionConfiguration)
	h.handle("PUT /2015-03-31/functions/{name}/configuration", h.updateFunctionConfiguration)
	h.handle("PUT /2015-03-31/functions/{name}/code", h.updateFunctionCode)
	h.handle("POST /2015-03-31/functions/{name}/versions", h.publishVersion)
	h.handle("GET /2015-03-31/functions/{name}/versions", h.listVersions)
	h.handle("POST /2015-03-31/functions/{name}/aliases", h.createAlias)
	h.handle("GET /2015-03-31/functions/{name}/aliases", h.listAliases)
	h.handle("GET /2015-03-31/functions/{name}/aliases/{alias}", h.getAlias)
	h.handle("PUT /2015-03-31/functions/{name}/aliases/{alias}", h.updateAlias)
	h.handle("DELETE /2015-03-31/functions/{name}/aliases/{alias}", h.deleteAlias)
	h.handle("PUT /2017-10-31/functions/{name}/concurrency", h.putConcurrency)
	h.handle("DELETE /2017-10-31/functions/{name}/concurrency", h.deleteConcurrency)
	h.handle("GET /2019-09-30/functions/{name}/concurrency", h.getConcurrency)
	h.handle("GET /2016-08-19/account-settings", h.accountSettings)
	h.handle("GET /2016-08-19/account-settings/{$}", h.accountSettings)
	h.handle("POST /2017-03-31/tags/{resource...}", h.tagResource)
	h.handle("DELETE /2017-03-31/tags/{resource...}", h.untagResource)
	h.handle("GET /2017-03-31/tags/{resource...}", h.listTags)
}

func (h *handler) createFunction(w http.ResponseWriter, r *http.Request) error {
	var in lambda.CreateFunctionInput
	if err := decode(r, &in, maxCodeRequest, "CreateFunction"); err != nil {
		return err
	}
	cfg, err := h.control.CreateFunction(r.Context(), h.scopeOf(r), &in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, cfg)
}

func (h *handler) listFunctions(w http.ResponseWriter, r *http.Request) error {
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
	out, err := h.control.ListFunctions(r.Context(), h.scopeOf(r), fv == "ALL", p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *handler) getFunction(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.functionRef(r, 256)
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
	return writeJSON(w, http.StatusOK, out)
}

func (h *handler) deleteFunction(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.functionRef(r, 256)
	if err != nil {
		return err
	}
	if err := h.control.DeleteFunction(r.Context(), scope, ref); err != nil {
		return err
	}
	return noContent(w)
}

func (h *handler) getFunctionConfiguration(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.functionRef(r, 256)
	if err != nil {
		return err
	}
	cfg, err := h.control.GetFunctionConfiguration(r.Context(), scope, ref)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, cfg)
}

func (h *handler) updateFunctionConfiguration(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.functionRef(r, 140)
	if err != nil {
		return err
	}
	var in lambda.UpdateFunctionConfigurationInput
	if err := decode(r, &in, maxRequest, "UpdateFunctionConfiguration"); err != nil {
		return err
	}
	cfg, err := h.control.UpdateFunctionConfiguration(r.Context(), scope, ref, &in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, cfg)
}

func (h *handler) updateFunctionCode(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.functionRef(r, 140)
	if err != nil {
		return err
	}
	var in lambda.UpdateFunctionCodeInput
	if err := decode(r, &in, maxCodeRequest, "UpdateFunctionCode"); err != nil {
		return err
	}
	cfg, err := h.control.UpdateFunctionCode(r.Context(), scope, ref, &in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, cfg)
}

func (h *handler) publishVersion(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.functionRef(r, 140)
	if err != nil {
		return err
	}
	var in control.PublishVersionInput
	if err := decode(r, &in, maxRequest, "PublishVersion"); err != nil {
		return err
	}
	cfg, err := h.control.PublishVersion(r.Context(), scope, ref, &in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, cfg)
}

func (h *handler) listVersions(w http.ResponseWriter, r *http.Request) error {
	scope, ref, err := h.functionRef(r, 170)
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
	return writeJSON(w, http.StatusOK, out)
}
