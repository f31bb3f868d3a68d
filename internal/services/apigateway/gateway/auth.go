package gateway

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/nubo-dev/nubo/internal/frontdoor"
	ag "github.com/nubo-dev/nubo/internal/services/apigateway"
	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// IAM is what identity decides for the gateway. AuthorizeRoute decides
// the requests of AWS_IAM routes: it verifies a request's SigV4 signature
// (signing name "execute-api") and that its caller may execute-api:Invoke
// routeArn, and names the caller for the event; an error refuses the
// request with 403. It may read and replace r.Body. AllowInvoke decides
// whether API Gateway may invoke a function for a route or an authorizer
// (sourceArn), as the function's resource policy says
// (apigateway.amazonaws.com, on aws:SourceArn); an error fails the request
// with 500, as AWS's "Invalid permissions on Lambda function".
type IAM interface {
	AuthorizeRoute(ctx context.Context, r *http.Request, routeArn string) (*frontdoor.IAMAuthorizer, error)
	AllowInvoke(ctx context.Context, function lambda.FunctionRef, scope lambda.Scope, sourceArn string) error
}

// scopeOnly is the IAM used while nubo does not verify signatures: a
// request must be signed for execute-api; its access key names the caller;
// every function may be invoked.
type scopeOnly struct{ account string }

func (scopeOnly) AllowInvoke(context.Context, lambda.FunctionRef, lambda.Scope, string) error {
	return nil
}

var errUnsigned = errors.New("the request carries no SigV4 signature for execute-api")

func (a scopeOnly) AuthorizeRoute(ctx context.Context, r *http.Request, routeArn string) (*frontdoor.IAMAuthorizer, error) {
	scope := r.URL.Query().Get("X-Amz-Credential")
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "AWS4-HMAC-SHA256 ") {
		for _, field := range strings.Split(auth[len("AWS4-HMAC-SHA256 "):], ",") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(field), "Credential="); ok {
				scope = v
			}
		}
	}
	parts := strings.Split(scope, "/")
	if len(parts) != 5 || parts[3] != "execute-api" || parts[4] != "aws4_request" || parts[0] == "" {
		return nil, errUnsigned
	}
	return &frontdoor.IAMAuthorizer{AccessKey: parts[0], AccountID: a.account, CallerID: a.account,
		UserARN: "arn:aws:iam::" + a.account + ":root", UserID: a.account}, nil
}

// routeArn is the ARN authorizers see for the request:
// arn:aws:execute-api:<region>:<account>:<api>/<stage>/<method>/<path>.
func (x *exchange) routeArn() string {
	path := strings.TrimPrefix(x.e.routePath, "/")
	if x.match.Route.RouteKey == "$default" {
		return "arn:aws:execute-api:" + x.e.region + ":" + x.g.opts.Account + ":" + x.e.apiID + "/" + x.e.view.Stage.StageName + "/$default"
	}
	return "arn:aws:execute-api:" + x.e.region + ":" + x.g.opts.Account + ":" + x.e.apiID + "/" + x.e.view.Stage.StageName + "/" + x.r.Method + "/" + path
}

// authorizerArn is the source ARN of an authorizer's invocations:
// arn:aws:execute-api:<region>:<account>:<api>/authorizers/<id>.
func (x *exchange) authorizerArn(a *ag.Authorizer) string {
	return "arn:aws:execute-api:" + x.e.region + ":" + x.g.opts.Account + ":" + x.e.apiID + "/authorizers/" + a.AuthorizerId
}

// authorize runs the route's authorizer; false means the request was
// refused and answered.
func (x *exchange) authorize() bool {
	route := x.match.Route
	switch route.AuthorizationType {
	case "", "NONE":
		return true
	case "AWS_IAM":
		id, err := x.g.iam.AuthorizeRoute(x.r.Context(), x.r, x.routeArn())
		if err != nil {
			x.authorizerError = err.Error()
			x.fail(frontdoor.Forbidden, "")
			return false
		}
		x.req.Authorizer = &frontdoor.Authorizer{IAM: id}
		return true
	}
	a := x.e.view.Authorizers[route.AuthorizerId]
	if a == nil {
		x.fail(frontdoor.InternalError, "")
		return false
	}
	if route.AuthorizationType == "JWT" {
		return x.authorizeJWT(a, route.AuthorizationScopes)
	}
	return x.authorizeLambda(a)
}

// identity resolves an authorizer's identity sources; ok is false when
// one of them is missing or empty.
func (x *exchange) identity(a *ag.Authorizer) (values []string, ok bool) {
	for _, src := range a.IdentitySource {
		v := x.source(src)
		if v == "" {
			return nil, false
		}
		values = append(values, v)
	}
	return values, true
}

// source is the value of one identity source.
func (x *exchange) source(src string) string {
	switch {
	case strings.HasPrefix(src, "$request.header."):
		return strings.Join(x.r.Header.Values(strings.TrimPrefix(src, "$request.header.")), ",")
	case strings.HasPrefix(src, "$request.querystring."):
		return strings.Join(x.r.URL.Query()[strings.TrimPrefix(src, "$request.querystring.")], ",")
	case strings.HasPrefix(src, "$stageVariables."):
		return x.e.view.Stage.StageVariables[strings.TrimPrefix(src, "$stageVariables.")]
	case strings.HasPrefix(src, "$context."):
		return x.context(strings.TrimPrefix(src, "$context."))
	}
	return ""
}
