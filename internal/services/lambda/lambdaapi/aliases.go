package lambdaapi

import (
	"net/http"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/lambda/control"
)

// The alias operations whose alias, or version filter, the path or query
// names; CreateAlias is a putOp.

func (h *handler) listAliases() fnRoute {
	return fnOp(h, 140, http.StatusOK, func(r *http.Request, scope lambda.Scope, ref lambda.FunctionRef) (*control.ListAliasesOutput, error) {
		p, err := page(r)
		if err != nil {
			return nil, err
		}
		return h.control.ListAliases(r.Context(), scope, ref, r.URL.Query().Get("FunctionVersion"), p)
	})
}

func (h *handler) getAlias() fnRoute {
	return fnOp(h, 140, http.StatusOK, func(r *http.Request, scope lambda.Scope, ref lambda.FunctionRef) (*lambda.AliasConfiguration, error) {
		return h.control.GetAlias(r.Context(), scope, ref, r.PathValue("alias"))
	})
}

func (h *handler) updateAlias() fnRoute {
	return fnOp(h, 140, http.StatusOK, func(r *http.Request, scope lambda.Scope, ref lambda.FunctionRef) (*lambda.AliasConfiguration, error) {
		var in control.UpdateAliasInput
		if err := decode(r, &in, maxRequest); err != nil {
			return nil, err
		}
		return h.control.UpdateAlias(r.Context(), scope, ref, r.PathValue("alias"), &in)
	})
}

func (h *handler) deleteAlias() fnRoute {
	return fnOp(h, 140, http.StatusNoContent, func(r *http.Request, scope lambda.Scope, ref lambda.FunctionRef) (any, error) {
		return nil, h.control.DeleteAlias(r.Context(), scope, ref, r.PathValue("alias"))
	})
}
