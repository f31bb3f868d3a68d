package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/store"
)

// CreateAliasInput is the body of CreateAlias.
type CreateAliasInput struct {
	Name            string                            `json:"Name"`
	FunctionVersion string                            `json:"FunctionVersion"`
	Description     string                            `json:"Description"`
	RoutingConfig   *lambda.AliasRoutingConfiguration `json:"RoutingConfig"`
}

// UpdateAliasInput is the body of UpdateAlias.
type UpdateAliasInput struct {
	FunctionVersion *string                           `json:"FunctionVersion"`
	Description     *string                           `json:"Description"`
	RoutingConfig   *lambda.AliasRoutingConfiguration `json:"RoutingConfig"`
	RevisionId      string                            `json:"RevisionId"`
}

var (
	aliasNameRE   = regexp.MustCompile(`^[a-zA-Z0-9-_]+$`)
	aliasDigitsRE = regexp.MustCompile(`^[0-9]+$`)
	versionRE     = regexp.MustCompile(`^(\$LATEST|[0-9]+)$`)
)

func validateAliasName(v *lambda.Validator, name string) {
	v.Length("name", name, 1, 128)
	if !aliasNameRE.MatchString(name) || aliasDigitsRE.MatchString(name) {
		v.Fail(name, "name", `Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)`)
	}
}

func validateVersionRef(v *lambda.Validator, version string) {
	v.Length("functionVersion", version, 1, 1024)
	v.Pattern("functionVersion", version, versionRE, `(\$LATEST|[0-9]+)`)
}

// CreateAlias names a version of a function, optionally routing a share of
// its traffic to a second version.
func (s *Service) CreateAlias(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef, in *CreateAliasInput) (*lambda.AliasConfiguration, error) {
	var v lambda.Validator
	validateAliasName(&v, in.Name)
	validateVersionRef(&v, in.FunctionVersion)
	v.Length("description", in.Description, 0, 256)
	if err := v.Err(); err != nil {
		return nil, err
	}
	rec, _, err := s.loadFunction(ctx, scope, ref.Name)
	if err != nil {
		return nil, err
	}
	if _, err := s.versionConfig(ctx, scope, rec, in.FunctionVersion); err != nil {
		return nil, err
	}
	if err := s.validateRouting(ctx, scope, ref.Name, in.FunctionVersion, in.RoutingConfig); err != nil {
		return nil, err
	}
	alias := lambda.AliasConfiguration{
		AliasArn:        scope.QualifiedARN(ref.Name, in.Name),
		Name:            in.Name,
		FunctionVersion: in.FunctionVersion,
		Description:     in.Description,
		RoutingConfig:   normalRouting(in.RoutingConfig),
		RevisionId:      newRevision(),
	}
	data, err := json.Marshal(&alias)
	if err != nil {
		return nil, err
	}
	if _, err := s.kv.Create(ctx, aliasKey(scope, ref.Name, in.Name), data); err != nil {
		if errors.Is(err, store.ErrExists) {
			return nil, lambda.Errorf(lambda.ErrResourceConflict, "Alias already exists: %s", alias.AliasArn)
		}
		return nil, fmt.Errorf("create alias: %w", err)
	}
	return &alias, nil
}

// GetAlias returns one alias.
func (s *Service) GetAlias(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef, name string) (*lambda.AliasConfiguration, error) {
	if _, _, err := s.loadFunction(ctx, scope, ref.Name); err != nil {
		return nil, err
	}
	return s.loadAlias(ctx, scope, ref.Name, name)
}

// UpdateAlias changes an alias's version, description or routing.
func (s *Service) UpdateAlias(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef, name string, in *UpdateAliasInput) (*lambda.AliasConfiguration, error) {
	var v lambda.Validator
	if in.FunctionVersion != nil {
		validateVersionRef(&v, *in.FunctionVersion)
	}
	if in.Description != nil {
		v.Length("description", *in.Description, 0, 256)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	rec, _, err := s.loadFunction(ctx, scope, ref.Name)
	if err != nil {
		return nil, err
	}
	for {
		e, err := s.kv.Get(ctx, aliasKey(scope, ref.Name, name))
		if errors.Is(err, store.ErrNotFound) {
			return nil, aliasNotFound(scope, ref.Name, name)
		}
		if err != nil {
			return nil, err
		}
		var alias lambda.AliasConfiguration
		if err := json.Unmarshal(e.Value, &alias); err != nil {
			return nil, err
		}
		if in.RevisionId != "" && in.RevisionId != alias.RevisionId {
			return nil, revisionMismatch()
		}
		if in.FunctionVersion != nil {
			if _, err := s.versionConfig(ctx, scope, rec, *in.FunctionVersion); err != nil {
				return nil, err
			}
			alias.FunctionVersion = *in.FunctionVersion
		}
		if in.Description != nil {
			alias.Description = *in.Description
		}
		if in.RoutingConfig != nil {
			alias.RoutingConfig = normalRouting(in.RoutingConfig)
		}
		if err := s.validateRouting(ctx, scope, ref.Name, alias.FunctionVersion, alias.RoutingConfig); err != nil {
			return nil, err
		}
		alias.RevisionId = newRevision()
		data, err := json.Marshal(&alias)
		if err != nil {
			return nil, err
		}
		if _, err := s.kv.Update(ctx, aliasKey(scope, ref.Name, name), data, e.Revision); errors.Is(err, store.ErrRevision) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("update alias: %w", err)
		}
		return &alias, nil
	}
}

