package apigateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/nubo-dev/nubo/internal/store"
)

// CreateApiInput is CreateApi's request. Target (a function's ARN or an
// HTTP URL) and RouteKey make a quick create: an integration, a route
// (RouteKey, "$default" when absent) and an auto-deployed $default stage.
type CreateApiInput struct {
	ApiKeySelectionExpression string            `json:"apiKeySelectionExpression,omitempty"`
	CorsConfiguration         *Cors             `json:"corsConfiguration,omitempty"`
	CredentialsArn            string            `json:"credentialsArn,omitempty"`
	Description               string            `json:"description,omitempty"`
	DisableExecuteApiEndpoint bool              `json:"disableExecuteApiEndpoint,omitempty"`
	IpAddressType             string            `json:"ipAddressType,omitempty"`
	Name                      string            `json:"name"`
	ProtocolType              string            `json:"protocolType"`
	RouteKey                  string            `json:"routeKey,omitempty"`
	RouteSelectionExpression  string            `json:"routeSelectionExpression,omitempty"`
	Tags                      map[string]string `json:"tags,omitempty"`
	Target                    string            `json:"target,omitempty"`
	Version                   string            `json:"version,omitempty"`
}

// UpdateApiInput is UpdateApi's request: members present are changed.
type UpdateApiInput struct {
	ApiKeySelectionExpression *string `json:"apiKeySelectionExpression,omitempty"`
	CorsConfiguration         *Cors   `json:"corsConfiguration,omitempty"`
	CredentialsArn            *string `json:"credentialsArn,omitempty"`
	Description               *string `json:"description,omitempty"`
	DisableExecuteApiEndpoint *bool   `json:"disableExecuteApiEndpoint,omitempty"`
	Name                      *string `json:"name,omitempty"`
	RouteKey                  *string `json:"routeKey,omitempty"`
	RouteSelectionExpression  *string `json:"routeSelectionExpression,omitempty"`
	Target                    *string `json:"target,omitempty"`
	Version                   *string `json:"version,omitempty"`
}

const (
	protocolHTTP             = "HTTP"
	defaultRouteSelection    = "$request.method $request.path"
	defaultApiKeySelection   = "$request.header.x-api-key"
	defaultStage             = "$default"
	maxNameLength            = 128
	credentialsNotServed     = "nubo does not assume credentials for integrations: invoking functions follows their resource policies"
	routeSelectionNotAllowed = "Route selection expression for HTTP APIs must be " + defaultRouteSelection
)

