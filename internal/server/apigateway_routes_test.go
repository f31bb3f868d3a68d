package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
)

// apiBuilder creates an API's parts for a test, failing it on any error.
type apiBuilder struct {
	t       *testing.T
	n       *nubo
	c       *apigatewayv2.Client
	id      *string
	allowed map[string]bool // functions that let the API invoke them
}

func (n *nubo) newAPI(t *testing.T, name string, cors *agtypes.Cors) *apiBuilder {
	t.Helper()
	c := n.apigw()
	api, err := c.CreateApi(context.Background(), &apigatewayv2.CreateApiInput{Name: aws.String(name), ProtocolType: agtypes.ProtocolTypeHttp, CorsConfiguration: cors})
	if err != nil {
		t.Fatal(err)
	}
	return &apiBuilder{t: t, n: n, c: c, id: api.ApiId, allowed: map[string]bool{}}
}

// allow lets the API invoke fn (its routes and its authorizers), as
// lambda add-permission does for API Gateway.
func (b *apiBuilder) allow(fn string) {
	b.t.Helper()
	if !b.allowed[fn] {
		b.n.allowAPI(b.t, fn, aws.ToString(b.id))
		b.allowed[fn] = true
	}
}

// function integrates fn, which lets the API invoke it.
func (b *apiBuilder) function(fn, version string, timeoutMs int32) string {
	b.t.Helper()
	b.allow(fn)
	return b.integration(fn, version, timeoutMs)
}

// integration integrates fn, whatever fn's policy says.
func (b *apiBuilder) integration(fn, version string, timeoutMs int32) string {
	b.t.Helper()
	out, err := b.c.CreateIntegration(context.Background(), &apigatewayv2.CreateIntegrationInput{ApiId: b.id, IntegrationType: agtypes.IntegrationTypeAwsProxy,
		IntegrationUri: aws.String(b.n.arn(fn)), PayloadFormatVersion: aws.String(version), TimeoutInMillis: aws.Int32(timeoutMs)})
	if err != nil {
		b.t.Fatal(err)
	}
	return "integrations/" + aws.ToString(out.IntegrationId)
}

func (b *apiBuilder) route(key, target string) {
	b.t.Helper()
	if _, err := b.c.CreateRoute(context.Background(), &apigatewayv2.CreateRouteInput{ApiId: b.id, RouteKey: aws.String(key), Target: aws.String(target)}); err != nil {
		b.t.Fatal(err)
	}
}

func (b *apiBuilder) stage(in *apigatewayv2.CreateStageInput) {
	b.t.Helper()
	in.ApiId = b.id
	if _, err := b.c.CreateStage(context.Background(), in); err != nil {
		b.t.Fatal(err)
	}
}

// url is the API's endpoint with path.
func (b *apiBuilder) url(path string) string {
	return "http://" + aws.ToString(b.id) + ".execute-api." + b.n.region + ".localhost" + path
}

// Routes are matched as AWS matches them: the most specific path first,
// a method before ANY, $default last; path parameters are decoded; the
// event's path is the request's, never the route's template.
func TestHTTPAPIRouteMatching(t *testing.T) {
	n := sharedNubo(t)
	n.createHTTPFunction(t, "router")
	b := n.newAPI(t, "router", nil)
	fn := b.function("router", "2.0", 30000)
	for _, key := range []string{"GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}", "$default", "GET /items/{id}/tags/{tag}", "GET /"} {
		b.route(key, fn)
	}
	b.stage(&apigatewayv2.CreateStageInput{StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)})
	tests := []struct {
		method, path, route string
		params              map[string]string
	}{
		{"GET", "/pets/dog/1", "GET /pets/dog/1", nil},
		{"GET", "/pets/dog/2", "GET /pets/dog/{id}", map[string]string{"id": "2"}},
		{"GET", "/pets/cat/1", "GET /pets/{proxy+}", map[string]string{"proxy": "cat/1"}},
		{"POST", "/pets/dog/1", "ANY /{proxy+}", map[string]string{"proxy": "pets/dog/1"}},
		{"GET", "/items/a%20b/tags/x", "GET /items/{id}/tags/{tag}", map[string]string{"id": "a b", "tag": "x"}},
		{"GET", "/", "GET /", nil},
		{"DELETE", "/", "$default", nil},
	}
	for _, tt := range tests {
		status, _, body := n.call(t, tt.method, b.url(tt.path), "")
		ev := decodeURLEvent(t, body)
		if status != 200 || ev.RequestContext.RouteKey != tt.route || ev.RawPath != tt.path || len(ev.PathParameters) != len(tt.params) {
			t.Errorf("%s %s: %d, route %q, rawPath %q, params %v; want %s %v", tt.method, tt.path, status, ev.RequestContext.RouteKey, ev.RawPath, ev.PathParameters, tt.route, tt.params)
		}
		for k, v := range tt.params {
			if ev.PathParameters[k] != v {
				t.Errorf("%s: parameter %s = %q, want %q", tt.path, k, ev.PathParameters[k], v)
			}
		}
	}
}

