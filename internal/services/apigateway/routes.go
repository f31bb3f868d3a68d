package apigateway

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/nubo-dev/nubo/internal/awserr"
)

// Authorization types of routes.
const (
	authNone   = "NONE"
	authJWT    = "JWT"
	authIAM    = "AWS_IAM"
	authCustom = "CUSTOM"
)

const targetPrefix = "integrations/"

// RouteInput is the body of CreateRoute and UpdateRoute: members present
// are set.
type RouteInput struct {
	ApiKeyRequired                   *bool                      `json:"apiKeyRequired,omitempty"`
	AuthorizationScopes              []string                   `json:"authorizationScopes,omitempty"`
	AuthorizationType                *string                    `json:"authorizationType,omitempty"`
	AuthorizerId                     *string                    `json:"authorizerId,omitempty"`
	ModelSelectionExpression         *string                    `json:"modelSelectionExpression,omitempty"`
	OperationName                    *string                    `json:"operationName,omitempty"`
	RequestModels                    map[string]string          `json:"requestModels,omitempty"`
	RequestParameters                map[string]json.RawMessage `json:"requestParameters,omitempty"`
	RouteKey                         *string                    `json:"routeKey,omitempty"`
	RouteResponseSelectionExpression *string                    `json:"routeResponseSelectionExpression,omitempty"`
	Target                           *string                    `json:"target,omitempty"`
}

// unsupported refuses what HTTP APIs do not have (they are WebSocket
// features) or nubo does not serve, rather than store it to no effect.
func (in *RouteInput) unsupported() error {
	switch {
	case in.ApiKeyRequired != nil && *in.ApiKeyRequired:
		return badRequest("API keys are not supported for HTTP APIs")
	case in.ModelSelectionExpression != nil, in.RequestModels != nil, in.RouteResponseSelectionExpression != nil:
		return badRequest("Models and route responses are supported only for WebSocket APIs")
	case in.RequestParameters != nil:
		return badRequest("Request parameters are supported only for WebSocket APIs")
	}
	return nil
}

// CreateRoute adds a route.
func (s *Service) CreateRoute(ctx context.Context, scope Scope, apiID string, in *RouteInput) (*Route, error) {
	if in.RouteKey == nil {
		return nil, badRequest("RouteKey must be specified")
	}
	if err := in.unsupported(); err != nil {
		return nil, err
	}
	route := &Route{RouteId: newID(7), AuthorizationType: authNone}
	_, err := s.modify(ctx, scope, apiID, func(rec *apiRecord) error {
		r := *route
		if err := rec.applyRoute(&r, in); err != nil {
			return err
		}
		if rec.Routes == nil {
			rec.Routes = map[string]*Route{}
		}
		rec.Routes[r.RouteId] = &r
		*route = r
		rec.autoDeploy(s.now())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return route, nil
}

// applyRoute sets in's members on r and checks the result against the
// API's other routes, integrations and authorizers.
func (rec *apiRecord) applyRoute(r *Route, in *RouteInput) error {
	set(&r.RouteKey, in.RouteKey)
	set(&r.Target, in.Target)
	set(&r.OperationName, in.OperationName)
	set(&r.AuthorizationType, in.AuthorizationType)
	set(&r.AuthorizerId, in.AuthorizerId)
	if in.AuthorizationScopes != nil {
		r.AuthorizationScopes = in.AuthorizationScopes
	}
	if _, err := ParseRouteKey(r.RouteKey); err != nil {
		return err
	}
	for _, other := range rec.Routes {
		if other.RouteId != r.RouteId && other.RouteKey == r.RouteKey {
			return awserr.New(ErrConflict, "Route with key %s already exists for this API", r.RouteKey)
		}
	}
	if r.Target != "" {
		id, ok := strings.CutPrefix(r.Target, targetPrefix)
		if !ok || rec.Integrations[id] == nil {
			return badRequest("Invalid integration target specified: %s. A target is integrations/ and the id of an integration of this API", r.Target)
		}
	}
	return rec.checkAuthorization(r)
}

func (rec *apiRecord) checkAuthorization(r *Route) error {
	var want string
	switch r.AuthorizationType {
	case authNone, authIAM:
		r.AuthorizerId = ""
	case authJWT:
		want = authorizerJWT
	case authCustom:
		want = authorizerRequest
	default:
		return badRequest("Invalid authorization type specified: %s. Valid values are NONE, JWT, AWS_IAM and CUSTOM", r.AuthorizationType)
	}
	if want != "" {
		a := rec.Authorizers[r.AuthorizerId]
		if a == nil || a.AuthorizerType != want {
			return badRequest("Invalid authorizer id specified: %s. A route of authorization type %s needs a %s authorizer of this API", r.AuthorizerId, r.AuthorizationType, want)
		}
	}
	if len(r.AuthorizationScopes) > 0 && r.AuthorizationType != authJWT {
		return badRequest("Authorization scopes are supported only for JWT authorizers")
	}
	return nil
}

// GetRoute returns a route.
func (s *Service) GetRoute(ctx context.Context, scope Scope, apiID, routeID string) (*Route, error) {
	rec, _, err := s.load(ctx, scope, apiID)
	if err != nil {
		return nil, err
	}
	r := rec.Routes[routeID]
	if r == nil {
		return nil, notFound("Invalid Route identifier specified %s", routeID)
	}
	return r, nil
}

// GetRoutes lists an API's routes.
func (s *Service) GetRoutes(ctx context.Context, scope Scope, apiID string, p Page) (*List[Route], error) {
	rec, _, err := s.load(ctx, scope, apiID)
	if err != nil {
		return nil, err
	}
	return page(values(rec.Routes), p, func(r *Route) string { return r.RouteKey })
}

// UpdateRoute changes a route.
func (s *Service) UpdateRoute(ctx context.Context, scope Scope, apiID, routeID string, in *RouteInput) (*Route, error) {
	if err := in.unsupported(); err != nil {
		return nil, err
	}
	var out Route
	_, err := s.modify(ctx, scope, apiID, func(rec *apiRecord) error {
		r := rec.Routes[routeID]
		if r == nil {
			return notFound("Invalid Route identifier specified %s", routeID)
		}
		c := *r
		if err := rec.applyRoute(&c, in); err != nil {
			return err
		}
		rec.Routes[routeID], out = &c, c
		rec.autoDeploy(s.now())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteRoute deletes a route.
func (s *Service) DeleteRoute(ctx context.Context, scope Scope, apiID, routeID string) error {
	_, err := s.modify(ctx, scope, apiID, func(rec *apiRecord) error {
		if rec.Routes[routeID] == nil {
			return notFound("Invalid Route identifier specified %s", routeID)
		}
		delete(rec.Routes, routeID)
		rec.autoDeploy(s.now())
		return nil
	})
	return err
}
