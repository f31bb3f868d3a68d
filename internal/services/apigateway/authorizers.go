package apigateway

import (
	"context"
	"net/url"
	"strings"

	"github.com/nubo-dev/nubo/internal/awserr"
)

// Authorizer types of HTTP APIs.
const (
	authorizerJWT     = "JWT"
	authorizerRequest = "REQUEST"
)

// AuthorizerInput is the body of CreateAuthorizer and UpdateAuthorizer:
// members present are set.
type AuthorizerInput struct {
	AuthorizerCredentialsArn       *string           `json:"authorizerCredentialsArn,omitempty"`
	AuthorizerPayloadFormatVersion *string           `json:"authorizerPayloadFormatVersion,omitempty"`
	AuthorizerResultTtlInSeconds   *int              `json:"authorizerResultTtlInSeconds,omitempty"`
	AuthorizerType                 *string           `json:"authorizerType,omitempty"`
	AuthorizerUri                  *string           `json:"authorizerUri,omitempty"`
	EnableSimpleResponses          *bool             `json:"enableSimpleResponses,omitempty"`
	IdentitySource                 []string          `json:"identitySource,omitempty"`
	IdentityValidationExpression   *string           `json:"identityValidationExpression,omitempty"`
	JwtConfiguration               *JWTConfiguration `json:"jwtConfiguration,omitempty"`
	Name                           *string           `json:"name,omitempty"`
}

func (in *AuthorizerInput) apply(a *Authorizer) error {
	switch {
	case in.AuthorizerCredentialsArn != nil && *in.AuthorizerCredentialsArn != "":
		return badRequest("nubo does not assume credentials to invoke authorizers: invoking functions follows their resource policies")
	case in.IdentityValidationExpression != nil:
		return badRequest("Identity validation expressions are supported only for REST and WebSocket APIs")
	}
	set(&a.AuthorizerPayloadFormatVersion, in.AuthorizerPayloadFormatVersion)
	if in.AuthorizerResultTtlInSeconds != nil {
		a.AuthorizerResultTtlInSeconds = in.AuthorizerResultTtlInSeconds
	}
	set(&a.AuthorizerType, in.AuthorizerType)
	set(&a.AuthorizerUri, in.AuthorizerUri)
	set(&a.EnableSimpleResponses, in.EnableSimpleResponses)
	set(&a.Name, in.Name)
	if in.IdentitySource != nil {
		a.IdentitySource = in.IdentitySource
	}
	if in.JwtConfiguration != nil {
		a.JwtConfiguration = in.JwtConfiguration
	}
	return validateAuthorizer(a)
}

func validateAuthorizer(a *Authorizer) error {
	if a.Name == "" || len(a.Name) > maxNameLength {
		return badRequest("Invalid authorizer name specified: name must be between 1 and %d characters", maxNameLength)
	}
	switch a.AuthorizerType {
	case authorizerJWT:
		return validateJWT(a)
	case authorizerRequest:
		return validateRequestAuthorizer(a)
	case "":
		return badRequest("AuthorizerType must be specified")
	}
	return badRequest("Invalid authorizer type specified: %s. HTTP APIs take JWT and REQUEST authorizers", a.AuthorizerType)
}

func validateJWT(a *Authorizer) error {
	c := a.JwtConfiguration
	if c == nil || c.Issuer == "" || len(c.Audience) == 0 {
		return badRequest("A JWT authorizer needs a JwtConfiguration with an issuer and at least one audience")
	}
	if u, err := url.Parse(c.Issuer); err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return badRequest("Invalid issuer specified: %s. The issuer is the URL of an OpenID Connect provider", c.Issuer)
	}
	if a.AuthorizerUri != "" || a.AuthorizerPayloadFormatVersion != "" || a.EnableSimpleResponses || a.AuthorizerResultTtlInSeconds != nil {
		return badRequest("authorizerUri, authorizerPayloadFormatVersion, enableSimpleResponses and authorizerResultTtlInSeconds apply to REQUEST authorizers only")
	}
	if len(a.IdentitySource) == 0 {
		a.IdentitySource = []string{"$request.header.Authorization"}
	}
	if len(a.IdentitySource) != 1 || !validSource(a.IdentitySource[0]) {
		return badRequest("A JWT authorizer takes one identity source, such as $request.header.Authorization")
	}
	return nil
}

