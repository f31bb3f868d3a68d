package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/store"
)

// CreateFunction validates the request, stores the code package and the new
// function (Pending), and queues its activation.
func (s *Service) CreateFunction(ctx context.Context, scope lambda.Scope, in *lambda.CreateFunctionInput) (*lambda.FunctionConfiguration, error) {
	ref, err := lambda.ValidateNewFunctionName(in.FunctionName)
	if err != nil {
		return nil, err
	}
	if ref.Region != "" && ref.Region != scope.Region {
		return nil, lambda.Errorf(lambda.ErrResourceNotFound, "Functions from '%s' are not reachable in this region ('%s')", ref.Region, scope.Region)
	}
	if err := validateCreate(in); err != nil {
		return nil, err
	}
	if err := s.checkRole(ctx, in.Role); err != nil {
		return nil, err
	}
	zip, err := functionZip(in.Code)
	if err != nil {
		return nil, err
	}
	pkg, err := s.saveCode(ctx, scope, zip)
	if err != nil {
		return nil, err
	}
	cfg := newConfig(scope, ref.Name, in)
	cfg.CodeSha256, cfg.CodeSize = pkg.CodeSha256(), pkg.Size
	cfg.LastModified, cfg.RevisionId = now(), newRevision()
	cfg.State, cfg.StateReason, cfg.StateReasonCode = lambda.StatePending, "The function is being created.", "Creating"
	rec := functionRecord{Latest: cfg, Tags: in.Tags, Change: 1}
	data, err := json.Marshal(&rec)
	if err != nil {
		return nil, err
	}
	if _, err := s.kv.Create(ctx, functionKey(scope, ref.Name), data); err != nil {
		if errors.Is(err, store.ErrExists) {
			return nil, lambda.Errorf(lambda.ErrResourceConflict, "Function already exist: %s", ref.Name)
		}
		return nil, fmt.Errorf("create function %s: %w", ref.Name, err)
	}
	s.activate(scope, ref.Name)
	if in.Publish {
		v, err := s.publish(ctx, scope, ref.Name, publishInput{})
		if err != nil {
			return nil, err
		}
		v.FunctionArn = cfg.FunctionArn
		return v, nil
	}
	return &cfg, nil
}

func validateCreate(in *lambda.CreateFunctionInput) error {
	var v lambda.Validator
	if in.Role == nil {
		v.Fail(nil, "role", "Member must not be null")
	}
	if in.Code == nil {
		v.Fail(nil, "code", "Member must not be null")
	}
	if in.PackageType != "" {
		v.Enum("packageType", in.PackageType, "Zip", "Image")
	}
	validateTags(&v, in.Tags)
	if err := v.Err(); err != nil {
		return err
	}
	if len(in.Tags) > maxTags {
		return lambda.Errorf(lambda.ErrInvalidParameterValue, "Number of tags exceeds resource tag limit.")
	}
	if err := in.FunctionSettings.Validate(); err != nil {
		return err
	}
	if err := lambda.ValidateArchitectures(in.Architectures); err != nil {
		return err
	}
	if in.PackageType == "Image" {
		return lambda.Errorf(lambda.ErrInvalidParameterValue, "nubo runs .zip deployment packages only; PackageType Image is not supported.")
	}
	if in.Runtime == nil || *in.Runtime == "" || in.Handler == nil || *in.Handler == "" {
		return lambda.Errorf(lambda.ErrInvalidParameterValue, "Runtime and Handler are mandatory parameters for functions created with deployment packages.")
	}
	return refuseUnbacked(&in.FunctionSettings)
}

// refuseUnbacked refuses the settings nubo has nothing behind rather than
// store them to no effect: layers (there is no layer store yet, so no layer
// version exists) and file systems (there is no EFS; an empty list, which
// removes them, is fine).
func refuseUnbacked(s *lambda.FunctionSettings) error {
	if len(s.Layers) > 0 {
		return lambda.Errorf(lambda.ErrInvalidParameterValue, "Layer version %s does not exist.", s.Layers[0])
	}
	if len(s.FileSystemConfigs) > 0 {
		return lambda.Errorf(lambda.ErrInvalidParameterValue, "nubo has no file systems: FileSystemConfigs (Amazon EFS) are not supported.")
	}
	return nil
}

