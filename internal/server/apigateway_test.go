package server_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/smithy-go"
)

// apigw is an apigatewayv2 client of n, as a user would configure it.
func (n *nubo) apigw() *apigatewayv2.Client {
	return apigatewayv2.NewFromConfig(aws.Config{Region: n.region, BaseEndpoint: aws.String("http://" + n.addr),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
}

// quickAPI quick-creates an HTTP API in front of function fn.
func (n *nubo) quickAPI(t *testing.T, name, fn, routeKey string) *apigatewayv2.CreateApiOutput {
	t.Helper()
	in := &apigatewayv2.CreateApiInput{Name: aws.String(name), ProtocolType: agtypes.ProtocolTypeHttp, Target: aws.String(n.arn(fn))}
	if routeKey != "" {
		in.RouteKey = aws.String(routeKey)
	}
	out, err := n.apigw().CreateApi(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateApi: %v", err)
	}
	n.allowAPI(t, fn, aws.ToString(out.ApiId))
	return out
}

// allowAPI lets every route and authorizer of an API invoke fn, as
// lambda add-permission does for API Gateway: without it the gateway
// answers 500, "Invalid permissions on Lambda function".
func (n *nubo) allowAPI(t *testing.T, fn, apiID string) {
	t.Helper()
	n.allowFunction(t, fn, source{"apigateway.amazonaws.com", "arn:aws:execute-api:" + n.region + ":" + account + ":" + apiID + "/*"})
}

// call sends a request to url and returns its status, headers and body.
func (n *nubo) call(t *testing.T, method, url, body string, header ...string) (int, http.Header, string) {
	t.Helper()
	req := newRequest(t, method, url, body)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, text := fetch(t, n.web(), req)
	return resp.StatusCode, resp.Header, text
}

func apiErr(t *testing.T, err error, code, message string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || message != "" && ae.ErrorMessage() != message {
		t.Errorf("got %v, want %s %q", err, code, message)
	}
}

func TestHTTPAPIControlPlane(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	c := n.apigw()
	api, err := c.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("shop"), ProtocolType: agtypes.ProtocolTypeHttp,
		CorsConfiguration: &agtypes.Cors{AllowOrigins: []string{"*"}}, Tags: map[string]string{"team": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(api.ApiId)
	if len(id) != 10 || aws.ToString(api.ApiEndpoint) != "http://"+id+".execute-api."+n.region+".localhost:"+n.addr[strings.LastIndex(n.addr, ":")+1:] ||
		aws.ToString(api.RouteSelectionExpression) != "$request.method $request.path" || api.CreatedDate == nil {
		t.Errorf("api %+v", api)
	}
	_, err = c.GetApi(ctx, &apigatewayv2.GetApiInput{ApiId: aws.String("nope")})
	apiErr(t, err, "NotFoundException", "Invalid API identifier specified 000000000000:nope")
	_, err = c.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("ws"), ProtocolType: agtypes.ProtocolTypeWebsocket})
	apiErr(t, err, "BadRequestException", "")
	integ, err := c.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: api.ApiId, IntegrationType: agtypes.IntegrationTypeAwsProxy,
		IntegrationUri: aws.String(n.arn("somefn")), PayloadFormatVersion: aws.String("2.0")})
	if err != nil || integ.TimeoutInMillis == nil || aws.ToInt32(integ.TimeoutInMillis) != 30000 || aws.ToString(integ.IntegrationMethod) != "POST" {
		t.Fatalf("integration %v %+v", err, integ)
	}
	route, err := c.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("GET /items/{id}"),
		Target: aws.String("integrations/" + aws.ToString(integ.IntegrationId))})
	if err != nil || route.AuthorizationType != agtypes.AuthorizationTypeNone {
		t.Fatalf("route %v %+v", err, route)
	}
	_, err = c.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("GET /items/{id}")})
	apiErr(t, err, "ConflictException", "Route with key GET /items/{id} already exists for this API")
	for _, bad := range []string{"GET items", "FETCH /x", "GET /{a+}/b", "GET /a//b", "GET /{x}/{x}"} {
		_, err = c.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String(bad)})
		apiErr(t, err, "BadRequestException", "")
	}
	_, err = c.DeleteIntegration(ctx, &apigatewayv2.DeleteIntegrationInput{ApiId: api.ApiId, IntegrationId: integ.IntegrationId})
	apiErr(t, err, "ConflictException", "")
	stage, err := c.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("prod"),
		StageVariables: map[string]string{"v": "1"}, DefaultRouteSettings: &agtypes.RouteSettings{ThrottlingBurstLimit: aws.Int32(5), ThrottlingRateLimit: aws.Float64(2)}})
	if err != nil || aws.ToBool(stage.AutoDeploy) || stage.DeploymentId != nil {
		t.Fatalf("stage %v %+v", err, stage)
	}
	_, err = c.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("prod")})
	apiErr(t, err, "ConflictException", "Stage already exists")
	dep, err := c.CreateDeployment(ctx, &apigatewayv2.CreateDeploymentInput{ApiId: api.ApiId, StageName: aws.String("prod"), Description: aws.String("first")})
	if err != nil || dep.DeploymentStatus != agtypes.DeploymentStatusDeployed {
		t.Fatalf("deployment %v %+v", err, dep)
	}
	got, err := c.GetStage(ctx, &apigatewayv2.GetStageInput{ApiId: api.ApiId, StageName: aws.String("prod")})
	if err != nil || aws.ToString(got.DeploymentId) != aws.ToString(dep.DeploymentId) || got.StageVariables["v"] != "1" ||
		aws.ToInt32(got.DefaultRouteSettings.ThrottlingBurstLimit) != 5 {
		t.Errorf("stage after deployment %v %+v", err, got)
	}
	_, err = c.DeleteDeployment(ctx, &apigatewayv2.DeleteDeploymentInput{ApiId: api.ApiId, DeploymentId: dep.DeploymentId})
	apiErr(t, err, "BadRequestException", "Active stages pointing to this deployment must be moved or deleted")
	routes, err := c.GetRoutes(ctx, &apigatewayv2.GetRoutesInput{ApiId: api.ApiId})
	if err != nil || len(routes.Items) != 1 {
		t.Errorf("routes %v %+v", err, routes)
	}
	apis, err := c.GetApis(ctx, &apigatewayv2.GetApisInput{})
	if err != nil || len(apis.Items) != 1 || aws.ToString(apis.Items[0].ApiId) != id {
		t.Errorf("apis %v %+v", err, apis)
	}
	arn := "arn:aws:apigateway:" + n.region + "::/apis/" + id
	if _, err := c.TagResource(ctx, &apigatewayv2.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"env": "dev"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &apigatewayv2.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.GetTags(ctx, &apigatewayv2.GetTagsInput{ResourceArn: aws.String(arn)})
	if err != nil || len(tags.Tags) != 1 || tags.Tags["env"] != "dev" {
		t.Errorf("tags %v %+v", err, tags)
	}
	upd, err := c.UpdateApi(ctx, &apigatewayv2.UpdateApiInput{ApiId: api.ApiId, Description: aws.String("the shop")})
	if err != nil || aws.ToString(upd.Description) != "the shop" || aws.ToString(upd.Name) != "shop" {
		t.Errorf("update %v %+v", err, upd)
	}
	if _, err := c.DeleteApi(ctx, &apigatewayv2.DeleteApiInput{ApiId: api.ApiId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetRoutes(ctx, &apigatewayv2.GetRoutesInput{ApiId: api.ApiId})
	apiErr(t, err, "NotFoundException", "")
}

// A quick-created API serves its function at <api>.execute-api.<region>.localhost,
// at <api>.execute-api.localhost (in the default region) and at the path form.
func TestHTTPAPIQuickCreate(t *testing.T) {
	n := sharedNubo(t)
	n.createHTTPFunction(t, "quick")
	api := n.quickAPI(t, "quick", "quick", "")
	id := aws.ToString(api.ApiId)
	status, h, body := n.call(t, "GET", aws.ToString(api.ApiEndpoint)+"/items/7?a=1", "", "Cookie", "c=1")
	ev := decodeURLEvent(t, body)
	if status != 200 || ev.RawPath != "/items/7" || ev.RequestContext.RouteKey != "$default" || ev.RequestContext.Stage != "$default" ||
		ev.RequestContext.APIID != id || ev.RequestContext.DomainName != id+".execute-api."+n.region+".localhost" || len(ev.PathParameters) != 0 ||
		ev.Query["a"] != "1" || ev.Cookies[0] != "c=1" || h.Get("Apigw-Requestid") != ev.RequestContext.RequestID {
		t.Errorf("%d %v %+v", status, h, ev)
	}
	// The path form, from a client that cannot name the host.
	status, _, body = n.call(t, "POST", "http://"+n.addr+"/_nubo/apis/"+id+"/$default/p?x=2", "{}")
	if ev := decodeURLEvent(t, body); status != 200 || ev.RawPath != "/p" || ev.RequestContext.HTTP.Method != "POST" {
		t.Errorf("path form %d %+v", status, ev)
	}
	status, _, body = n.call(t, "GET", "http://nosuchapi1.execute-api."+n.region+".localhost/", "")
	if status != 404 || body != `{"message":"Not Found"}` {
		t.Errorf("unknown api: %d %s", status, body)
	}
}
