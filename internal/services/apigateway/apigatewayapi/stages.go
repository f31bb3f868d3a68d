package apigatewayapi

import (
	"context"

	ag "github.com/nubo-dev/nubo/internal/services/apigateway"
	"github.com/nubo-dev/nubo/internal/wire"
)

func (h *handler) stageOps() []wire.Op {
	type (
		create struct {
			apiRef
			ag.StageInput
		}
		update struct {
			stageRef
			ag.StageInput
		}
		list struct {
			apiRef
			ag.Page
		}
		routeSettingsRef struct {
			stageRef
			RouteKey string `json:"-" wire:"path=RouteKey"`
		}
	)
	const stage = "/v2/apis/{ApiId}/stages/{StageName}"
	return []wire.Op{
		op(wire.Operation("CreateStage", func(ctx context.Context, in *create) (*ag.Stage, error) {
			return h.svc.CreateStage(ctx, h.scope(ctx), in.ApiId, &in.StageInput)
		}), "POST /v2/apis/{ApiId}/stages", 201),
		op(wire.Operation("GetStage", func(ctx context.Context, in *stageRef) (*ag.Stage, error) {
			return h.svc.GetStage(ctx, h.scope(ctx), in.ApiId, in.StageName)
		}), "GET "+stage, 0),
		op(wire.Operation("GetStages", func(ctx context.Context, in *list) (*ag.List[ag.Stage], error) {
			return h.svc.GetStages(ctx, h.scope(ctx), in.ApiId, in.Page)
		}), "GET /v2/apis/{ApiId}/stages", 0),
		op(wire.Operation("UpdateStage", func(ctx context.Context, in *update) (*ag.Stage, error) {
			return h.svc.UpdateStage(ctx, h.scope(ctx), in.ApiId, in.stageRef.StageName, &in.StageInput)
		}), "PATCH "+stage, 0),
		op(wire.NoOutput("DeleteStage", func(ctx context.Context, in *stageRef) error {
			return h.svc.DeleteStage(ctx, h.scope(ctx), in.ApiId, in.StageName)
		}), "DELETE "+stage, 204),
		op(wire.NoOutput("DeleteAccessLogSettings", func(ctx context.Context, in *stageRef) error {
			return h.svc.DeleteAccessLogSettings(ctx, h.scope(ctx), in.ApiId, in.StageName)
		}), "DELETE "+stage+"/accesslogsettings", 204),
		op(wire.NoOutput("DeleteRouteSettings", func(ctx context.Context, in *routeSettingsRef) error {
			return h.svc.DeleteRouteSettings(ctx, h.scope(ctx), in.ApiId, in.StageName, in.RouteKey)
		}), "DELETE "+stage+"/routesettings/{RouteKey}", 204),
		op(wire.NoOutput("ResetAuthorizersCache", func(ctx context.Context, in *stageRef) error {
			return h.svc.ResetAuthorizersCache(ctx, h.scope(ctx), in.ApiId, in.StageName)
		}), "DELETE "+stage+"/cache/authorizers", 204),
	}
}

func (h *handler) deploymentOps() []wire.Op {
	type (
		create struct {
			apiRef
			ag.DeploymentInput
		}
		update struct {
			deploymentRef
			ag.DeploymentInput
		}
		list struct {
			apiRef
			ag.Page
		}
	)
	const deployment = "/v2/apis/{ApiId}/deployments/{DeploymentId}"
	return []wire.Op{
		op(wire.Operation("CreateDeployment", func(ctx context.Context, in *create) (*ag.Deployment, error) {
			return h.svc.CreateDeployment(ctx, h.scope(ctx), in.ApiId, &in.DeploymentInput)
		}), "POST /v2/apis/{ApiId}/deployments", 201),
		op(wire.Operation("GetDeployment", func(ctx context.Context, in *deploymentRef) (*ag.Deployment, error) {
			return h.svc.GetDeployment(ctx, h.scope(ctx), in.ApiId, in.DeploymentId)
		}), "GET "+deployment, 0),
		op(wire.Operation("GetDeployments", func(ctx context.Context, in *list) (*ag.List[ag.Deployment], error) {
			return h.svc.GetDeployments(ctx, h.scope(ctx), in.ApiId, in.Page)
		}), "GET /v2/apis/{ApiId}/deployments", 0),
		op(wire.Operation("UpdateDeployment", func(ctx context.Context, in *update) (*ag.Deployment, error) {
			return h.svc.UpdateDeployment(ctx, h.scope(ctx), in.ApiId, in.DeploymentId, &in.DeploymentInput)
		}), "PATCH "+deployment, 0),
		op(wire.NoOutput("DeleteDeployment", func(ctx context.Context, in *deploymentRef) error {
			return h.svc.DeleteDeployment(ctx, h.scope(ctx), in.ApiId, in.DeploymentId)
		}), "DELETE "+deployment, 204),
	}
}

