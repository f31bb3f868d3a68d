package apigateway

import (
	"context"
	"regexp"

	"github.com/nubo-dev/nubo/internal/awserr"
)

// StageInput is the body of CreateStage and UpdateStage: members present
// are set.
type StageInput struct {
	AccessLogSettings    *AccessLogSettings        `json:"accessLogSettings,omitempty"`
	AutoDeploy           *bool                     `json:"autoDeploy,omitempty"`
	ClientCertificateId  *string                   `json:"clientCertificateId,omitempty"`
	DefaultRouteSettings *RouteSettings            `json:"defaultRouteSettings,omitempty"`
	DeploymentId         *string                   `json:"deploymentId,omitempty"`
	Description          *string                   `json:"description,omitempty"`
	RouteSettings        map[string]*RouteSettings `json:"routeSettings,omitempty"`
	StageName            *string                   `json:"stageName,omitempty"`
	StageVariables       map[string]string         `json:"stageVariables,omitempty"`
	Tags                 map[string]string         `json:"tags,omitempty"`
}

var (
	stageNameRE = regexp.MustCompile(`^(\$default|[a-zA-Z0-9_-]{1,128})$`)
	logGroupRE  = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:logs:[a-z0-9-]+:\d{12}:log-group:[\.\-_/#A-Za-z0-9]+(:\*)?$`)
)

func (in *StageInput) apply(rec *apiRecord, st *Stage) error {
	if in.ClientCertificateId != nil {
		return badRequest("Client certificates are supported only for REST and WebSocket APIs")
	}
	set(&st.AutoDeploy, in.AutoDeploy)
	set(&st.DeploymentId, in.DeploymentId)
	set(&st.Description, in.Description)
	if in.AccessLogSettings != nil {
		st.AccessLogSettings = in.AccessLogSettings
	}
	if in.DefaultRouteSettings != nil {
		st.DefaultRouteSettings = in.DefaultRouteSettings
	}
	if in.RouteSettings != nil {
		st.RouteSettings = in.RouteSettings
	}
	if in.StageVariables != nil {
		st.StageVariables = in.StageVariables
	}
	if st.AutoDeploy && in.DeploymentId != nil {
		return badRequest("A deployment can't be specified for a stage that is deployed automatically")
	}
	if st.DeploymentId != "" && !st.AutoDeploy && rec.Deployments[st.DeploymentId] == nil {
		return badRequest("Invalid deployment identifier specified %s", st.DeploymentId)
	}
	if a := st.AccessLogSettings; a != nil && (a.DestinationArn != "" || a.Format != "") {
		if !logGroupRE.MatchString(a.DestinationArn) || a.Format == "" {
			return badRequest("Access log settings need the ARN of a CloudWatch Logs log group and a format")
		}
	}
	for key, rs := range st.RouteSettings {
		if _, err := ParseRouteKey(key); err != nil {
			return err
		}
		if err := validateRouteSettings(rs); err != nil {
			return err
		}
	}
	return validateRouteSettings(st.DefaultRouteSettings)
}

func validateRouteSettings(rs *RouteSettings) error {
	switch {
	case rs == nil:
		return nil
	case rs.LoggingLevel != "" || rs.DataTraceEnabled != nil && *rs.DataTraceEnabled:
		return badRequest("Execution logs are supported only for WebSocket APIs")
	case rs.DetailedMetricsEnabled != nil && *rs.DetailedMetricsEnabled:
		return badRequest("nubo does not record per-route (detailed) metrics yet")
	case rs.ThrottlingBurstLimit != nil && *rs.ThrottlingBurstLimit < 0, rs.ThrottlingRateLimit != nil && *rs.ThrottlingRateLimit < 0:
		return badRequest("Throttling limits must not be negative")
	}
	return nil
}

// CreateStage adds a stage.
func (s *Service) CreateStage(ctx context.Context, scope Scope, apiID string, in *StageInput) (*Stage, error) {
	if in.StageName == nil || !stageNameRE.MatchString(*in.StageName) {
		return nil, badRequest("Invalid stage name specified: a stage is $default or up to 128 letters, digits, hyphens and underscores")
	}
	var out Stage
	_, err := s.modify(ctx, scope, apiID, func(rec *apiRecord) error {
		if rec.Stages[*in.StageName] != nil {
			return awserr.New(ErrConflict, "Stage already exists")
		}
		now := s.now()
		st := &Stage{StageName: *in.StageName, CreatedDate: now, LastUpdatedDate: now, Tags: in.Tags}
		if err := in.apply(rec, st); err != nil {
			return err
		}
		if rec.Stages == nil {
			rec.Stages = map[string]*Stage{}
		}
		rec.Stages[st.StageName] = st
		rec.autoDeploy(now)
		out = *st
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// GetStage returns a stage.
func (s *Service) GetStage(ctx context.Context, scope Scope, apiID, name string) (*Stage, error) {
	rec, _, err := s.load(ctx, scope, apiID)
	if err != nil {
		return nil, err
	}
	st := rec.Stages[name]
	if st == nil {
		return nil, notFound("Invalid stage identifier specified")
	}
	return st, nil
}

// GetStages lists an API's stages.
func (s *Service) GetStages(ctx context.Context, scope Scope, apiID string, p Page) (*List[Stage], error) {
	rec, _, err := s.load(ctx, scope, apiID)
	if err != nil {
		return nil, err
	}
	return page(values(rec.Stages), p, func(st *Stage) string { return st.StageName })
}

// UpdateStage changes a stage. A stage that stops deploying automatically
// keeps serving what it served: its last automatic deployment is frozen.
func (s *Service) UpdateStage(ctx context.Context, scope Scope, apiID, name string, in *StageInput) (*Stage, error) {
	var out Stage
	_, err := s.modify(ctx, scope, apiID, func(rec *apiRecord) error {
		st := rec.Stages[name]
		if st == nil {
			return notFound("Invalid stage identifier specified")
		}
		c := *st
		wasAuto := c.AutoDeploy
		if err := in.apply(rec, &c); err != nil {
			return err
		}
		c.LastUpdatedDate = s.now()
		rec.Stages[name] = &c
		switch {
		case wasAuto && !c.AutoDeploy && c.DeploymentId != "":
			if err := s.storeSnapshot(ctx, rec, c.DeploymentId); err != nil {
				return err
			}
		case c.AutoDeploy && !wasAuto:
			rec.autoDeploy(c.LastUpdatedDate)
		}
		out = *rec.Stages[name]
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteStage deletes a stage and the API mappings to it.
func (s *Service) DeleteStage(ctx context.Context, scope Scope, apiID, name string) error {
	_, err := s.modify(ctx, scope, apiID, func(rec *apiRecord) error {
		if rec.Stages[name] == nil {
			return notFound("Invalid stage identifier specified")
		}
		delete(rec.Stages, name)
		rec.pruneAutoDeployments()
		return nil
	})
	if err != nil {
		return err
	}
	return s.unmapApi(ctx, scope, apiID, name)
}

// DeleteAccessLogSettings stops a stage's access logs.
func (s *Service) DeleteAccessLogSettings(ctx context.Context, scope Scope, apiID, name string) error {
	_, err := s.modify(ctx, scope, apiID, func(rec *apiRecord) error {
		st := rec.Stages[name]
		if st == nil {
			return notFound("Invalid stage identifier specified")
		}
		st.AccessLogSettings = nil
		return nil
	})
	return err
}

// DeleteRouteSettings removes a route's settings from a stage.
func (s *Service) DeleteRouteSettings(ctx context.Context, scope Scope, apiID, name, routeKey string) error {
	_, err := s.modify(ctx, scope, apiID, func(rec *apiRecord) error {
		st := rec.Stages[name]
		if st == nil {
			return notFound("Invalid stage identifier specified")
		}
		if st.RouteSettings[routeKey] == nil {
			return notFound("Invalid route settings specified for route key %s", routeKey)
		}
		delete(st.RouteSettings, routeKey)
		return nil
	})
	return err
}

// ResetAuthorizersCache empties a stage's cache of authorizer results.
func (s *Service) ResetAuthorizersCache(ctx context.Context, scope Scope, apiID, name string) error {
	if _, err := s.GetStage(ctx, scope, apiID, name); err != nil {
		return err
	}
	s.mu.Lock()
	reset := s.onReset
	s.mu.Unlock()
	if reset != nil {
		reset(scope.Region, apiID, name)
	}
	return nil
}

// OnAuthorizersReset sets what ResetAuthorizersCache calls: the gateway's
// cache of authorizer results.
func (s *Service) OnAuthorizersReset(fn func(region, apiID, stage string)) {
	s.mu.Lock()
	s.onReset = fn
	s.mu.Unlock()
}