// functionZip returns the package bytes of a Code member.
func functionZip(c *lambda.FunctionCode) ([]byte, error) {
	switch {
	case len(c.ZipFile) > 0:
		return c.ZipFile, nil
	case c.ImageUri != "":
		return nil, lambda.Errorf(lambda.ErrInvalidParameterValue, "Please don't provide ImageUri when updating a function with packageType Zip.")
	case c.S3Bucket != "":
		return nil, lambda.Errorf(lambda.ErrInvalidParameterValue,
			"Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist")
	}
	return nil, lambda.Errorf(lambda.ErrInvalidParameterValue, "Please provide a source for function code.")
}

// GetFunctionOutput is GetFunction's response.
type GetFunctionOutput struct {
	Configuration *lambda.FunctionConfiguration `json:"Configuration"`
	Code          *lambda.FunctionCodeLocation  `json:"Code,omitempty"`
	Tags          map[string]string             `json:"Tags,omitempty"`
	Concurrency   *lambda.Concurrency           `json:"Concurrency,omitempty"`
}

// GetFunction returns a version's configuration, tags and concurrency. The
// caller fills in Code.Location, which depends on how nubo was reached.
func (s *Service) GetFunction(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef) (*GetFunctionOutput, error) {
	rec, _, err := s.loadFunction(ctx, scope, ref.Name)
	if err != nil {
		return nil, qualifiedNotFound(err, scope, ref)
	}
	cfg, err := s.configuration(ctx, scope, rec, ref)
	if err != nil {
		return nil, err
	}
	out := &GetFunctionOutput{Configuration: cfg, Code: &lambda.FunctionCodeLocation{RepositoryType: "S3"}}
	if len(rec.Tags) > 0 {
		out.Tags = rec.Tags
	}
	if rec.Reserved != nil {
		out.Concurrency = &lambda.Concurrency{ReservedConcurrentExecutions: rec.Reserved}
	}
	return out, nil
}

// GetFunctionConfiguration returns the configuration of $LATEST, a version
// or the version an alias points to.
func (s *Service) GetFunctionConfiguration(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef) (*lambda.FunctionConfiguration, error) {
	rec, _, err := s.loadFunction(ctx, scope, ref.Name)
	if err != nil {
		return nil, qualifiedNotFound(err, scope, ref)
	}
	return s.configuration(ctx, scope, rec, ref)
}

// configuration resolves ref's qualifier within a loaded function. An alias
// shows its version's configuration under the alias ARN.
func (s *Service) configuration(ctx context.Context, scope lambda.Scope, rec *functionRecord, ref lambda.FunctionRef) (*lambda.FunctionConfiguration, error) {
	switch {
	case ref.Qualifier == "":
		cfg := rec.Latest
		return &cfg, nil
	case ref.Qualifier == lambda.Latest:
		cfg := rec.Latest
		cfg.FunctionArn = scope.QualifiedARN(ref.Name, lambda.Latest)
		return &cfg, nil
	case lambda.IsVersion(ref.Qualifier):
		return s.loadVersion(ctx, scope, ref.Name, ref.Qualifier)
	}
	alias, err := s.loadAlias(ctx, scope, ref.Name, ref.Qualifier)
	if err != nil {
		return nil, lambda.FunctionNotFound(scope.QualifiedARN(ref.Name, ref.Qualifier))
	}
	cfg, err := s.versionConfig(ctx, scope, rec, alias.FunctionVersion)
	if err != nil {
		return nil, err
	}
	cfg.FunctionArn = alias.AliasArn
	return cfg, nil
}

// versionConfig returns $LATEST or a published version by name.
func (s *Service) versionConfig(ctx context.Context, scope lambda.Scope, rec *functionRecord, version string) (*lambda.FunctionConfiguration, error) {
	if version == lambda.Latest {
		cfg := rec.Latest
		cfg.FunctionArn = scope.QualifiedARN(cfg.FunctionName, lambda.Latest)
		return &cfg, nil
	}
	return s.loadVersion(ctx, scope, rec.Latest.FunctionName, version)
}