func (h *handler) domainOps() []wire.Op {
	type (
		list          struct{ ag.Page }
		createMapping struct {
			domainRef
			ag.ApiMappingInput
		}
		updateMapping struct {
			mappingRef
			ag.ApiMappingInput
		}
		listMappings struct {
			domainRef
			ag.Page
		}
	)
	const mappings = "/v2/domainnames/{DomainName}/apimappings"
	return []wire.Op{
		op(wire.Operation("CreateDomainName", func(ctx context.Context, in *ag.DomainNameInput) (*ag.DomainName, error) {
			return h.svc.CreateDomainName(ctx, h.scope(ctx), in)
		}), "POST /v2/domainnames", 201),
		op(wire.Operation("GetDomainName", func(ctx context.Context, in *domainRef) (*ag.DomainName, error) {
			return h.svc.GetDomainName(ctx, h.scope(ctx), in.DomainName)
		}), "GET /v2/domainnames/{DomainName}", 0),
		op(wire.Operation("GetDomainNames", func(ctx context.Context, in *list) (*ag.List[ag.DomainName], error) {
			return h.svc.GetDomainNames(ctx, h.scope(ctx), in.Page)
		}), "GET /v2/domainnames", 0),
		op(wire.NoOutput("DeleteDomainName", func(ctx context.Context, in *domainRef) error {
			return h.svc.DeleteDomainName(ctx, h.scope(ctx), in.DomainName)
		}), "DELETE /v2/domainnames/{DomainName}", 204),
		op(wire.Operation("CreateApiMapping", func(ctx context.Context, in *createMapping) (*ag.ApiMapping, error) {
			return h.svc.CreateApiMapping(ctx, h.scope(ctx), in.DomainName, &in.ApiMappingInput)
		}), "POST "+mappings, 201),
		op(wire.Operation("GetApiMapping", func(ctx context.Context, in *mappingRef) (*ag.ApiMapping, error) {
			return h.svc.GetApiMapping(ctx, h.scope(ctx), in.DomainName, in.ApiMappingId)
		}), "GET "+mappings+"/{ApiMappingId}", 0),
		op(wire.Operation("GetApiMappings", func(ctx context.Context, in *listMappings) (*ag.List[ag.ApiMapping], error) {
			return h.svc.GetApiMappings(ctx, h.scope(ctx), in.DomainName, in.Page)
		}), "GET "+mappings, 0),
		op(wire.Operation("UpdateApiMapping", func(ctx context.Context, in *updateMapping) (*ag.ApiMapping, error) {
			return h.svc.UpdateApiMapping(ctx, h.scope(ctx), in.DomainName, in.ApiMappingId, &in.ApiMappingInput)
		}), "PATCH "+mappings+"/{ApiMappingId}", 0),
		op(wire.NoOutput("DeleteApiMapping", func(ctx context.Context, in *mappingRef) error {
			return h.svc.DeleteApiMapping(ctx, h.scope(ctx), in.DomainName, in.ApiMappingId)
		}), "DELETE "+mappings+"/{ApiMappingId}", 204),
	}
}

func (h *handler) tagOps() []wire.Op {
	type (
		tag struct {
			resourceRef
			ag.Tags
		}
		untag struct {
			resourceRef
			TagKeys []string `json:"-" wire:"query=tagKeys"`
		}
	)
	return []wire.Op{
		op(wire.Operation("TagResource", func(ctx context.Context, in *tag) (*struct{}, error) {
			return &struct{}{}, h.svc.TagResource(ctx, h.account, in.ResourceArn, in.Tags.Tags)
		}), "POST /v2/tags/{ResourceArn}", 201),
		op(wire.Operation("GetTags", func(ctx context.Context, in *resourceRef) (*ag.Tags, error) {
			return h.svc.GetTags(ctx, h.account, in.ResourceArn)
		}), "GET /v2/tags/{ResourceArn}", 0),
		op(wire.NoOutput("UntagResource", func(ctx context.Context, in *untag) error {
			return h.svc.UntagResource(ctx, h.account, in.ResourceArn, in.TagKeys)
		}), "DELETE /v2/tags/{ResourceArn}", 204),
	}
}
