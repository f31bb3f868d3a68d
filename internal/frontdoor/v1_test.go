package frontdoor_test

import (
	"encoding/json"
	"reflect"
	"sort"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/nubo-dev/nubo/internal/frontdoor"
)

func TestEventV1(t *testing.T) {
	ex := examples()[1] // GET /my/path with a JWT, a body and repeated parameters
	r := ex.request()
	r.Resource, r.RouteKey, r.FullPath = "/my/{proxy+}", "GET /my/{proxy+}", "/v1/my/path"
	got, err := frontdoor.EventV1(r)
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(got, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Path != "/v1/my/path" || ev.Resource != "/my/{proxy+}" || ev.HTTPMethod != "GET" || ev.RequestContext.Path != "/v1/my/path" ||
		ev.RequestContext.ResourcePath != "/my/{proxy+}" || ev.RequestContext.ResourceID != "GET /my/{proxy+}" {
		t.Errorf("path and resource: %+v", ev)
	}
	if ev.Headers["header1"] != "value1" || !reflect.DeepEqual(ev.MultiValueHeaders["cookie"], []string{"cookie1; cookie2"}) {
		t.Errorf("headers %v %v", ev.Headers, ev.MultiValueHeaders)
	}
	if ev.QueryStringParameters["parameter1"] != "value2" || !reflect.DeepEqual(ev.MultiValueQueryStringParameters["parameter1"], []string{"value1", "value2"}) {
		t.Errorf("query %v %v", ev.QueryStringParameters, ev.MultiValueQueryStringParameters)
	}
	if ev.Body != "{\r\n\t\"a\": 1\r\n}" || ev.IsBase64Encoded || ev.RequestContext.Identity.SourceIP != "IP" || ev.RequestContext.RequestTimeEpoch != epoch.UnixMilli() {
		t.Errorf("body and context: %+v", ev)
	}
	if ev.RequestContext.Authorizer["claims"].(map[string]any)["claim1"] != "value1" {
		t.Errorf("authorizer %v", ev.RequestContext.Authorizer)
	}
	// AWS's 1.0 events name every member, null when it has no value.
	var raw map[string]any
	json.Unmarshal(got, &raw)
	want := []string{"body", "headers", "httpMethod", "isBase64Encoded", "multiValueHeaders", "multiValueQueryStringParameters", "path",
		"pathParameters", "queryStringParameters", "requestContext", "resource", "stageVariables", "version"}
	if keys := keysOf(raw); !reflect.DeepEqual(keys, want) {
		t.Errorf("members %v\nwant %v", keys, want)
	}
	ctx := raw["requestContext"].(map[string]any)
	wantCtx := []string{"accountId", "apiId", "authorizer", "domainName", "domainPrefix", "extendedRequestId", "httpMethod", "identity", "path",
		"protocol", "requestId", "requestTime", "requestTimeEpoch", "resourceId", "resourcePath", "stage"}
	if keys := keysOf(ctx); !reflect.DeepEqual(keys, wantCtx) {
		t.Errorf("requestContext members %v\nwant %v", keys, wantCtx)
	}
}

func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// The Lambda REQUEST authorizer events of both formats carry the members
// of AWS's examples.
func TestAuthorizerEvents(t *testing.T) {
	r := examples()[1].request()
	r.Authorizer = nil
	arn := "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request"
	v2, err := frontdoor.AuthorizerEventV2(r, arn, []string{"user1", "123"})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	json.Unmarshal(v2, &got)
	want := load(t, "apigw-v2-custom-authorizer-v2-request.json")
	if keysOf(got)[0] == "" || !reflect.DeepEqual(keysOf(got), keysOf(want)) {
		t.Errorf("2.0 members %v\nwant %v", keysOf(got), keysOf(want))
	}
	if got["routeArn"] != arn || !reflect.DeepEqual(got["identitySource"], []any{"user1", "123"}) || got["type"] != "REQUEST" {
		t.Errorf("2.0: %v", got)
	}
	var typed events.APIGatewayV2CustomAuthorizerV2Request
	if err := json.Unmarshal(v2, &typed); err != nil || typed.RouteArn != arn {
		t.Errorf("aws-lambda-go: %v %+v", err, typed)
	}
	v1, err := frontdoor.AuthorizerEventV1(r, arn, []string{"user1", "123"})
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	json.Unmarshal(v1, &got)
	want = load(t, "apigw-v2-custom-authorizer-v1-request.json")
	if !reflect.DeepEqual(keysOf(got), keysOf(want)) {
		t.Errorf("1.0 members %v\nwant %v", keysOf(got), keysOf(want))
	}
	if got["identitySource"] != "user1,123" || got["authorizationToken"] != "user1,123" || got["methodArn"] != arn {
		t.Errorf("1.0: %v", got)
	}
}
