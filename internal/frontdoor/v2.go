package frontdoor

import "strings"

// eventV2 is payload format 2.0, members in AWS's order.
type eventV2 struct {
	Version               string            `json:"version"`
	RouteKey              string            `json:"routeKey"`
	RawPath               string            `json:"rawPath"`
	RawQueryString        string            `json:"rawQueryString"`
	Cookies               []string          `json:"cookies,omitempty"`
	Headers               map[string]string `json:"headers"`
	QueryStringParameters map[string]string `json:"queryStringParameters,omitempty"`
	RequestContext        contextV2         `json:"requestContext"`
	Body                  string            `json:"body,omitempty"`
	PathParameters        map[string]string `json:"pathParameters,omitempty"`
	IsBase64Encoded       bool              `json:"isBase64Encoded"`
	StageVariables        map[string]string `json:"stageVariables,omitempty"`
}

type contextV2 struct {
	AccountID    string        `json:"accountId"`
	APIID        string        `json:"apiId"`
	Authorizer   *authorizerV2 `json:"authorizer,omitempty"`
	DomainName   string        `json:"domainName"`
	DomainPrefix string        `json:"domainPrefix"`
	HTTP         httpV2        `json:"http"`
	RequestID    string        `json:"requestId"`
	RouteKey     string        `json:"routeKey"`
	Stage        string        `json:"stage"`
	Time         string        `json:"time"`
	TimeEpoch    int64         `json:"timeEpoch"`
}

type httpV2 struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Protocol  string `json:"protocol"`
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

type authorizerV2 struct {
	JWT    *JWTAuthorizer `json:"jwt,omitempty"`
	Lambda map[string]any `json:"lambda,omitempty"`
	IAM    *IAMAuthorizer `json:"iam,omitempty"`
}

// EventV2 is the payload format 2.0 event of r, as function URLs and HTTP
// APIs send it: lower-case header names, repeated headers and query
// parameters joined by commas, cookies apart, the path as the client sent
// it (never the route's template), a binary body base64-encoded.
func EventV2(r *Request) ([]byte, error) {
	ev := buildV2(r)
	ev.Body, ev.IsBase64Encoded = r.body()
	return appendV2(make([]byte, 0, 1024+len(ev.Body)), ev), nil
}

func buildV2(r *Request) *eventV2 {
	ev := &eventV2{
		Version:        "2.0",
		RouteKey:       r.RouteKey,
		RawPath:        r.Path,
		RawQueryString: r.HTTP.URL.RawQuery,
		Cookies:        r.cookies(),
		Headers:        r.headers(true),
		RequestContext: contextV2{
			AccountID:    r.Account,
			APIID:        r.APIID,
			DomainName:   r.DomainName,
			DomainPrefix: r.domainPrefix(),
			HTTP: httpV2{Method: r.HTTP.Method, Path: r.Path, Protocol: r.protocol(),
				SourceIP: r.SourceIP, UserAgent: r.userAgent()},
			RequestID: r.RequestID,
			RouteKey:  r.RouteKey,
			Stage:     r.Stage,
			Time:      r.time(),
			TimeEpoch: r.Time.UnixMilli(),
		},
		PathParameters: r.PathParameters,
		StageVariables: r.StageVariables,
	}
	if keys, values := r.query(); len(keys) > 0 {
		ev.QueryStringParameters = make(map[string]string, len(keys))
		for _, k := range keys {
			ev.QueryStringParameters[k] = strings.Join(values[k], ",")
		}
	}
	if a := r.Authorizer; a != nil {
		ev.RequestContext.Authorizer = &authorizerV2{JWT: a.JWT, Lambda: a.Lambda, IAM: a.IAM}
	}
	return ev
}