// A named stage serves at /<stage>/ only once deployed, keeps what it
// was deployed with, passes its variables, and a payload 1.0 integration
// gets and answers in 1.0.
func TestHTTPAPIStagesAndPayload1(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	n.createHTTPFunction(t, "staged")
	b := n.newAPI(t, "staged", nil)
	b.route("GET /v/{id}", b.function("staged", "1.0", 30000))
	b.stage(&apigatewayv2.CreateStageInput{StageName: aws.String("prod"), StageVariables: map[string]string{"color": "blue"}})
	if status, _, body := n.call(t, "GET", b.url("/prod/v/1"), ""); status != 404 || body != `{"message":"Not Found"}` {
		t.Errorf("before deployment: %d %s", status, body)
	}
	if _, err := b.c.CreateDeployment(ctx, &apigatewayv2.CreateDeploymentInput{ApiId: b.id, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	b.route("GET /later", b.function("staged", "2.0", 30000)) // not deployed yet
	status, h, body := n.call(t, "GET", b.url("/prod/v/1?q=a&q=b"), "", "X-Tag", "t")
	var ev struct {
		Version, Resource, Path, HTTPMethod string
		MultiValueHeaders                   map[string][]string
		MultiValueQuery                     map[string][]string `json:"multiValueQueryStringParameters"`
		PathParameters, StageVariables      map[string]string
		RequestContext                      struct{ Stage, ResourcePath, Path string }
	}
	if err := json.Unmarshal([]byte(body), &ev); err != nil {
		t.Fatalf("%d %s", status, body)
	}
	if status != 200 || ev.Version != "1.0" || ev.Resource != "/v/{id}" || ev.Path != "/prod/v/1" || ev.RequestContext.Stage != "prod" ||
		ev.PathParameters["id"] != "1" || ev.StageVariables["color"] != "blue" || strings.Join(ev.MultiValueQuery["q"], ",") != "a,b" ||
		ev.MultiValueHeaders["x-tag"][0] != "t" || ev.RequestContext.ResourcePath != "/v/{id}" {
		t.Errorf("1.0 event: %d %+v", status, ev)
	}
	if got := h.Values("X-Multi"); strings.Join(got, ",") != "a,b" {
		t.Errorf("1.0 multi-value response headers: %v", h)
	}
	if status, _, _ := n.call(t, "GET", b.url("/prod/later"), ""); status != 404 {
		t.Errorf("a route added after the deployment: %d", status)
	}
	if _, err := b.c.CreateDeployment(ctx, &apigatewayv2.CreateDeploymentInput{ApiId: b.id, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := n.call(t, "GET", b.url("/prod/later"), ""); status != 200 {
		t.Errorf("after redeploying: %d", status)
	}
}

// What goes wrong is answered as API Gateway answers it.
func TestHTTPAPIErrors(t *testing.T) {
	n := sharedNubo(t)
	n.createHTTPFunctionTimeout(t, "faulty", 2) // the 504 waits its timeout out
	n.createHTTPFunction(t, "unpermitted")
	b := n.newAPI(t, "faulty", nil)
	b.route("GET /slow/{x}", b.function("faulty", "2.0", 100))
	b.route("ANY /{proxy+}", b.function("faulty", "2.0", 30000))
	b.route("GET /missing", b.integration("no-such-function", "2.0", 30000))
	// A function whose policy does not let API Gateway invoke it.
	b.route("GET /unpermitted", b.integration("unpermitted", "2.0", 30000))
	b.stage(&apigatewayv2.CreateStageInput{StageName: aws.String("$default"), AutoDeploy: aws.Bool(true),
		RouteSettings:        map[string]agtypes.RouteSettings{"GET /{proxy+}": {}},
		DefaultRouteSettings: &agtypes.RouteSettings{ThrottlingBurstLimit: aws.Int32(1000), ThrottlingRateLimit: aws.Float64(1000)}})
	tests := []struct {
		method, path, body string
		status             int
		want, errorType    string
	}{
		{"GET", "/error", "", 500, `{"message":"Internal Server Error"}`, "InternalServerErrorException"},
		{"GET", "/malformed", "", 502, `{"message":"Internal Server Error"}`, "BadGatewayException"},
		{"GET", "/slow/sleep?ms=1000", "", 503, `{"message":"Service Unavailable"}`, "ServiceUnavailableException"},
		{"GET", "/sleep?ms=3000", "", 504, `{"message":"Endpoint request timed out"}`, "IntegrationTimeoutException"},
		{"GET", "/missing", "", 500, `{"message":"Internal Server Error"}`, "InternalServerErrorException"},
		{"GET", "/unpermitted", "", 500, `{"message":"Internal Server Error"}`, "InternalServerErrorException"},
		{"POST", "/big", strings.Repeat("x", 10<<20+1), 413, `{"message":"Request Entity Too Large"}`, "RequestEntityTooLargeException"},
	}
	for _, tt := range tests {
		status, h, body := n.call(t, tt.method, b.url(tt.path), tt.body)
		if status != tt.status || body != tt.want || h.Get("X-Amzn-Errortype") != tt.errorType {
			t.Errorf("%s %s: %d %s %q, want %d %s", tt.method, tt.path, status, h.Get("X-Amzn-Errortype"), body, tt.status, tt.want)
		}
	}
	// None of these disturbed the API.
	if status, _, _ := n.call(t, "GET", b.url("/fine"), ""); status != 200 {
		t.Errorf("after the errors: %d", status)
	}
}

// A stage's throttling limits refuse what exceeds them with 429.
func TestHTTPAPIThrottling(t *testing.T) {
	n := sharedNubo(t)
	n.createHTTPFunction(t, "throttled")
	b := n.newAPI(t, "throttled", nil)
	fn := b.function("throttled", "2.0", 30000)
	b.route("GET /limited", fn)
	b.route("GET /free", fn)
	b.stage(&apigatewayv2.CreateStageInput{StageName: aws.String("$default"), AutoDeploy: aws.Bool(true),
		RouteSettings: map[string]agtypes.RouteSettings{"GET /limited": {ThrottlingBurstLimit: aws.Int32(2), ThrottlingRateLimit: aws.Float64(0.001)}}})
	var got []int
	for i := 0; i < 3; i++ {
		status, _, body := n.call(t, "GET", b.url("/limited"), "")
		got = append(got, status)
		if status == 429 && body != `{"message":"Too Many Requests"}` {
			t.Errorf("429 body %s", body)
		}
	}
	if got[0] != 200 || got[1] != 200 || got[2] != 429 {
		t.Errorf("statuses %v, want 200 200 429", got)
	}
	if status, _, _ := n.call(t, "GET", b.url("/free"), ""); status != 200 {
		t.Errorf("another route: %d", status)
	}
}

// An API's CORS configuration answers preflights and replaces the
// function's CORS headers.
func TestHTTPAPICORS(t *testing.T) {
	n := sharedNubo(t)
	n.createHTTPFunction(t, "corsfn")
	b := n.newAPI(t, "cors", &agtypes.Cors{AllowOrigins: []string{"http://localhost:3000"}, AllowMethods: []string{"GET", "PUT"},
		AllowHeaders: []string{"authorization"}, ExposeHeaders: []string{"x-total"}, MaxAge: aws.Int32(600), AllowCredentials: aws.Bool(true)})
	b.route("GET /items", b.function("corsfn", "2.0", 30000))
	b.stage(&apigatewayv2.CreateStageInput{StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)})
	status, h, _ := n.call(t, "OPTIONS", b.url("/items"), "", "Origin", "http://localhost:3000", "Access-Control-Request-Method", "PUT")
	if status != 204 || h.Get("Access-Control-Allow-Origin") != "http://localhost:3000" || h.Get("Access-Control-Allow-Methods") != "GET,PUT" ||
		h.Get("Access-Control-Allow-Headers") != "authorization" || h.Get("Access-Control-Max-Age") != "600" || h.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("preflight %d %v", status, h)
	}
	status, h, _ = n.call(t, "GET", b.url("/items"), "", "Origin", "http://localhost:3000")
	if status != 200 || h.Get("Access-Control-Allow-Origin") != "http://localhost:3000" || h.Get("Access-Control-Expose-Headers") != "x-total" {
		t.Errorf("response %d %v", status, h)
	}
	_, h, _ = n.call(t, "GET", b.url("/items"), "", "Origin", "https://elsewhere.example")
	if h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("an origin not allowed got %v", h)
	}
}
