package lambdaapi

import (
	"context"
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
	h.handle("GET /2015-03-31/functions/{name}", "GetFunction", h.getFunction())
	h.handle("DELETE /2015-03-31/functions/{name}", "DeleteFunction", deleteOp(h, 256, h.control.DeleteFunction))
	h.routes = append(h.routes, wire.Route{Pattern: "POST /2015-03-31/functions/{name}/invocations", Operation: "Invoke",
		Action: "lambda:InvokeFunction", Handle: h.invoke})
	h.handle("GET /2015-03-31/functions/{name}/configuration", "GetFunctionConfiguration", getOp(h, 256, h.control.GetFunctionConfiguration))
	h.handle("PUT /2015-03-31/functions/{name}/configuration", "UpdateFunctionConfiguration", h.updateFunctionConfiguration())
	h.handle("PUT /2015-03-31/functions/{name}/code", "UpdateFunctionCode", putOp(h, 140, maxCodeRequest, http.StatusOK, h.control.UpdateFunctionCode))
	h.handle("POST /2015-03-31/functions/{name}/versions", "PublishVersion", putOp(h, 140, maxRequest, http.StatusCreated, h.control.PublishVersion))
	h.handle("GET /2015-03-31/functions/{name}/versions", "ListVersionsByFunction", listOp(h, 170, h.control.ListVersionsByFunction))
	h.handle("POST /2015-03-31/functions/{name}/aliases", "CreateAlias", putOp(h, 140, maxRequest, http.StatusCreated, h.control.CreateAlias))
	h.handle("GET /2015-03-31/functions/{name}/aliases", "ListAliases", h.listAliases())
	h.handle("GET /2015-03-31/functions/{name}/aliases/{alias}", "GetAlias", h.getAlias())
	h.handle("PUT /2015-03-31/functions/{name}/aliases/{alias}", "UpdateAlias", h.updateAlias())
	h.handle("DELETE /2015-03-31/functions/{name}/aliases/{alias}", "DeleteAlias", h.deleteAlias())
	h.handle("POST /2015-03-31/functions/{name}/policy", "AddPermission", putOp(h, 140, maxRequest, http.StatusCreated, h.control.AddPermission))
	h.handle("GET /2015-03-31/functions/{name}/policy", "GetPolicy", getOp(h, 170, h.control.GetPolicy))
	h.handle("DELETE /2015-03-31/functions/{name}/policy/{sid}", "RemovePermission", h.removePermission())
	h.handle("PUT /2017-10-31/functions/{name}/concurrency", "PutFunctionConcurrency", h.putConcurrency())
	h.handle("DELETE /2017-10-31/functions/{name}/concurrency", "DeleteFunctionConcurrency", deleteOp(h, 140, h.control.DeleteFunctionConcurrency))
	h.handle("GET /2019-09-30/functions/{name}/concurrency", "GetFunctionConcurrency", getOp(h, 140, h.control.GetFunctionConcurrency))
	h.handleAny("GET /2016-08-19/account-settings", "GetAccountSettings", h.accountSettings)
	h.handleAny("GET /2016-08-19/account-settings/{$}", "GetAccountSettings", h.accountSettings)
	h.handle("POST /2017-03-31/tags/{resource...}", "TagResource", h.tagResource)
	h.handle("DELETE /2017-03-31/tags/{resource...}", "UntagResource", h.untagResource)
	h.handle("GET /2017-03-31/tags/{resource...}", "ListTags", h.listTags)
}

func (h *handler) createFunction(w http.ResponseWriter, r *http.Request) error {
	var in lambda.CreateFunctionInput
	if err := decode(r, &in, maxCodeRequest); err != nil {
		return err
	}
	scope := h.scopeOf(r)
	if err := wire.Authorize(r.Context(), newFunctionARN(scope, in.FunctionName)); err != nil {
		return err
	}
	if err := passRole(r.Context(), in.Role); err != nil {
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

// getFunction answers with the function's configuration and a link to
// its code.
func (h *handler) getFunction() fnRoute {
	return fnOp(h, 256, http.StatusOK, func(r *http.Request, scope lambda.Scope, ref lambda.FunctionRef) (*control.GetFunctionOutput, error) {
		out, err := h.control.GetFunction(r.Context(), scope, ref)
		if err != nil {
			return nil, err
		}
		key, err := code.KeyOf(out.Configuration.CodeSha256)
		if err != nil {
			return nil, err
		}
		out.Code.Location = h.links.URL(wire.BaseURL(r.Context()), key)
		return out, nil
	})
}

// updateFunctionConfiguration is a putOp that first authorises passing the
// function's new role.
func (h *handler) updateFunctionConfiguration() fnRoute {
	return putOp(h, 140, maxRequest, http.StatusOK, func(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef, in *lambda.UpdateFunctionConfigurationInput) (*lambda.FunctionConfiguration, error) {
		if err := passRole(ctx, in.Role); err != nil {
			return nil, err
		}
		return h.control.UpdateFunctionConfiguration(ctx, scope, ref, in)
	})
}

// newFunctionARN is the ARN of the function CreateFunction names ("" when
// the name is not one).
func newFunctionARN(scope lambda.Scope, name string) string {
	ref, err := lambda.ParseFunctionRef(name, 140)
	if err != nil {
		return ""
	}
	return scope.Of(ref).FunctionARN(ref.Name)
}

// passRole authorises iam:PassRole of a function's execution role, as
// CreateFunction and UpdateFunctionConfiguration need: a caller may give a
// function only a role it may pass.
func passRole(ctx context.Context, role *string) error {
	if role == nil || *role == "" {
		return nil
	}
	return wire.AuthorizeAction(ctx, "iam:PassRole", *role)
}
