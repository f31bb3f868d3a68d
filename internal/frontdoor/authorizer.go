package frontdoor

import (
	"encoding/json"
	"strings"
)

// authorizerEventV2 is the request a Lambda REQUEST authorizer gets in payload
// format 2.0.
type authorizerEventV2 struct {
	Version               string            `json:"version"`
	Type                  string            `json:"type"`
	RouteArn              string            `json:"routeArn"`
	IdentitySource        []string          `json:"identitySource"`
	RouteKey              string            `json:"routeKey"`
	RawPath               string            `json:"rawPath"`
	RawQueryString        string            `json:"rawQueryString"`
	Cookies               []string          `json:"cookies,omitempty"`
	Headers               map[string]string `json:"headers"`
	QueryStringParameters map[string]string `json:"queryStringParameters,omitempty"`
	RequestContext        contextV2         `json:"requestContext"`
	PathParameters        map[string]string `json:"pathParameters,omitempty"`
	StageVariables        map[string]string `json:"stageVariables,omitempty"`
}

// AuthorizerEventV2 is the event of a Lambda REQUEST authorizer in
// payload format 2.0 for r: the request as 2.0 carries it (without the
// body), the route's ARN and the identity sources' values.
func AuthorizerEventV2(r *Request, routeArn string, identity []string) ([]byte, error) {
	ev := buildV2(r)
	ev.RequestContext.Authorizer = nil
	return json.Marshal(&authorizerEventV2{
		Version: "2.0", Type: "REQUEST", RouteArn: routeArn, IdentitySource: identity,
		RouteKey: ev.RouteKey, RawPath: ev.RawPath, RawQueryString: ev.RawQueryString, Cookies: ev.Cookies,
		Headers: ev.Headers, QueryStringParameters: ev.QueryStringParameters, RequestContext: ev.RequestContext,
		PathParameters: ev.PathParameters, StageVariables: ev.StageVariables,
	})
}

type authorizerEventV1 struct {
	Version               string            `json:"version"`
	Type                  string            `json:"type"`
	MethodArn             string            `json:"methodArn"`
	IdentitySource        string            `json:"identitySource"`
	AuthorizationToken    string            `json:"authorizationToken"`
	Resource              string            `json:"resource"`
	Path                  string            `json:"path"`
	HTTPMethod            string            `json:"httpMethod"`
	Headers               map[string]string `json:"headers"`
	QueryStringParameters map[string]string `json:"queryStringParameters"`
	PathParameters        map[string]string `json:"pathParameters"`
	StageVariables        map[string]string `json:"stageVariables"`
	RequestContext        contextV1         `json:"requestContext"`
}

// AuthorizerEventV1 is the event of a Lambda REQUEST authorizer in
// payload format 1.0: the 1.0 request without the body, the route's ARN
// as methodArn and the identity sources' values joined by commas, as both
// identitySource and authorizationToken.
func AuthorizerEventV1(r *Request, routeArn string, identity []string) ([]byte, error) {
	ev := buildV1(r)
	ev.RequestContext.Authorizer = nil
	joined := strings.Join(identity, ",")
	return json.Marshal(&authorizerEventV1{
		Version: "1.0", Type: "REQUEST", MethodArn: routeArn, IdentitySource: joined, AuthorizationToken: joined,
		Resource: ev.Resource, Path: ev.Path, HTTPMethod: ev.HTTPMethod, Headers: ev.Headers,
		QueryStringParameters: ev.QueryStringParameters, PathParameters: ev.PathParameters, StageVariables: ev.StageVariables,
		RequestContext: ev.RequestContext,
	})
}