// CreateApi creates an HTTP API, and with Target its route, integration
// and $default stage.
func (s *Service) CreateApi(ctx context.Context, scope Scope, in *CreateApiInput, apiHost string) (*Api, error) {
	if err := validateApi(in); err != nil {
		return nil, err
	}
	rec := &apiRecord{Region: scope.Region, Api: Api{
		ApiId: newID(10), ApiKeySelectionExpression: defaultApiKeySelection, CorsConfiguration: in.CorsConfiguration,
		CreatedDate: s.now(), Description: in.Description, DisableExecuteApiEndpoint: in.DisableExecuteApiEndpoint,
		IpAddressType: "ipv4", Name: in.Name, ProtocolType: protocolHTTP, RouteSelectionExpression: defaultRouteSelection,
		Tags: in.Tags, Version: in.Version,
	}}
	if in.Target != "" {
		if err := s.quickCreate(rec, in); err != nil {
			return nil, err
		}
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	if _, err := s.kv.Put(ctx, whereKey(rec.Api.ApiId), []byte(scope.Region)); err != nil {
		return nil, fmt.Errorf("index api: %w", err)
	}
	if _, err := s.kv.Create(ctx, apiKey(scope.Region, rec.Api.ApiId), data); err != nil {
		return nil, fmt.Errorf("store api: %w", err)
	}
	return s.apiOut(rec, apiHost), nil
}

func validateApi(in *CreateApiInput) error {
	switch {
	case in.Name == "" || len(in.Name) > maxNameLength:
		return badRequest("Invalid API name specified: name must be between 1 and %d characters", maxNameLength)
	case in.ProtocolType == "":
		return badRequest("Protocol type must be specified")
	case in.ProtocolType != protocolHTTP:
		return badRequest("nubo serves HTTP APIs; protocol type %s is not supported", in.ProtocolType)
	case in.RouteSelectionExpression != "" && in.RouteSelectionExpression != defaultRouteSelection:
		return badRequest(routeSelectionNotAllowed)
	case in.CredentialsArn != "":
		return badRequest(credentialsNotServed)
	case in.RouteKey != "" && in.Target == "":
		return badRequest("RouteKey can only be specified together with Target")
	}
	return validateCors(in.CorsConfiguration)
}

func validateCors(c *Cors) error {
	if c == nil {
		return nil
	}
	if c.AllowCredentials != nil && *c.AllowCredentials {
		for _, o := range c.AllowOrigins {
			if o == "*" {
				return badRequest("allow-credentials is not supported with allow-origins '*'")
			}
		}
	}
	if c.MaxAge != nil && (*c.MaxAge < -1 || *c.MaxAge > 86400) {
		return badRequest("maxAge must be between -1 and 86400")
	}
	return nil
}

// quickCreate adds the integration, route and stage of a quick create.
func (s *Service) quickCreate(rec *apiRecord, in *CreateApiInput) error {
	integ := &Integration{ApiGatewayManaged: true, ConnectionType: "INTERNET", IntegrationId: newID(7), IntegrationUri: in.Target,
		TimeoutInMillis: maxTimeout}
	if strings.HasPrefix(in.Target, "http://") || strings.HasPrefix(in.Target, "https://") {
		integ.IntegrationType, integ.IntegrationMethod, integ.PayloadFormatVersion = typeHTTPProxy, "ANY", "1.0"
	} else {
		integ.IntegrationType, integ.IntegrationMethod, integ.PayloadFormatVersion = typeAWSProxy, "POST", "2.0"
	}
	if err := validateIntegration(integ); err != nil {
		return err
	}
	key := in.RouteKey
	if key == "" {
		key = defaultRoute
	}
	if _, err := ParseRouteKey(key); err != nil {
		return err
	}
	route := &Route{ApiGatewayManaged: true, AuthorizationType: authNone, RouteId: newID(7), RouteKey: key, Target: targetPrefix + integ.IntegrationId}
	now := s.now()
	rec.Integrations = map[string]*Integration{integ.IntegrationId: integ}
	rec.Routes = map[string]*Route{route.RouteId: route}
	rec.Stages = map[string]*Stage{defaultStage: {ApiGatewayManaged: true, AutoDeploy: true, CreatedDate: now, LastUpdatedDate: now,
		StageName: defaultStage, DefaultRouteSettings: &RouteSettings{DetailedMetricsEnabled: new(bool)}}}
	rec.autoDeploy(now)
	return nil
}

// GetApi returns an API.
func (s *Service) GetApi(ctx context.Context, scope Scope, apiID, apiHost string) (*Api, error) {
	rec, _, err := s.load(ctx, scope, apiID)
	if err != nil {
		return nil, err
	}
	return s.apiOut(rec, apiHost), nil
}

// GetApis lists the region's APIs.
func (s *Service) GetApis(ctx context.Context, scope Scope, p Page, apiHost string) (*List[Api], error) {
	keys, err := s.kv.Keys(ctx, store.Key("api", scope.Region))
	if err != nil {
		return nil, fmt.Errorf("list apis: %w", err)
	}
	var apis []*Api
	for _, k := range keys {
		e, err := s.kv.Get(ctx, k)
		if err != nil {
			continue // deleted meanwhile
		}
		var rec apiRecord
		if json.Unmarshal(e.Value, &rec) == nil {
			apis = append(apis, s.apiOut(&rec, apiHost))
		}
	}
	return page(apis, p, func(a *Api) string { return a.Name + "\x00" + a.ApiId })
}

// UpdateApi changes an API.
func (s *Service) UpdateApi(ctx context.Context, scope Scope, apiID string, in *UpdateApiInput, apiHost string) (*Api, error) {
	switch {
	case in.RouteSelectionExpression != nil && *in.RouteSelectionExpression != defaultRouteSelection:
		return nil, badRequest(routeSelectionNotAllowed)
	case in.CredentialsArn != nil && *in.CredentialsArn != "":
		return nil, badRequest(credentialsNotServed)
	case in.Target != nil || in.RouteKey != nil:
		return nil, badRequest("nubo does not change a quick create's target or route key: update its integration or route")
	case in.Name != nil && (*in.Name == "" || len(*in.Name) > maxNameLength):
		return nil, badRequest("Invalid API name specified: name must be between 1 and %d characters", maxNameLength)
	}
	if err := validateCors(in.CorsConfiguration); err != nil {
		return nil, err
	}
	rec, err := s.modify(ctx, scope, apiID, func(rec *apiRecord) error {
		a := &rec.Api
		set(&a.Name, in.Name)
		set(&a.Description, in.Description)
		set(&a.Version, in.Version)
		set(&a.ApiKeySelectionExpression, in.ApiKeySelectionExpression)
		set(&a.DisableExecuteApiEndpoint, in.DisableExecuteApiEndpoint)
		if in.CorsConfiguration != nil {
			a.CorsConfiguration = in.CorsConfiguration
			rec.autoDeploy(s.now())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.apiOut(rec, apiHost), nil
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// DeleteCorsConfiguration removes an API's CORS configuration.
func (s *Service) DeleteCorsConfiguration(ctx context.Context, scope Scope, apiID string) error {
	_, err := s.modify(ctx, scope, apiID, func(rec *apiRecord) error {
		rec.Api.CorsConfiguration = nil
		rec.autoDeploy(s.now())
		return nil
	})
	return err
}

// DeleteApi deletes an API, its deployments and its API mappings.
func (s *Service) DeleteApi(ctx context.Context, scope Scope, apiID string) error {
	if _, _, err := s.load(ctx, scope, apiID); err != nil {
		return err
	}
	deps, err := s.kv.Keys(ctx, store.Key("dep", scope.Region, apiID))
	if err != nil {
		return fmt.Errorf("list deployments: %w", err)
	}
	for _, k := range deps {
		if err := s.kv.Delete(ctx, k); err != nil {
			return fmt.Errorf("delete deployment: %w", err)
		}
	}
	if err := s.kv.Delete(ctx, apiKey(scope.Region, apiID)); err != nil {
		return fmt.Errorf("delete api: %w", err)
	}
	if err := s.kv.Delete(ctx, whereKey(apiID)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("delete api: %w", err)
	}
	return s.unmapApi(ctx, scope, apiID, "")
}

// apiOut is an API as the API returns it, with its endpoint.
func (s *Service) apiOut(rec *apiRecord, apiHost string) *Api {
	a := rec.Api
	a.ApiEndpoint = s.Endpoint(rec.Api.ApiId, rec.Region, apiHost)
	return &a
}

// Endpoint is the base URL of an API in region, for a client of the
// control plane that reached nubo at apiHost.
func (s *Service) Endpoint(apiID, region, apiHost string) string {
	if d := s.opts.PublicDomain; d != "" {
		scheme, host := "https", d
		if i := strings.Index(d, "://"); i >= 0 {
			scheme, host = d[:i], d[i+3:]
		}
		return scheme + "://" + apiID + ".execute-api." + region + "." + strings.TrimSuffix(host, "/")
	}
	port := ""
	if _, p, err := net.SplitHostPort(apiHost); err == nil {
		port = ":" + p
	}
	return "http://" + apiID + ".execute-api." + region + ".localhost" + port
}

// RegionOf is the region of an API, for requests that name only its id
// ("" when there is no such API).
func (s *Service) RegionOf(ctx context.Context, apiID string) (string, error) {
	e, err := s.kv.Get(ctx, whereKey(apiID))
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("find api %s: %w", apiID, err)
	}
	return string(e.Value), nil
}
