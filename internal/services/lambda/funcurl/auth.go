package funcurl

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/nubo-dev/nubo/internal/frontdoor"
)

// Authorizer decides the requests of AWS_IAM function URLs: it verifies a
// request's SigV4 signature (signing name "lambda") and that its caller
// may lambda:InvokeFunctionUrl on functionARN (the URL's function,
// qualified for an alias's URL), and names the caller for the event's
// requestContext.authorizer.iam. An error refuses the request with 403
// Forbidden. It is called before the body is read: it may read and
// replace r.Body, as signature verification does.
type Authorizer interface {
	AuthorizeFunctionURL(ctx context.Context, r *http.Request, functionARN string) (*frontdoor.IAMAuthorizer, error)
}

// errUnsigned refuses an AWS_IAM request without a lambda signature.
var errUnsigned = errors.New("the request carries no SigV4 signature for lambda")

// scopeOnly is the Authorizer used while nubo does not verify signatures:
// a request must be signed, its credential scope naming the lambda
// service; its access key names the caller, of the URL's account.
type scopeOnly struct{ account string }

func (a scopeOnly) AuthorizeFunctionURL(ctx context.Context, r *http.Request, functionARN string) (*frontdoor.IAMAuthorizer, error) {
	key, service, ok := credentialScope(r)
	if !ok || service != "lambda" {
		return nil, errUnsigned
	}
	return &frontdoor.IAMAuthorizer{AccessKey: key, AccountID: a.account, CallerID: a.account,
		UserARN: "arn:aws:iam::" + a.account + ":root", UserID: a.account}, nil
}

// credentialScope reads the access key and service of a SigV4
// Authorization header or presigned URL.
func credentialScope(r *http.Request) (key, service string, ok bool) {
	scope := r.URL.Query().Get("X-Amz-Credential")
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "AWS4-HMAC-SHA256 ") {
		for _, field := range strings.Split(auth[len("AWS4-HMAC-SHA256 "):], ",") {
			if v, found := strings.CutPrefix(strings.TrimSpace(field), "Credential="); found {
				scope = v
			}
		}
	}
	parts := strings.Split(scope, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" || parts[0] == "" {
		return "", "", false
	}
	return parts[0], parts[3], true
}