func validateRequestAuthorizer(a *Authorizer) error {
	if _, ok := FunctionOf(a.AuthorizerUri); !ok {
		return badRequest("Invalid authorizer URI specified: %s. A REQUEST authorizer names a Lambda function", a.AuthorizerUri)
	}
	switch a.AuthorizerPayloadFormatVersion {
	case "1.0", "2.0":
	default:
		return badRequest("A REQUEST authorizer needs authorizerPayloadFormatVersion 1.0 or 2.0")
	}
	if a.EnableSimpleResponses && a.AuthorizerPayloadFormatVersion != "2.0" {
		return badRequest("Simple responses are supported only for payload format version 2.0")
	}
	if a.JwtConfiguration != nil {
		return badRequest("JwtConfiguration applies to JWT authorizers only")
	}
	if a.AuthorizerResultTtlInSeconds != nil {
		ttl := *a.AuthorizerResultTtlInSeconds
		if ttl < 0 || ttl > 3600 {
			return badRequest("authorizerResultTtlInSeconds must be between 0 and 3600")
		}
		if ttl > 0 && len(a.IdentitySource) == 0 {
			return badRequest("Caching authorizer results needs at least one identity source")
		}
	}
	for _, src := range a.IdentitySource {
		if !validSource(src) {
			return badRequest("Invalid identity source specified: %s", src)
		}
	}
	return nil
}

// validSource reports whether s names a header, query parameter, context
// variable or stage variable.
func validSource(s string) bool {
	for _, p := range []string{"$request.header.", "$request.querystring.", "$context.", "$stageVariables."} {
		if name, ok := strings.CutPrefix(s, p); ok && name != "" {
			return true
		}
	}
	return false
}

// CreateAuthorizer adds an authorizer.
func (s *Service) CreateAuthorizer(ctx context.Context, scope Scope, apiID string, in *AuthorizerInput) (*Authorizer, error) {
	a := &Authorizer{AuthorizerId: newID(6)}
	if err := in.apply(a); err != nil {
		return nil, err
	}
	_, err := s.modify(ctx, scope, apiID, func(rec *apiRecord) error {
		if rec.Authorizers == nil {
			rec.Authorizers = map[string]*Authorizer{}
		}
		rec.Authorizers[a.AuthorizerId] = a
		rec.autoDeploy(s.now())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// GetAuthorizer returns an authorizer.
func (s *Service) GetAuthorizer(ctx context.Context, scope Scope, apiID, id string) (*Authorizer, error) {
	rec, _, err := s.load(ctx, scope, apiID)
	if err != nil {
		return nil, err
	}
	a := rec.Authorizers[id]
	if a == nil {
		return nil, notFound("Invalid Authorizer identifier specified %s", id)
	}
	return a, nil
}

// GetAuthorizers lists an API's authorizers.
func (s *Service) GetAuthorizers(ctx context.Context, scope Scope, apiID string, p Page) (*List[Authorizer], error) {
	rec, _, err := s.load(ctx, scope, apiID)
	if err != nil {
		return nil, err
	}
	return page(values(rec.Authorizers), p, func(a *Authorizer) string { return a.Name + "\x00" + a.AuthorizerId })
}

// UpdateAuthorizer changes an authorizer.
func (s *Service) UpdateAuthorizer(ctx context.Context, scope Scope, apiID, id string, in *AuthorizerInput) (*Authorizer, error) {
	var out Authorizer
	_, err := s.modify(ctx, scope, apiID, func(rec *apiRecord) error {
		a := rec.Authorizers[id]
		if a == nil {
			return notFound("Invalid Authorizer identifier specified %s", id)
		}
		c := *a
		if err := in.apply(&c); err != nil {
			return err
		}
		rec.Authorizers[id], out = &c, c
		for _, r := range rec.Routes {
			if r.AuthorizerId == id {
				if err := rec.checkAuthorization(r); err != nil {
					return err
				}
			}
		}
		rec.autoDeploy(s.now())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteAuthorizer deletes an authorizer no route uses.
func (s *Service) DeleteAuthorizer(ctx context.Context, scope Scope, apiID, id string) error {
	_, err := s.modify(ctx, scope, apiID, func(rec *apiRecord) error {
		if rec.Authorizers[id] == nil {
			return notFound("Invalid Authorizer identifier specified %s", id)
		}
		for _, r := range rec.Routes {
			if r.AuthorizerId == id {
				return awserr.New(ErrConflict, "Cannot delete authorizer %s: route %s uses it", id, r.RouteKey)
			}
		}
		delete(rec.Authorizers, id)
		rec.autoDeploy(s.now())
		return nil
	})
	return err
}
