package apigateway

import (
	"context"
	"errors"
	"strings"
)

// View is one deployed stage of an API as the gateway serves it: its
// routes in matching order with their integrations, its authorizers, CORS
// and settings. Views are shared: callers must not modify them.
type View struct {
	Region string
	Api    *Api
	Stage  *Stage
	Cors   *Cors
	// Authorizers are the deployment's, by id.
	Authorizers map[string]*Authorizer
	routes      []*compiledRoute
}

type compiledRoute struct {
	key         *RouteKey
	route       *Route
	integration *Integration
	function    *Function
}

// Function is the function an AWS_PROXY integration invokes.
type Function struct {
	Region, Name, Qualifier string
}

// functionOf parses an AWS_PROXY integration's function ARN, validated
// when the integration was stored.
func functionOf(integ *Integration) *Function {
	arn, ok := FunctionOf(integ.IntegrationUri)
	if !ok {
		return nil
	}
	// arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
	parts := strings.Split(arn, ":")
	f := &Function{Region: parts[3], Name: parts[6]}
	if len(parts) > 7 {
		f.Qualifier = parts[7]
	}
	return f
}

// Match is the route a request matched.
type Match struct {
	Route       *Route
	Integration *Integration
	// Function is the AWS_PROXY integration's function, nil for others.
	Function *Function
	// Resource is the route's path template, "$default" for the default
	// route.
	Resource string
	// Params are the path parameters, decoded.
	Params map[string]string
}

// Match finds the route of a request by AWS's precedence: the most
// specific path (literal segments before variables before greedy ones),
// then a method before ANY, then $default. ok is false when no route
// matches.
func (v *View) Match(method, escapedPath string) (*Match, bool) {
	parts := splitPath(escapedPath)
	for _, r := range v.routes {
		params, ok := r.key.match(method, parts)
		if !ok {
			continue
		}
		m := &Match{Route: r.route, Integration: r.integration, Function: r.function, Params: params, Resource: r.key.Path}
		if r.key.Key == defaultRoute {
			m.Resource = defaultRoute
		}
		return m, true
	}
	return nil, false
}

// Limits are the throttling limits of a route on the stage: its own
// settings' or, where those are silent, the stage's defaults (nil for no
// limit).
func (v *View) Limits(routeKey string) (burst *int, rate *float64) {
	for _, rs := range []*RouteSettings{v.Stage.RouteSettings[routeKey], v.Stage.DefaultRouteSettings} {
		if rs == nil {
			continue
		}
		if burst == nil {
			burst = rs.ThrottlingBurstLimit
		}
		if rate == nil {
			rate = rs.ThrottlingRateLimit
		}
	}
	return burst, rate
}

// apiViews are the views of one API's deployed stages.
type apiViews struct {
	api    *Api
	stages map[string]*View
}

// StageOf finds the stage a request to an API's own endpoint reaches: the
// one its path's first segment names, else $default; rest is the path
// the stage's routes see (the stage's segment taken off). A nil View
// means no deployed stage serves the path.
func (s *Service) StageOf(ctx context.Context, region, apiID, path string) (v *View, rest string, err error) {
	av, err := s.views(ctx, region, apiID)
	if err != nil || av == nil {
		return nil, "", err
	}
	first, tail, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if first != "" && first != defaultStage {
		if v := av.stages[unescape(first)]; v != nil {
			return v, "/" + tail, nil
		}
	}
	return av.stages[defaultStage], path, nil
}

// View returns a deployed stage of an API, or nil.
func (s *Service) View(ctx context.Context, region, apiID, stage string) (*View, error) {
	av, err := s.views(ctx, region, apiID)
	if err != nil || av == nil {
		return nil, err
	}
	return av.stages[stage], nil
}

// views returns an API's stages through the cache (nil for an API that
// does not exist; absences are not cached).
func (s *Service) views(ctx context.Context, region, apiID string) (*apiViews, error) {
	av, err := s.cache.Get(region+"/"+apiID, func() (*apiViews, error) { return s.compileViews(ctx, region, apiID) })
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return av, err
}

// compileViews reads an API and the snapshots its deployed stages serve.
func (s *Service) compileViews(ctx context.Context, region, apiID string) (*apiViews, error) {
	rec, _, err := s.load(ctx, Scope{Region: region}, apiID)
	if err != nil {
		return nil, err
	}
	av := &apiViews{api: &rec.Api, stages: map[string]*View{}}
	for name, st := range rec.Stages {
		snap := rec.snapshot()
		if !st.AutoDeploy {
			if st.DeploymentId == "" {
				continue // not deployed
			}
			if snap, err = s.loadSnapshot(ctx, region, apiID, st.DeploymentId); err != nil {
				return nil, err
			} else if snap == nil {
				continue
			}
		}
		av.stages[name] = compile(region, &rec.Api, st, snap)
	}
	return av, nil
}

func compile(region string, api *Api, st *Stage, snap *snapshot) *View {
	v := &View{Region: region, Api: api, Stage: st, Cors: snap.Cors, Authorizers: snap.Authorizers}
	for _, r := range snap.Routes {
		key, err := ParseRouteKey(r.RouteKey)
		if err != nil {
			continue // validated when stored
		}
		cr := &compiledRoute{key: key, route: r}
		if id, ok := strings.CutPrefix(r.Target, targetPrefix); ok {
			cr.integration = snap.Integrations[id]
		}
		if cr.integration != nil && cr.integration.IntegrationType == typeAWSProxy {
			cr.function = functionOf(cr.integration)
		}
		v.routes = append(v.routes, cr)
	}
	sortRoutes(v.routes)
	return v
}
