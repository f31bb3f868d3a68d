package gateway

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/frontdoor"
	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// contextVar finds $context variables in an access log format.
var contextVar = regexp.MustCompile(`\$context\.[A-Za-z0-9_.-]+`)

// accessLog writes the exchange's line to the stage's log group, its
// $context variables filled in ("-" for those without a value).
func (x *exchange) accessLog(status int, latency time.Duration) {
	s := x.e.view.Stage.AccessLogSettings
	if s == nil || s.DestinationArn == "" || x.g.logs == nil {
		return
	}
	group := logGroupOf(s.DestinationArn)
	line := contextVar.ReplaceAllStringFunc(s.Format, func(v string) string {
		name := strings.TrimRight(strings.TrimPrefix(v, "$context."), ".")
		switch name {
		case "status":
			return strconv.Itoa(status)
		case "responseLatency":
			return strconv.FormatInt(latency.Milliseconds(), 10)
		}
		if val := x.context(name); val != "" {
			return val
		}
		return "-"
	})
	x.g.logs.Append(group, x.e.apiID+"_"+x.e.view.Stage.StageName, []lambda.LogEvent{{Timestamp: x.started.UnixMilli(), Message: line}})
}

// logGroupOf is the name of a log group ARN
// (arn:aws:logs:<region>:<account>:log-group:<name>[:*]).
func logGroupOf(arn string) string {
	_, name, _ := strings.Cut(arn, ":log-group:")
	return strings.TrimSuffix(name, ":*")
}

// context is the value of $context.<name> for the exchange, "" when it
// has none.
func (x *exchange) context(name string) string {
	if v, ok := x.requestContext(name); ok {
		return v
	}
	if claim, ok := strings.CutPrefix(name, "authorizer.claims."); ok && x.req != nil && x.req.Authorizer != nil && x.req.Authorizer.JWT != nil {
		return x.req.Authorizer.JWT.Claims[claim]
	}
	if key, ok := strings.CutPrefix(name, "authorizer."); ok && x.req != nil && x.req.Authorizer != nil && x.req.Authorizer.Lambda != nil {
		if v, found := x.req.Authorizer.Lambda[key]; found {
			return scalarText(v)
		}
	}
	return ""
}

// requestContext answers the variables every exchange has.
func (x *exchange) requestContext(name string) (string, bool) {
	r := x.r
	switch name {
	case "requestId", "extendedRequestId", "awsEndpointRequestId":
		return x.requestID, true
	case "accountId":
		return x.g.opts.Account, true
	case "apiId":
		return x.e.apiID, true
	case "stage":
		return x.e.view.Stage.StageName, true
	case "routeKey":
		if x.match != nil {
			return x.match.Route.RouteKey, true
		}
		return "-", true
	case "httpMethod":
		return r.Method, true
	case "path":
		return x.e.rawPath, true
	case "protocol":
		return r.Proto, true
	case "domainName":
		return frontdoor.DomainName(r), true
	case "domainPrefix":
		d, _, _ := strings.Cut(frontdoor.DomainName(r), ".")
		return d, true
	case "identity.sourceIp":
		return frontdoor.SourceIP(r), true
	case "identity.userAgent":
		return r.Header.Get("User-Agent"), true
	case "requestTime":
		return x.started.UTC().Format(frontdoor.TimeFormat), true
	case "requestTimeEpoch":
		return strconv.FormatInt(x.started.UnixMilli(), 10), true
	case "responseLength", "dataProcessed":
		return strconv.Itoa(x.w.bytes), true
	case "integrationLatency", "integration.latency":
		if x.integrated {
			return strconv.FormatInt(x.integration.Milliseconds(), 10), true
		}
	case "integrationStatus", "integration.integrationStatus", "integration.status":
		if x.integrationStatus != 0 {
			return strconv.Itoa(x.integrationStatus), true
		}
	case "integrationErrorMessage", "integration.error":
		return x.integrationError, true
	case "error.message", "error.messageString":
		return x.errorMessage, true
	case "error.responseType":
		return x.errorType, true
	case "authorizer.error":
		return x.authorizerError, true
	}
	return "", false
}

func scalarText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}
