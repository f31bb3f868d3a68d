package apigateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nubo-dev/nubo/internal/store"
)

// DeploymentInput is the body of CreateDeployment and UpdateDeployment.
type DeploymentInput struct {
	Description *string `json:"description,omitempty"`
	StageName   *string `json:"stageName,omitempty"`
}

const deployed = "DEPLOYED"

// autoDeploy gives every automatically deployed stage a new deployment
// after a change of the API's routes, integrations, authorizers or CORS.
// Such stages serve the API as it is; their deployments need no snapshot
// until the stage stops deploying automatically.
func (rec *apiRecord) autoDeploy(now string) {
	for _, st := range rec.Stages {
		if !st.AutoDeploy {
			continue
		}
		d := &Deployment{AutoDeployed: true, CreatedDate: now, DeploymentId: newID(6), DeploymentStatus: deployed}
		d.DeploymentStatusMessage = "Successfully deployed stage with deployment ID '" + d.DeploymentId + "'"
		if rec.Deployments == nil {
			rec.Deployments = map[string]*Deployment{}
		}
		rec.Deployments[d.DeploymentId] = d
		st.DeploymentId, st.LastDeploymentStatusMessage, st.LastUpdatedDate = d.DeploymentId, d.DeploymentStatusMessage, now
	}
	rec.pruneAutoDeployments()
}

// pruneAutoDeployments forgets the automatic deployments no stage serves.
func (rec *apiRecord) pruneAutoDeployments() {
	used := map[string]bool{}
	for _, st := range rec.Stages {
		used[st.DeploymentId] = true
	}
	for id, d := range rec.Deployments {
		if d.AutoDeployed && !used[id] {
			delete(rec.Deployments, id)
		}
	}
}

// storeSnapshot freezes the API's current routes, integrations,
// authorizers and CORS as deployment id.
func (s *Service) storeSnapshot(ctx context.Context, rec *apiRecord, id string) error {
	data, err := json.Marshal(rec.snapshot())
	if err != nil {
		return err
	}
	if _, err := s.kv.Put(ctx, deploymentKey(rec.Region, rec.Api.ApiId, id), data); err != nil {
		return fmt.Errorf("store deployment %s: %w", id, err)
	}
	return nil
}

// loadSnapshot reads what deployment id froze (nil when it froze nothing).
func (s *Service) loadSnapshot(ctx context.Context, region, apiID, id string) (*snapshot, error) {
	e, err := s.kv.Get(ctx, deploymentKey(region, apiID, id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load deployment %s: %w", id, err)
	}
	var snap snapshot
	if err := json.Unmarshal(e.Value, &snap); err != nil {
		return nil, fmt.Errorf("decode deployment %s: %w", id, err)
	}
	return &snap, nil
}

// CreateDeployment freezes the API as it is and, with a stage name,
// deploys it to that stage.
func (s *Service) CreateDeployment(ctx context.Context, scope Scope, apiID string, in *DeploymentInput) (*Deployment, error) {
	d := &Deployment{DeploymentId: newID(6), DeploymentStatus: deployed, CreatedDate: s.now()}
	set(&d.Description, in.Description)
	_, err := s.modify(ctx, scope, apiID, func(rec *apiRecord) error {
		if in.StageName != nil {
			st := rec.Stages[*in.StageName]
			switch {
			case st == nil:
				return badRequest("Invalid stage identifier specified")
			case st.AutoDeploy:
				return badRequest("Deployments can't be created for stages that are deployed automatically")
			}
			st.DeploymentId, st.LastUpdatedDate = d.DeploymentId, d.CreatedDate
		}
		if err := s.storeSnapshot(ctx, rec, d.DeploymentId); err != nil {
			return err
		}
		if rec.Deployments == nil {
			rec.Deployments = map[string]*Deployment{}
		}
		rec.Deployments[d.DeploymentId] = d
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// GetDeployment returns a deployment.
func (s *Service) GetDeployment(ctx context.Context, scope Scope, apiID, id string) (*Deployment, error) {
	rec, _, err := s.load(ctx, scope, apiID)
	if err != nil {
		return nil, err
	}
	d := rec.Deployments[id]
	if d == nil {
		return nil, notFound("Invalid Deployment identifier specified %s", id)
	}
	return d, nil
}

// GetDeployments lists an API's deployments.
func (s *Service) GetDeployments(ctx context.Context, scope Scope, apiID string, p Page) (*List[Deployment], error) {
	rec, _, err := s.load(ctx, scope, apiID)
	if err != nil {
		return nil, err
	}
	return page(values(rec.Deployments), p, func(d *Deployment) string { return d.CreatedDate + d.DeploymentId })
}

// UpdateDeployment changes a deployment's description.
func (s *Service) UpdateDeployment(ctx context.Context, scope Scope, apiID, id string, in *DeploymentInput) (*Deployment, error) {
	var out Deployment
	_, err := s.modify(ctx, scope, apiID, func(rec *apiRecord) error {
		d := rec.Deployments[id]
		if d == nil {
			return notFound("Invalid Deployment identifier specified %s", id)
		}
		set(&d.Description, in.Description)
		out = *d
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteDeployment deletes a deployment no stage serves.
func (s *Service) DeleteDeployment(ctx context.Context, scope Scope, apiID, id string) error {
	_, err := s.modify(ctx, scope, apiID, func(rec *apiRecord) error {
		if rec.Deployments[id] == nil {
			return notFound("Invalid Deployment identifier specified %s", id)
		}
		for _, st := range rec.Stages {
			if st.DeploymentId == id {
				return badRequest("Active stages pointing to this deployment must be moved or deleted")
			}
		}
		delete(rec.Deployments, id)
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.kv.Delete(ctx, deploymentKey(scope.Region, apiID, id)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("delete deployment %s: %w", id, err)
	}
	return nil
}
