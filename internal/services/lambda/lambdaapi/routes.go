package lambdaapi

import (
	"net/http"

	"github.com/nubo-dev/nubo/internal/code"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/lambda/control"
	"github.com/nubo-dev/nubo/internal/wire"
)

func (h *handler) functionRoutes() {
	h.handle("POST /2015-03-31/functions", "CreateFunction", h.createFunction)
	h.handleAny("GET /2015-03-31/functions", "ListFunctions", h.listFunctions)
	h.handleAny("GET /2015-03-31/functions/{$}", "ListFunctions", h.listFunctions)
	h.handle("GET /2015-03-31/functions/{name}", "GetFunction", h.getFunction)
	h.handle("DELETE /2015-03-31/functions/{name}", "DeleteFunction", h.deleteFunction)
	h.routes = append(h.routes, wire.Route{Pattern: "POST /2015-03-31/functions/{name}/invocations", Operation: "Invoke",
		Action: "lambda:InvokeFunction", Handle: h.invoke})
	h.handle("GET /2015-03-31/functions/{name}/configuration", "GetFunctionConfiguration", h.getFunctionConfiguration)
	h.handle("PUT /2015-03-31/functions/{name}/configuration", "UpdateFunctionConfiguration", h.updateFunctionConfiguration)
	h.handle("PUT /2015-03-31/functions/{name}/code", "UpdateFunctionCode", h.updateFunctionCode)
	h.handle("POST /2015-03-31/functions/{name}/versions", "PublishVersion", h.publishVersion)
	h.handle("GET /2015-03-31/functions/{name}/versions", "ListVersionsByFunction", h.listVersions)
	h.handle("POST /2015-03-31/functions/{name}/aliases", "CreateAlias", h.createAlias)
	h.handle("GET /2015-03-31/functions/{name}/aliases", "ListAliases", h.listAliases)
	h.handle("GET /2015-03-31/functions/{name}/aliases/{alias}", "GetAlias", h.getAlias)
	h.handle("PUT /2015-03-31/functions/{name}/aliases/{alias}", "UpdateAlias", h.updateAlias)
	h.handle("DELETE /2015-03-31/functions/{name}/aliases/{alias}", "DeleteAlias", h.deleteAlias)
	h.handle("POST /2015-03-31/functions/{name}/policy", "AddPermission", h.addPermission)
	h.handle("GET /2015-03-31/functions/{name}/policy", "GetPolicy", h.getPolicy)
	h.handle("DELETE /2015-03-31/functions/{name}/policy/{sid}", "RemovePermission", h.removePermission)
	h.handle("PUT /2017-10-31/functions/{name}/concurrency", "PutFunctionConcurrency", h.putConcurrency)
	h.handle("DELETE /2017-10-31/functions/{name}/concurrency", "DeleteFunctionConcurrency", h.deleteConcurrency)
	h.handle("GET /2019-09-30/functions/{name}/concurrency", "GetFunctionConcurrency", h.getConcurrency)
	h.handleAny("GET /2016-08-19/account-settings", "GetAccountSettings", h.accountSettings)
	h.handleAny("GET /2016-08-19/account-settings/{$}", "GetAccountSettings", h.accountSettings)
	h.handle("POST /2017-03-31/tags/{resource...}", "TagResource", h.tagResource)
	h.handle("DELETE /2017-03-31/tags/{resource...}", "UntagResource", h.untagResource)
	h.handle("GET /2017-03-31/tags/{resource...}", "ListTags", h.listTags)
}

func (h *handler) createFunction(w http.ResponseWriter, r *http.Request) error {
	var in lambda.CreateFunctionInput
	if err := decode(r, &in, maxCodeRequest, "CreateFunction"); err != nil {
		return err
	}
	scope := h.scopeOf(r)
	if err := wire.Authorize(r.Context(), newFunctionARN(scope, in.FunctionName)); err != nil {
		return err
	}
	if err := passRole(r, in.Role); err != nil {
		return err
	}
	cfg, err := h.control.CreateFunction(r.Context(), scope, &in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, cfg)
}

func (h *handler) listFunctions(w http.ResponseWriter, r *http.Request) error {
	if wire.HomeAccount(r.Context()) != nil {
		return writeJSON(w, http.StatusOK, map[string]any{"Functions": []any{}}) // other accounts have none
	}
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
	out.Code.Location = h.links.URL(wire.BaseURL(r.Context()), key)
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
	if err := passRole(r, in.Role); err != nil {
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

// newFunctionARN is the ARN of the function CreateFunction names ("" when
// the name is not one).
func newFunctionARN(scope lambda.Scope, name string) string {
	ref, err := lambda.ParseFunctionRef(name, 140)
	if err != nil {
		return ""
	}
	if ref.Account != "" {
		scope.Account = ref.Account
	}
	if ref.Region != "" {
		scope.Region = ref.Region
	}
	return scope.FunctionARN(ref.Name)
}

// passRole authorises iam:PassRole of a function's execution role, as
// CreateFunction and UpdateFunctionConfiguration need: a caller may give a
// function only a role it may pass.
func passRole(r *http.Request, role *string) error {
	if role == nil || *role == "" {
		return nil
	}
	return wire.AuthorizeAction(r.Context(), "iam:PassRole", *role)
}
