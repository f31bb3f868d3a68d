// Package apigatewayapi is the wire of API Gateway's HTTP APIs
// (apigatewayv2, restJson1, signing name apigateway): the table of its
// operations over the apigateway package.
package apigatewayapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/iam/policy"
	ag "github.com/nubo-dev/nubo/internal/services/apigateway"
	"github.com/nubo-dev/nubo/internal/wire"
)

type handler struct {
	svc     *ag.Service
	account string
}

// New returns apigatewayv2's service for the wire layer.
func New(svc *ag.Service, account string, log *slog.Logger) *wire.Service {
	h := &handler{svc: svc, account: account}
	var ops []wire.Op
	for _, group := range [][]wire.Op{h.apiOps(), h.routeOps(), h.integrationOps(), h.authorizerOps(), h.stageOps(), h.deploymentOps(), h.domainOps(), h.tagOps()} {
		ops = append(ops, group...)
	}
	return &wire.Service{
		Name:  "apigateway",
		Paths: []string{"/v2/apis", "/v2/domainnames", "/v2/tags/"},
		REST: &wire.RESTProtocol{NotFound: func(r *http.Request) error {
			return awserr.New(ag.ErrNotFound, "nubo's API Gateway has no operation for %s %s", r.Method, r.URL.Path)
		}},
		Ops:            ops,
		Errors:         wire.Errors{BadRequest: ag.ErrBadRequest},
		Log:            log,
		ResourcePolicy: h.owner,
		Wrap:           wire.Synced(svc.Sync, log, nil),
	}
}

// op declares a REST operation: its method and path, its success status
// (200 when zero), and what it needs of its caller. API Gateway's IAM
// actions are the HTTP methods of its REST API (apigateway:GET,
// apigateway:POST, ...) and its resources the paths
// (arn:aws:apigateway:REGION::/apis/ID/routes/ID), as AWS's Service
// Authorization Reference names them for apigatewayv2.
func op(o wire.Op, pattern string, status int) wire.Op {
	o.HTTP, o.Status = pattern, status
	method, _, _ := strings.Cut(pattern, " ")
	return o.Action("apigateway:" + method).RequestAccess(pathResource)
}

// pathResource is the resource of a request: its path without the API's
// version.
func pathResource(ctx context.Context, r *http.Request) []wire.Access {
	return []wire.Access{{Resource: "arn:aws:apigateway:" + wire.Region(ctx) + "::" + strings.TrimPrefix(r.URL.EscapedPath(), "/v2")}}
}

// owner says that the APIs belong to nubo's account: their ARNs name no
// account, and callers of other accounts, whom no resource policy lets in,
// are refused.
func (h *handler) owner(ctx context.Context, arn string) (*policy.Document, string, error) {
	return nil, h.account, nil
}

func (h *handler) scope(ctx context.Context) ag.Scope {
	return ag.Scope{Account: h.account, Region: wire.Region(ctx)}
}

// host is the host the client reached the API on; endpoints use its port.
func host(ctx context.Context) string {
	if r := wire.CallOf(ctx).Request; r != nil {
		return r.Host
	}
	return ""
}

// The members that name what an operation acts on.
type (
	apiRef struct {
		ApiId string `json:"-" wire:"path=ApiId"`
	}
	routeRef struct {
		apiRef
		RouteId string `json:"-" wire:"path=RouteId"`
	}
	integrationRef struct {
		apiRef
		IntegrationId string `json:"-" wire:"path=IntegrationId"`
	}
	authorizerRef struct {
		apiRef
		AuthorizerId string `json:"-" wire:"path=AuthorizerId"`
	}
	stageRef struct {
		apiRef
		StageName string `json:"-" wire:"path=StageName"`
	}
	deploymentRef struct {
		apiRef
		DeploymentId string `json:"-" wire:"path=DeploymentId"`
	}
	domainRef struct {
		DomainName string `json:"-" wire:"path=DomainName"`
	}
	mappingRef struct {
		domainRef
		ApiMappingId string `json:"-" wire:"path=ApiMappingId"`
	}
	resourceRef struct {
		ResourceArn string `json:"-" wire:"path=ResourceArn"`
	}
)

