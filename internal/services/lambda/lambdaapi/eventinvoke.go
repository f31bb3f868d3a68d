package lambdaapi

import (
	"context"
	"net/http"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/lambda/control"
)

func (h *handler) eventInvokeRoutes() {
	const path = "/2019-09-25/functions/{name}/event-invoke-config"
	h.handle("PUT "+path, "PutFunctionEventInvokeConfig", h.putEventInvokeConfig(false))
	h.handle("POST "+path, "UpdateFunctionEventInvokeConfig", h.putEventInvokeConfig(true))
	h.handle("GET "+path, "GetFunctionEventInvokeConfig", getOp(h, 256, h.control.GetEventInvokeConfig))
	h.handle("DELETE "+path, "DeleteFunctionEventInvokeConfig", deleteOp(h, 256, h.control.DeleteEventInvokeConfig))
	h.handle("GET "+path+"/list", "ListFunctionEventInvokeConfigs", listOp(h, 256, h.control.ListEventInvokeConfigs))
}

// putEventInvokeConfig is Put- (replace) or, with merge,
// UpdateFunctionEventInvokeConfig.
func (h *handler) putEventInvokeConfig(merge bool) fnRoute {
	return putOp(h, 256, maxRequest, http.StatusOK, func(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef, in *control.EventInvokeConfigInput) (*lambda.FunctionEventInvokeConfig, error) {
		return h.control.PutEventInvokeConfig(ctx, scope, ref, in, merge)
	})
}
