package frontdoor

import "encoding/json"

// eventV1 is payload format 1.0 as HTTP APIs send it, members in AWS's
// order; absent members are null, as in AWS's events.
type eventV1 struct {
	Version                         string              `json:"version"`
	Resource                        string              `json:"resource"`
	Path                            string              `json:"path"`
	HTTPMethod                      string              `json:"httpMethod"`
	Headers                         map[string]string   `json:"headers"`
	MultiValueHeaders               map[string][]string `json:"multiValueHeaders"`
	QueryStringParameters           map[string]string   `json:"queryStringParameters"`
	MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters"`
	RequestContext                  contextV1           `json:"requestContext"`
	PathParameters                  map[string]string   `json:"pathParameters"`
	StageVariables                  map[string]string   `json:"stageVariables"`
	Body                            *string             `json:"body"`
	IsBase64Encoded                 bool                `json:"isBase64Encoded"`
}

type contextV1 struct {
	AccountID         string     `json:"accountId"`
	APIID             string     `json:"apiId"`
	Authorizer        any        `json:"authorizer,omitempty"`
	DomainName        string     `json:"domainName"`
	DomainPrefix      string     `json:"domainPrefix"`
	ExtendedRequestID string     `json:"extendedRequestId"`
	HTTPMethod        string     `json:"httpMethod"`
	Identity          identityV1 `json:"identity"`
	Path              string     `json:"path"`
	Protocol          string     `json:"protocol"`
	RequestID         string     `json:"requestId"`
	RequestTime       string     `json:"requestTime"`
	RequestTimeEpoch  int64      `json:"requestTimeEpoch"`
	ResourceID        string     `json:"resourceId"`
	ResourcePath      string     `json:"resourcePath"`
	Stage             string     `json:"stage"`
}

type identityV1 struct {
	AccessKey                     *string `json:"accessKey"`
	AccountID                     *string `json:"accountId"`
	Caller                        *string `json:"caller"`
	CognitoAuthenticationProvider *string `json:"cognitoAuthenticationProvider"`
	CognitoAuthenticationType     *string `json:"cognitoAuthenticationType"`
	CognitoIdentityID             *string `json:"cognitoIdentityId"`
	CognitoIdentityPoolID         *string `json:"cognitoIdentityPoolId"`
	PrincipalOrgID                *string `json:"principalOrgId"`
	SourceIP                      string  `json:"sourceIp"`
	User                          *string `json:"user"`
	UserAgent                     string  `json:"userAgent"`
	UserArn                       *string `json:"userArn"`
}

// EventV1 is the payload format 1.0 event of r, for HTTP API integrations
// that ask for it: single-valued headers and query parameters (the last
// value) beside the multi-valued ones, the path the client sent.
func EventV1(r *Request) ([]byte, error) {
	ev := buildV1(r)
	if body, b64 := r.body(); body != "" {
		ev.Body, ev.IsBase64Encoded = &body, b64
	}
	return json.Marshal(ev)
}

func buildV1(r *Request) *eventV1 {
	ev := &eventV1{
		Version:           "1.0",
		Resource:          r.Resource,
		Path:              r.fullPath(),
		HTTPMethod:        r.HTTP.Method,
		Headers:           map[string]string{},
		MultiValueHeaders: r.multiHeaders(),
		RequestContext: contextV1{
			AccountID:         r.Account,
			APIID:             r.APIID,
			DomainName:        r.DomainName,
			DomainPrefix:      r.domainPrefix(),
			ExtendedRequestID: r.RequestID,
			HTTPMethod:        r.HTTP.Method,
			Identity:          identityV1{SourceIP: r.SourceIP, UserAgent: r.userAgent()},
			Path:              r.fullPath(),
			Protocol:          r.protocol(),
			RequestID:         r.RequestID,
			RequestTime:       r.time(),
			RequestTimeEpoch:  r.Time.UnixMilli(),
			ResourceID:        r.RouteKey,
			ResourcePath:      r.Resource,
			Stage:             r.Stage,
		},
		PathParameters: r.PathParameters,
		StageVariables: r.StageVariables,
	}
	for k, v := range ev.MultiValueHeaders {
		ev.Headers[k] = v[len(v)-1]
	}
	if keys, values := r.query(); len(keys) > 0 {
		ev.QueryStringParameters = make(map[string]string, len(keys))
		ev.MultiValueQueryStringParameters = values
		for _, k := range keys {
			ev.QueryStringParameters[k] = values[k][len(values[k])-1]
		}
	}
	if a := r.Authorizer; a != nil {
		switch {
		case a.JWT != nil:
			ev.RequestContext.Authorizer = a.JWT
		case a.Lambda != nil:
			ev.RequestContext.Authorizer = map[string]any{"lambda": a.Lambda}
		case a.IAM != nil:
			id := &ev.RequestContext.Identity
			id.AccessKey, id.AccountID, id.Caller = &a.IAM.AccessKey, &a.IAM.AccountID, &a.IAM.CallerID
			id.User, id.UserArn = &a.IAM.UserID, &a.IAM.UserARN
		}
	}
	return ev
}
