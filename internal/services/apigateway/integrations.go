package apigateway

import (
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"

	"github.com/nubo-dev/nubo/internal/awserr"
)

// Integration types HTTP APIs serve.
const (
	typeAWSProxy  = "AWS_PROXY"
	typeHTTPProxy = "HTTP_PROXY"
	maxTimeout    = 30000
)

// IntegrationInput is the body of CreateIntegration and
// UpdateIntegration: members present are set.
type IntegrationInput struct {
	ConnectionId                *string         `json:"connectionId,omitempty"`
	ConnectionType              *string         `json:"connectionType,omitempty"`
	ContentHandlingStrategy     *string         `json:"contentHandlingStrategy,omitempty"`
	CredentialsArn              *string         `json:"credentialsArn,omitempty"`
	Description                 *string         `json:"description,omitempty"`
	IntegrationMethod           *string         `json:"integrationMethod,omitempty"`
	IntegrationSubtype          *string         `json:"integrationSubtype,omitempty"`
	IntegrationType             *string         `json:"integrationType,omitempty"`
	IntegrationUri              *string         `json:"integrationUri,omitempty"`
	PassthroughBehavior         *string         `json:"passthroughBehavior,omitempty"`
	PayloadFormatVersion        *string         `json:"payloadFormatVersion,omitempty"`
	RequestParameters           json.RawMessage `json:"requestParameters,omitempty"`
	RequestTemplates            json.RawMessage `json:"requestTemplates,omitempty"`
	ResponseParameters          json.RawMessage `json:"responseParameters,omitempty"`
	TemplateSelectionExpression *string         `json:"templateSelectionExpression,omitempty"`
	TimeoutInMillis             *int            `json:"timeoutInMillis,omitempty"`
	TlsConfig                   json.RawMessage `json:"tlsConfig,omitempty"`
}

// unsupported refuses what nubo does not serve rather than store it to
// no effect.
func (in *IntegrationInput) unsupported() error {
	switch {
	case in.CredentialsArn != nil && *in.CredentialsArn != "":
		return badRequest(credentialsNotServed)
	case in.ConnectionType != nil && *in.ConnectionType != "INTERNET":
		return badRequest("nubo serves INTERNET integrations only; VPC links are not supported")
	case in.ConnectionId != nil, in.IntegrationSubtype != nil, in.TlsConfig != nil:
		return badRequest("nubo does not serve VPC links, AWS service integrations or TLS configurations yet")
	case in.RequestParameters != nil, in.ResponseParameters != nil:
		return badRequest("nubo does not map request or response parameters yet")
	case in.RequestTemplates != nil, in.TemplateSelectionExpression != nil, in.PassthroughBehavior != nil, in.ContentHandlingStrategy != nil:
		return badRequest("Templates and content handling are supported only for WebSocket APIs")
	}
	return nil
}

func (in *IntegrationInput) apply(i *Integration) {
	set(&i.Description, in.Description)
	set(&i.IntegrationMethod, in.IntegrationMethod)
	set(&i.IntegrationType, in.IntegrationType)
	set(&i.IntegrationUri, in.IntegrationUri)
	set(&i.PayloadFormatVersion, in.PayloadFormatVersion)
	set(&i.TimeoutInMillis, in.TimeoutInMillis)
}