// DeleteAlias removes an alias.
func (s *Service) DeleteAlias(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef, name string) error {
	if _, err := s.GetAlias(ctx, scope, ref, name); err != nil {
		return err
	}
	if err := s.kv.Delete(ctx, aliasKey(scope, ref.Name, name)); err != nil {
		return fmt.Errorf("delete alias: %w", err)
	}
	if err := s.kv.Delete(ctx, eventInvokeKey(scope, ref.Name, name)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("delete alias: %w", err)
	}
	return s.dropPolicy(ctx, scope, ref.Name, name)
}

// ListAliasesOutput is ListAliases' response.
type ListAliasesOutput struct {
	Aliases    []*lambda.AliasConfiguration `json:"Aliases"`
	NextMarker string                       `json:"NextMarker,omitempty"`
}

// ListAliases lists a function's aliases, optionally only those that point
// to one version.
func (s *Service) ListAliases(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef, version string, page Page) (*ListAliasesOutput, error) {
	if version != "" {
		var v lambda.Validator
		validateVersionRef(&v, version)
		if err := v.Err(); err != nil {
			return nil, err
		}
	}
	if _, _, err := s.loadFunction(ctx, scope, ref.Name); err != nil {
		return nil, err
	}
	all, err := s.aliases(ctx, scope, ref.Name)
	if err != nil {
		return nil, err
	}
	var matching []*lambda.AliasConfiguration
	for _, a := range all {
		if version == "" || a.FunctionVersion == version {
			matching = append(matching, a)
		}
	}
	items, next, err := paginate(matching, page, func(a *lambda.AliasConfiguration) string { return a.Name })
	if err != nil {
		return nil, err
	}
	return &ListAliasesOutput{Aliases: items, NextMarker: next}, nil
}

func (s *Service) aliases(ctx context.Context, scope lambda.Scope, name string) ([]*lambda.AliasConfiguration, error) {
	return loadAll[lambda.AliasConfiguration](ctx, s, store.Key("alias", scope.Region, name))
}

func (s *Service) loadAlias(ctx context.Context, scope lambda.Scope, name, alias string) (*lambda.AliasConfiguration, error) {
	var a lambda.AliasConfiguration
	err := s.getJSON(ctx, aliasKey(scope, name, alias), &a)
	if errors.Is(err, store.ErrNotFound) {
		return nil, aliasNotFound(scope, name, alias)
	}
	if err != nil {
		return nil, fmt.Errorf("load alias %s:%s: %w", name, alias, err)
	}
	return &a, nil
}

func aliasNotFound(scope lambda.Scope, name, alias string) error {
	return lambda.Errorf(lambda.ErrResourceNotFound, "Cannot find alias arn: %s", scope.QualifiedARN(name, alias))
}

// validateRouting applies AWS's rules for AdditionalVersionWeights: at most
// one extra version, a weight in [0, 1), a published version other than the
// alias's own, and never with $LATEST.
func (s *Service) validateRouting(ctx context.Context, scope lambda.Scope, name, primary string, rc *lambda.AliasRoutingConfiguration) error {
	if rc == nil || len(rc.AdditionalVersionWeights) == 0 {
		return nil
	}
	if len(rc.AdditionalVersionWeights) > 1 {
		return lambda.Errorf(lambda.ErrInvalidParameterValue, "Number of items in AdditionalVersionWeights cannot be greater than 1")
	}
	for version, weight := range rc.AdditionalVersionWeights {
		if weight < 0 || weight >= 1 {
			return lambda.Errorf(lambda.ErrValidation,
				"1 validation error detected: Value '{%s=%v}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]",
				version, weight)
		}
		if version == primary {
			return lambda.Errorf(lambda.ErrInvalidParameterValue,
				"Invalid function version %s. Function version %s is already included in routing configuration.", primary, primary)
		}
		if primary == lambda.Latest {
			return lambda.Errorf(lambda.ErrInvalidParameterValue, "$LATEST is not supported for an alias pointing to more than 1 version")
		}
		if !aliasDigitsRE.MatchString(version) {
			return lambda.Errorf(lambda.ErrValidation,
				"1 validation error detected: Value '{%s=%v}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+, Member must not be null]",
				version, weight)
		}
		if _, err := s.loadVersion(ctx, scope, name, version); err != nil {
			return err
		}
	}
	return nil
}

// normalRouting stores an empty routing configuration as none.
func normalRouting(rc *lambda.AliasRoutingConfiguration) *lambda.AliasRoutingConfiguration {
	if rc == nil || len(rc.AdditionalVersionWeights) == 0 {
		return nil
	}
	return rc
}

func routingWeights(a *lambda.AliasConfiguration) map[string]float64 {
	if a.RoutingConfig == nil {
		return nil
	}
	return a.RoutingConfig.AdditionalVersionWeights
}