func (h *handler) apiOps() []wire.Op {
	type (
		list   struct{ ag.Page }
		update struct {
			apiRef
			ag.UpdateApiInput
		}
	)
	return []wire.Op{
		op(wire.Operation("CreateApi", func(ctx context.Context, in *ag.CreateApiInput) (*ag.Api, error) {
			return h.svc.CreateApi(ctx, h.scope(ctx), in, host(ctx))
		}), "POST /v2/apis", 201),
		op(wire.Operation("GetApi", func(ctx context.Context, in *apiRef) (*ag.Api, error) {
			return h.svc.GetApi(ctx, h.scope(ctx), in.ApiId, host(ctx))
		}), "GET /v2/apis/{ApiId}", 0),
		op(wire.Operation("GetApis", func(ctx context.Context, in *list) (*ag.List[ag.Api], error) {
			return h.svc.GetApis(ctx, h.scope(ctx), in.Page, host(ctx))
		}), "GET /v2/apis", 0),
		op(wire.Operation("UpdateApi", func(ctx context.Context, in *update) (*ag.Api, error) {
			return h.svc.UpdateApi(ctx, h.scope(ctx), in.ApiId, &in.UpdateApiInput, host(ctx))
		}), "PATCH /v2/apis/{ApiId}", 0),
		op(wire.NoOutput("DeleteApi", func(ctx context.Context, in *apiRef) error {
			return h.svc.DeleteApi(ctx, h.scope(ctx), in.ApiId)
		}), "DELETE /v2/apis/{ApiId}", 204),
		op(wire.NoOutput("DeleteCorsConfiguration", func(ctx context.Context, in *apiRef) error {
			return h.svc.DeleteCorsConfiguration(ctx, h.scope(ctx), in.ApiId)
		}), "DELETE /v2/apis/{ApiId}/cors", 204),
	}
}

func (h *handler) routeOps() []wire.Op {
	type (
		create struct {
			apiRef
			ag.RouteInput
		}
		update struct {
			routeRef
			ag.RouteInput
		}
		list struct {
			apiRef
			ag.Page
		}
	)
	return []wire.Op{
		op(wire.Operation("CreateRoute", func(ctx context.Context, in *create) (*ag.Route, error) {
			return h.svc.CreateRoute(ctx, h.scope(ctx), in.ApiId, &in.RouteInput)
		}), "POST /v2/apis/{ApiId}/routes", 201),
		op(wire.Operation("GetRoute", func(ctx context.Context, in *routeRef) (*ag.Route, error) {
			return h.svc.GetRoute(ctx, h.scope(ctx), in.ApiId, in.RouteId)
		}), "GET /v2/apis/{ApiId}/routes/{RouteId}", 0),
		op(wire.Operation("GetRoutes", func(ctx context.Context, in *list) (*ag.List[ag.Route], error) {
			return h.svc.GetRoutes(ctx, h.scope(ctx), in.ApiId, in.Page)
		}), "GET /v2/apis/{ApiId}/routes", 0),
		op(wire.Operation("UpdateRoute", func(ctx context.Context, in *update) (*ag.Route, error) {
			return h.svc.UpdateRoute(ctx, h.scope(ctx), in.ApiId, in.RouteId, &in.RouteInput)
		}), "PATCH /v2/apis/{ApiId}/routes/{RouteId}", 0),
		op(wire.NoOutput("DeleteRoute", func(ctx context.Context, in *routeRef) error {
			return h.svc.DeleteRoute(ctx, h.scope(ctx), in.ApiId, in.RouteId)
		}), "DELETE /v2/apis/{ApiId}/routes/{RouteId}", 204),
	}
}

