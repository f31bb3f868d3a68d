package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/frontdoor"
	"github.com/nubo-dev/nubo/internal/iam"
	"github.com/nubo-dev/nubo/internal/iam/policy"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/targets"
)

// frontDoorIdentity is identity for the data planes of function URLs and
// HTTP APIs (funcurl.Authorizer, gateway.IAM), when signatures are
// verified: an AWS_IAM URL's request is signed for "lambda" by a caller
// allowed lambda:InvokeFunctionUrl on the function (its own policies or
// the function's), an AWS_IAM route's is signed for "execute-api" by a
// caller allowed execute-api:Invoke on the route, and API Gateway invokes
// a function for a route or an authorizer only as the function's policy
// lets apigateway.amazonaws.com, as on AWS.
type frontDoorIdentity struct{ s *Server }

// errWrongService refuses a request signed for another service than the
// front door's.
var errWrongService = errors.New("the request is not signed for this service")

func (f frontDoorIdentity) AuthorizeFunctionURL(ctx context.Context, r *http.Request, functionARN string) (*frontdoor.IAMAuthorizer, error) {
	p, err := f.authenticate(ctx, r, "lambda")
	if err != nil {
		return nil, err
	}
	doc, err := f.s.control.Policy(ctx, functionARN)
	if err != nil {
		return nil, err
	}
	keys := policy.Context{}
	keys.Set("lambda:FunctionUrlAuthType", "AWS_IAM")
	a, _ := arn.Parse(functionARN)
	err = f.s.iam.Authorize(p, iam.Check{Action: "lambda:InvokeFunctionUrl", Resource: functionARN, Context: keys,
		ResourcePolicy: doc, ResourceAccount: a.Account})
	if err != nil {
		return nil, err
	}
	return authorizerOf(p), nil
}

func (f frontDoorIdentity) AuthorizeRoute(ctx context.Context, r *http.Request, routeArn string) (*frontdoor.IAMAuthorizer, error) {
	p, err := f.authenticate(ctx, r, "execute-api")
	if err != nil {
		return nil, err
	}
	a, _ := arn.Parse(routeArn)
	if err := f.s.iam.Authorize(p, iam.Check{Action: "execute-api:Invoke", Resource: routeArn, ResourceAccount: a.Account}); err != nil {
		return nil, err
	}
	return authorizerOf(p), nil
}

func (f frontDoorIdentity) AllowInvoke(ctx context.Context, fn lambda.FunctionRef, scope lambda.Scope, sourceArn string) error {
	src := targets.Source{Service: "apigateway.amazonaws.com", ARN: sourceArn, Account: f.s.cfg.Account}
	return f.s.allowDelivery(ctx, src, "lambda:InvokeFunction", scope.QualifiedARN(fn.Name, fn.Qualifier))
}

// authenticate verifies r's signature, which must be for service.
func (f frontDoorIdentity) authenticate(ctx context.Context, r *http.Request, service string) (*iam.Principal, error) {
	p, err := f.s.iam.Authenticate(ctx, r)
	if err != nil {
		return nil, err
	}
	if p.SigningService != service {
		return nil, fmt.Errorf("%w: signed for %q, want %q", errWrongService, p.SigningService, service)
	}
	return p, nil
}

// authorizerOf is the caller as an event's requestContext.authorizer.iam
// names it.
func authorizerOf(p *iam.Principal) *frontdoor.IAMAuthorizer {
	return &frontdoor.IAMAuthorizer{AccessKey: p.AccessKeyID, AccountID: p.Account, CallerID: p.UserId, UserARN: p.Arn, UserID: p.UserId}
}