func (s *Service) loadVersion(ctx context.Context, scope lambda.Scope, name, version string) (*lambda.FunctionConfiguration, error) {
	var cfg lambda.FunctionConfiguration
	err := s.getJSON(ctx, versionKey(scope, name, version), &cfg)
	if errors.Is(err, store.ErrNotFound) {
		return nil, lambda.FunctionNotFound(scope.QualifiedARN(name, version))
	}
	if err != nil {
		return nil, fmt.Errorf("load version %s:%s: %w", name, version, err)
	}
	return &cfg, nil
}

// qualifiedNotFound rewrites a missing-function error to name the ARN the
// caller asked for, qualifier included.
func qualifiedNotFound(err error, scope lambda.Scope, ref lambda.FunctionRef) error {
	if errors.Is(err, lambda.ErrResourceNotFound) {
		return lambda.FunctionNotFound(scope.QualifiedARN(ref.Name, ref.Qualifier))
	}
	return err
}

// ListFunctionsOutput is ListFunctions' response.
type ListFunctionsOutput struct {
	Functions  []*lambda.FunctionConfiguration `json:"Functions"`
	NextMarker string                          `json:"NextMarker,omitempty"`
}

// ListFunctions lists $LATEST of every function in the region, or with
// allVersions every published version too, sorted and paged.
func (s *Service) ListFunctions(ctx context.Context, scope lambda.Scope, allVersions bool, page Page) (*ListFunctionsOutput, error) {
	if !allVersions {
		return s.listLatest(ctx, scope, page)
	}
	recs, err := s.allFunctions(ctx, scope)
	if err != nil {
		return nil, err
	}
	var all []*lambda.FunctionConfiguration
	for _, rec := range recs {
		cfg := rec.Latest
		cfg.FunctionArn = scope.QualifiedARN(cfg.FunctionName, lambda.Latest)
		all = append(all, &cfg)
		versions, err := s.versions(ctx, scope, cfg.FunctionName)
		if err != nil {
			return nil, err
		}
		all = append(all, versions...)
	}
	items, next, err := paginate(all, page, func(c *lambda.FunctionConfiguration) string { return listingKey(c.FunctionName, c.Version) })
	if err != nil {
		return nil, err
	}
	for _, c := range items {
		hideStatus(c)
	}
	return &ListFunctionsOutput{Functions: items, NextMarker: next}, nil
}

// listingKey orders ListFunctions' items; its markers name the last one.
func listingKey(name, version string) string { return name + "\x00" + versionOrder(version) }

// listLatest pages through the functions' names and reads only the page's
// records, so that a page costs the same with 10 functions or 10,000.
func (s *Service) listLatest(ctx context.Context, scope lambda.Scope, page Page) (*ListFunctionsOutput, error) {
	keys, err := s.kv.Keys(ctx, store.Key("fn", scope.Region))
	if err != nil {
		return nil, fmt.Errorf("list functions: %w", err)
	}
	names := make([]string, 0, len(keys))
	for _, k := range keys {
		if t := store.SplitKey(k); len(t) == 3 {
			names = append(names, t[2])
		}
	}
	for {
		shown, next, err := paginate(names, page, func(name string) string { return listingKey(name, lambda.Latest) })
		if err != nil {
			return nil, err
		}
		out := &ListFunctionsOutput{Functions: []*lambda.FunctionConfiguration{}, NextMarker: next}
		gone := false
		for _, name := range shown {
			var rec functionRecord
			if err := s.getJSON(ctx, functionKey(scope, name), &rec); errors.Is(err, store.ErrNotFound) {
				names, gone = slices.DeleteFunc(names, func(n string) bool { return n == name }), true
				break // deleted while listing: page again without it
			} else if err != nil {
				return nil, err
			}
			cfg := rec.Latest
			hideStatus(&cfg)
			out.Functions = append(out.Functions, &cfg)
		}
		if !gone {
			return out, nil
		}
	}
}

