package control

import (
	"context"
	"slices"

	"github.com/nubo-dev/nubo/internal/code"
	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// UpdateFunctionCode replaces $LATEST's code package. The function stays
// InProgress until the new package is extracted.
func (s *Service) UpdateFunctionCode(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef, in *lambda.UpdateFunctionCodeInput) (*lambda.FunctionConfiguration, error) {
	if err := lambda.ValidateArchitectures(in.Architectures); err != nil {
		return nil, err
	}
	rec, _, err := s.loadFunction(ctx, scope, ref.Name)
	if err != nil {
		return nil, err
	}
	if err := checkUpdatable(&rec.Latest, in.RevisionId); err != nil {
		return nil, err
	}
	zip, err := functionZip(&in.FunctionCode)
	if err != nil {
		return nil, err
	}
	if in.DryRun {
		pkg, err := code.Inspect(zip)
		if err != nil {
			return nil, err
		}
		cfg := rec.Latest
		cfg.CodeSha256, cfg.CodeSize = pkg.CodeSha256(), pkg.Size
		return &cfg, nil
	}
	pkg, err := s.saveCode(ctx, scope, zip)
	if err != nil {
		return nil, err
	}
	oldSha := rec.Latest.CodeSha256
	rec, err = s.modifyFunction(ctx, scope, ref.Name, func(r *functionRecord) error {
		if err := checkUpdatable(&r.Latest, in.RevisionId); err != nil {
			return err
		}
		r.Latest.CodeSha256, r.Latest.CodeSize = pkg.CodeSha256(), pkg.Size
		if len(in.Architectures) == 1 {
			r.Latest.Architectures = slices.Clone(in.Architectures)
		}
		beginUpdate(r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.activate(scope, ref.Name)
	if oldSha != pkg.CodeSha256() {
		s.collectPackage(ctx, oldSha)
	}
	if in.Publish {
		return s.publish(ctx, scope, ref.Name, publishInput{})
	}
	return &rec.Latest, nil
}

// UpdateFunctionConfiguration changes $LATEST's settings.
func (s *Service) UpdateFunctionConfiguration(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef, in *lambda.UpdateFunctionConfigurationInput) (*lambda.FunctionConfiguration, error) {
	if err := in.FunctionSettings.Validate(); err != nil {
		return nil, err
	}
	if in.Runtime != nil && *in.Runtime == "" || in.Handler != nil && *in.Handler == "" {
		return nil, lambda.Errorf(lambda.ErrInvalidParameterValue, "Runtime and Handler are mandatory parameters for functions created with deployment packages.")
	}
	if err := refuseUnbacked(&in.FunctionSettings); err != nil {
		return nil, err
	}
	if err := s.checkRole(ctx, in.Role); err != nil {
		return nil, err
	}
	rec, err := s.modifyFunction(ctx, scope, ref.Name, func(r *functionRecord) error {
		if err := checkUpdatable(&r.Latest, in.RevisionId); err != nil {
			return err
		}
		applySettings(&r.Latest, &in.FunctionSettings)
		beginUpdate(r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.activate(scope, ref.Name)
	return &rec.Latest, nil
}

// checkUpdatable refuses a change to a function that is still being created
// or updated, or whose revision is not the one the caller saw.
func checkUpdatable(cfg *lambda.FunctionConfiguration, revisionID string) error {
	if revisionID != "" && revisionID != cfg.RevisionId {
		return revisionMismatch()
	}
	if cfg.State == lambda.StatePending {
		return lambda.Errorf(lambda.ErrResourceConflict,
			"The operation cannot be performed at this time. The function is currently in the following state: Pending")
	}
	if cfg.LastUpdateStatus == lambda.UpdateProgress {
		return lambda.Errorf(lambda.ErrResourceConflict,
			"The operation cannot be performed at this time. An update is in progress for resource: %s", cfg.FunctionArn)
	}
	return nil
}

// beginUpdate marks $LATEST changed and InProgress, as AWS reports it until
// the update is done.
func beginUpdate(r *functionRecord) {
	r.Latest.LastModified, r.Latest.RevisionId = now(), newRevision()
	r.Latest.LastUpdateStatus = lambda.UpdateProgress
	r.Latest.LastUpdateStatusReason = "The function is being created."
	r.Latest.LastUpdateStatusReasonCode = "Creating"
	r.Change++
}
