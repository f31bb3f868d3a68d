package lambdaapi

import (
	"net/http"

	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// removePermission removes the statement the path's {sid} names from the
// resource-based policy of a function, version or alias (AddPermission and
// GetPolicy are a putOp and a getOp).
func (h *handler) removePermission() fnRoute {
	return fnOp(h, 140, http.StatusNoContent, func(r *http.Request, scope lambda.Scope, ref lambda.FunctionRef) (any, error) {
		return nil, h.control.RemovePermission(r.Context(), scope, ref, r.PathValue("sid"), r.URL.Query().Get("RevisionId"))
	})
}