func (h *handler) integrationOps() []wire.Op {
	type (
		create struct {
			apiRef
			ag.IntegrationInput
		}
		update struct {
			integrationRef
			ag.IntegrationInput
		}
		list struct {
			apiRef
			ag.Page
		}
	)
	return []wire.Op{
		op(wire.Operation("CreateIntegration", func(ctx context.Context, in *create) (*ag.Integration, error) {
			return h.svc.CreateIntegration(ctx, h.scope(ctx), in.ApiId, &in.IntegrationInput)
		}), "POST /v2/apis/{ApiId}/integrations", 201),
		op(wire.Operation("GetIntegration", func(ctx context.Context, in *integrationRef) (*ag.Integration, error) {
			return h.svc.GetIntegration(ctx, h.scope(ctx), in.ApiId, in.IntegrationId)
		}), "GET /v2/apis/{ApiId}/integrations/{IntegrationId}", 0),
		op(wire.Operation("GetIntegrations", func(ctx context.Context, in *list) (*ag.List[ag.Integration], error) {
			return h.svc.GetIntegrations(ctx, h.scope(ctx), in.ApiId, in.Page)
		}), "GET /v2/apis/{ApiId}/integrations", 0),
		op(wire.Operation("UpdateIntegration", func(ctx context.Context, in *update) (*ag.Integration, error) {
			return h.svc.UpdateIntegration(ctx, h.scope(ctx), in.ApiId, in.IntegrationId, &in.IntegrationInput)
		}), "PATCH /v2/apis/{ApiId}/integrations/{IntegrationId}", 0),
		op(wire.NoOutput("DeleteIntegration", func(ctx context.Context, in *integrationRef) error {
			return h.svc.DeleteIntegration(ctx, h.scope(ctx), in.ApiId, in.IntegrationId)
		}), "DELETE /v2/apis/{ApiId}/integrations/{IntegrationId}", 204),
	}
}

func (h *handler) authorizerOps() []wire.Op {
	type (
		create struct {
			apiRef
			ag.AuthorizerInput
		}
		update struct {
			authorizerRef
			ag.AuthorizerInput
		}
		list struct {
			apiRef
			ag.Page
		}
	)
	return []wire.Op{
		op(wire.Operation("CreateAuthorizer", func(ctx context.Context, in *create) (*ag.Authorizer, error) {
			return h.svc.CreateAuthorizer(ctx, h.scope(ctx), in.ApiId, &in.AuthorizerInput)
		}), "POST /v2/apis/{ApiId}/authorizers", 201),
		op(wire.Operation("GetAuthorizer", func(ctx context.Context, in *authorizerRef) (*ag.Authorizer, error) {
			return h.svc.GetAuthorizer(ctx, h.scope(ctx), in.ApiId, in.AuthorizerId)
		}), "GET /v2/apis/{ApiId}/authorizers/{AuthorizerId}", 0),
		op(wire.Operation("GetAuthorizers", func(ctx context.Context, in *list) (*ag.List[ag.Authorizer], error) {
			return h.svc.GetAuthorizers(ctx, h.scope(ctx), in.ApiId, in.Page)
		}), "GET /v2/apis/{ApiId}/authorizers", 0),
		op(wire.Operation("UpdateAuthorizer", func(ctx context.Context, in *update) (*ag.Authorizer, error) {
			return h.svc.UpdateAuthorizer(ctx, h.scope(ctx), in.ApiId, in.AuthorizerId, &in.AuthorizerInput)
		}), "PATCH /v2/apis/{ApiId}/authorizers/{AuthorizerId}", 0),
		op(wire.NoOutput("DeleteAuthorizer", func(ctx context.Context, in *authorizerRef) error {
			return h.svc.DeleteAuthorizer(ctx, h.scope(ctx), in.ApiId, in.AuthorizerId)
		}), "DELETE /v2/apis/{ApiId}/authorizers/{AuthorizerId}", 204),
	}
}
