package lambdaapi

import (
	"context"
	"net/http"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/lambda/control"
)

// The shape most function operations share: functionRef finds the function
// the path's {name} names (a name of at most maxName characters) and
// authorises the operation on it, one control-plane call acts on it, and its
// answer is written as JSON. getOp, putOp, listOp and deleteOp take the
// control plane's method as it is; an operation that reads more of the
// request (an alias in the path) gives fnOp a closure.

// fnRoute is a route's handler.
type fnRoute = func(w http.ResponseWriter, r *http.Request) error

// fnOp answers with status and what call returns (with no body for 204).
func fnOp[Out any](h *handler, maxName, status int, call func(*http.Request, lambda.Scope, lambda.FunctionRef) (Out, error)) fnRoute {
	return func(w http.ResponseWriter, r *http.Request) error {
		scope, ref, err := h.functionRef(r, maxName)
		if err != nil {
			return err
		}
		out, err := call(r, scope, ref)
		if err != nil {
			return err
		}
		if status == http.StatusNoContent {
			return noContent(w)
		}
		return writeJSON(w, status, out)
	}
}

// getOp answers with what call returns.
func getOp[Out any](h *handler, maxName int, call func(context.Context, lambda.Scope, lambda.FunctionRef) (Out, error)) fnRoute {
	return fnOp(h, maxName, http.StatusOK, func(r *http.Request, scope lambda.Scope, ref lambda.FunctionRef) (Out, error) {
		return call(r.Context(), scope, ref)
	})
}

// putOp passes call the request's JSON body (of at most limit bytes).
func putOp[In, Out any](h *handler, maxName int, limit int64, status int, call func(context.Context, lambda.Scope, lambda.FunctionRef, *In) (Out, error)) fnRoute {
	return fnOp(h, maxName, status, func(r *http.Request, scope lambda.Scope, ref lambda.FunctionRef) (out Out, err error) {
		var in In
		if err := decode(r, &in, limit); err != nil {
			return out, err
		}
		return call(r.Context(), scope, ref, &in)
	})
}

// listOp passes call the page the query's Marker and MaxItems ask for.
func listOp[Out any](h *handler, maxName int, call func(context.Context, lambda.Scope, lambda.FunctionRef, control.Page) (Out, error)) fnRoute {
	return fnOp(h, maxName, http.StatusOK, func(r *http.Request, scope lambda.Scope, ref lambda.FunctionRef) (out Out, err error) {
		p, err := page(r)
		if err != nil {
			return out, err
		}
		return call(r.Context(), scope, ref, p)
	})
}

// deleteOp answers 204 once call has acted.
func deleteOp(h *handler, maxName int, call func(context.Context, lambda.Scope, lambda.FunctionRef) error) fnRoute {
	return fnOp(h, maxName, http.StatusNoContent, func(r *http.Request, scope lambda.Scope, ref lambda.FunctionRef) (any, error) {
		return nil, call(r.Context(), scope, ref)
	})
}