var functionARN = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9_-]+(:(\$LATEST|[a-zA-Z0-9_-]+))?$`)

// FunctionOf is the function an AWS_PROXY integration's URI names: a
// function's ARN (qualified for a version or alias), or API Gateway's
// arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations.
func FunctionOf(uri string) (string, bool) {
	if i := strings.Index(uri, ":lambda:path/2015-03-31/functions/"); i >= 0 && strings.HasPrefix(uri, "arn:") {
		uri = strings.TrimSuffix(uri[i+len(":lambda:path/2015-03-31/functions/"):], "/invocations")
	}
	return uri, functionARN.MatchString(uri)
}

func validateIntegration(i *Integration) error {
	if i.TimeoutInMillis == 0 {
		i.TimeoutInMillis = maxTimeout
	}
	if i.TimeoutInMillis < 50 || i.TimeoutInMillis > maxTimeout {
		return badRequest("Timeout must be between 50 milliseconds and %d milliseconds", maxTimeout)
	}
	switch i.IntegrationType {
	case typeAWSProxy:
		if _, ok := FunctionOf(i.IntegrationUri); !ok {
			return badRequest("Invalid integration URI specified: %s. An AWS_PROXY integration names a Lambda function's ARN", i.IntegrationUri)
		}
		if i.PayloadFormatVersion != "1.0" && i.PayloadFormatVersion != "2.0" {
			return badRequest("Invalid payload format version specified: %q. Lambda proxy integrations take 1.0 or 2.0", i.PayloadFormatVersion)
		}
		if i.IntegrationMethod == "" {
			i.IntegrationMethod = "POST"
		}
	case typeHTTPProxy:
		u, err := url.Parse(i.IntegrationUri)
		if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			return badRequest("Invalid integration URI specified: %s. An HTTP_PROXY integration names an http or https URL", i.IntegrationUri)
		}
		if i.PayloadFormatVersion == "" {
			i.PayloadFormatVersion = "1.0"
		}
		if i.PayloadFormatVersion != "1.0" {
			return badRequest("HTTP_PROXY integrations take payload format version 1.0")
		}
		if i.IntegrationMethod == "" {
			return badRequest("An HTTP_PROXY integration needs an integration method")
		}
		if i.IntegrationMethod != "ANY" && !routeMethods[i.IntegrationMethod] {
			return badRequest("Invalid integration method specified: %s", i.IntegrationMethod)
		}
	case "":
		return badRequest("IntegrationType must be specified")
	default:
		return badRequest("Unsupported integration type %s: HTTP APIs take AWS_PROXY and HTTP_PROXY integrations", i.IntegrationType)
	}
	if i.ConnectionType == "" {
		i.ConnectionType = "INTERNET"
	}
	return nil
}

// CreateIntegration adds an integration.
func (s *Service) CreateIntegration(ctx context.Context, scope Scope, apiID string, in *IntegrationInput) (*Integration, error) {
	if err := in.unsupported(); err != nil {
		return nil, err
	}
	integ := &Integration{IntegrationId: newID(7)}
	in.apply(integ)
	if err := validateIntegration(integ); err != nil {
		return nil, err
	}
	_, err := s.modify(ctx, scope, apiID, func(rec *apiRecord) error {
		if rec.Integrations == nil {
			rec.Integrations = map[string]*Integration{}
		}
		rec.Integrations[integ.IntegrationId] = integ
		rec.autoDeploy(s.now())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return integ, nil
}

// GetIntegration returns an integration.
func (s *Service) GetIntegration(ctx context.Context, scope Scope, apiID, id string) (*Integration, error) {
	rec, _, err := s.load(ctx, scope, apiID)
	if err != nil {
		return nil, err
	}
	i := rec.Integrations[id]
	if i == nil {
		return nil, notFound("Invalid Integration identifier specified %s", id)
	}
	return i, nil
}

// GetIntegrations lists an API's integrations.
func (s *Service) GetIntegrations(ctx context.Context, scope Scope, apiID string, p Page) (*List[Integration], error) {
	rec, _, err := s.load(ctx, scope, apiID)
	if err != nil {
		return nil, err
	}
	return page(values(rec.Integrations), p, func(i *Integration) string { return i.IntegrationId })
}

// UpdateIntegration changes an integration.
func (s *Service) UpdateIntegration(ctx context.Context, scope Scope, apiID, id string, in *IntegrationInput) (*Integration, error) {
	if err := in.unsupported(); err != nil {
		return nil, err
	}
	var out Integration
	_, err := s.modify(ctx, scope, apiID, func(rec *apiRecord) error {
		i := rec.Integrations[id]
		if i == nil {
			return notFound("Invalid Integration identifier specified %s", id)
		}
		c := *i
		in.apply(&c)
		if err := validateIntegration(&c); err != nil {
			return err
		}
		rec.Integrations[id], out = &c, c
		rec.autoDeploy(s.now())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteIntegration deletes an integration no route uses.
func (s *Service) DeleteIntegration(ctx context.Context, scope Scope, apiID, id string) error {
	_, err := s.modify(ctx, scope, apiID, func(rec *apiRecord) error {
		if rec.Integrations[id] == nil {
			return notFound("Invalid Integration identifier specified %s", id)
		}
		for _, r := range rec.Routes {
			if r.Target == targetPrefix+id {
				return awserr.New(ErrConflict, "Cannot delete integration %s: route %s uses it", id, r.RouteKey)
			}
		}
		delete(rec.Integrations, id)
		rec.autoDeploy(s.now())
		return nil
	})
	return err
}