// hideStatus drops the fields ListFunctions and ListVersionsByFunction do
// not return (AWS: "use GetFunction" for them).
func hideStatus(c *lambda.FunctionConfiguration) {
	c.State, c.StateReason, c.StateReasonCode = "", "", ""
	c.LastUpdateStatus, c.LastUpdateStatusReason, c.LastUpdateStatusReasonCode = "", "", ""
}

// allFunctions loads every function record of the region, sorted by name.
func (s *Service) allFunctions(ctx context.Context, scope lambda.Scope) ([]*functionRecord, error) {
	keys, err := s.kv.Keys(ctx, store.Key("fn", scope.Region))
	if err != nil {
		return nil, fmt.Errorf("list functions: %w", err)
	}
	var recs []*functionRecord
	for _, k := range keys {
		var rec functionRecord
		if err := s.getJSON(ctx, k, &rec); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				continue // deleted while listing
			}
			return nil, err
		}
		recs = append(recs, &rec)
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].Latest.FunctionName < recs[j].Latest.FunctionName })
	return recs, nil
}

// DeleteFunction deletes a whole function (versions, aliases, code) or,
// with a version qualifier, one published version.
func (s *Service) DeleteFunction(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef) error {
	switch {
	case ref.Qualifier == lambda.Latest:
		return lambda.Errorf(lambda.ErrInvalidParameterValue, "$LATEST version cannot be deleted without deleting the function.")
	case ref.Qualifier != "" && !lambda.IsVersion(ref.Qualifier):
		return lambda.Errorf(lambda.ErrInvalidParameterValue, "Deletion of aliases is not supported by DeleteFunction; use DeleteAlias.")
	case ref.Qualifier != "":
		return s.deleteVersion(ctx, scope, ref.Name, ref.Qualifier)
	}
	rec, _, err := s.loadFunction(ctx, scope, ref.Name)
	if err != nil {
		return err
	}
	shas := map[string]bool{rec.Latest.CodeSha256: true}
	for _, prefix := range []string{"ver", "alias", "eic"} {
		keys, err := s.kv.Keys(ctx, store.Key(prefix, scope.Region, ref.Name))
		if err != nil {
			return err
		}
		for _, k := range keys {
			if prefix == "ver" {
				var v lambda.FunctionConfiguration
				if s.getJSON(ctx, k, &v) == nil {
					shas[v.CodeSha256] = true
				}
			}
			if err := s.kv.Delete(ctx, k); err != nil {
				return fmt.Errorf("delete %s: %w", k, err)
			}
		}
	}
	del := func() error { return s.kv.Delete(ctx, functionKey(scope, ref.Name)) }
	if rec.Reserved != nil {
		err = s.cache.reserved.Write(del)
	} else {
		err = del()
	}
	if err != nil {
		return fmt.Errorf("delete function %s: %w", ref.Name, err)
	}
	s.removed(scope, ref.Name, "")
	for sha := range shas {
		s.collectPackage(ctx, sha)
	}
	return nil
}

func (s *Service) deleteVersion(ctx context.Context, scope lambda.Scope, name, version string) error {
	if _, _, err := s.loadFunction(ctx, scope, name); err != nil {
		return err
	}
	cfg, err := s.loadVersion(ctx, scope, name, version)
	if err != nil {
		return err
	}
	aliases, err := s.aliases(ctx, scope, name)
	if err != nil {
		return err
	}
	var users []string
	for _, a := range aliases {
		if _, weighted := routingWeights(a)[version]; a.FunctionVersion == version || weighted {
			users = append(users, a.Name)
		}
	}
	if len(users) > 0 {
		return lambda.Errorf(lambda.ErrResourceConflict,
			"Unable to delete version because the following aliases reference it: [%s]", strings.Join(users, ", "))
	}
	if err := s.kv.Delete(ctx, versionKey(scope, name, version)); err != nil {
		return fmt.Errorf("delete version %s:%s: %w", name, version, err)
	}
	if err := s.kv.Delete(ctx, eventInvokeKey(scope, name, version)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("delete event invoke config %s:%s: %w", name, version, err)
	}
	s.removed(scope, name, version)
	s.collectPackage(ctx, cfg.CodeSha256)
	return s.dropPolicy(ctx, scope, name, version)
}
