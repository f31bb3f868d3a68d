package control

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/store"
)

// PublishVersionInput is the body of PublishVersion.
type PublishVersionInput struct {
	CodeSha256  string `json:"CodeSha256"`
	Description string `json:"Description"`
	RevisionId  string `json:"RevisionId"`
}

// PublishVersion snapshots $LATEST as a new numbered version. When $LATEST
// has not changed since the last version, that version is returned instead.
func (s *Service) PublishVersion(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef, in *PublishVersionInput) (*lambda.FunctionConfiguration, error) {
	var v lambda.Validator
	v.Length("description", in.Description, 0, 256)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return s.publish(ctx, scope, ref.Name, publishInput{PublishVersionInput: *in, checkState: true})
}

type publishInput struct {
	PublishVersionInput
	// checkState refuses to publish while $LATEST is being created or
	// updated (PublishVersion); Create and UpdateFunctionCode publish the
	// change they have just begun.
	checkState bool
}

var errUnchanged = errors.New("unchanged since last version")

func (s *Service) publish(ctx context.Context, scope lambda.Scope, name string, in publishInput) (*lambda.FunctionConfiguration, error) {
	rec, _, err := s.loadFunction(ctx, scope, name)
	if err != nil {
		return nil, err
	}
	if rec.LastVersion == 0 || rec.PublishedChange != rec.Change {
		// A new version keeps its own copy of the code, as far as the
		// quota is concerned.
		c, err := s.packageSize(ctx, rec.Latest.CodeSha256)
		if err != nil {
			return nil, err
		}
		if err := s.checkCodeStorage(ctx, scope, c.total()); err != nil {
			return nil, err
		}
	}
	var version lambda.FunctionConfiguration
	_, err = s.modifyFunction(ctx, scope, name, func(r *functionRecord) error {
		if in.RevisionId != "" && in.RevisionId != r.Latest.RevisionId {
			return revisionMismatch()
		}
		if in.CodeSha256 != "" && in.CodeSha256 != r.Latest.CodeSha256 {
			return lambda.Errorf(lambda.ErrInvalidParameterValue,
				"CodeSHA256 (%s) is different from current CodeSHA256 in $LATEST (%s). Please try again with the CodeSHA256 in $LATEST.",
				in.CodeSha256, r.Latest.CodeSha256)
		}
		if in.checkState {
			if err := checkUpdatable(&r.Latest, ""); err != nil {
				return err
			}
		}
		if r.LastVersion > 0 && r.PublishedChange == r.Change {
			return errUnchanged
		}
		r.LastVersion++
		r.PublishedChange = r.Change
		version = newVersion(scope, &r.Latest, r.LastVersion, in.Description)
		return nil
	})
	if errors.Is(err, errUnchanged) {
		rec, _, err := s.loadFunction(ctx, scope, name)
		if err != nil {
			return nil, err
		}
		return s.loadVersion(ctx, scope, name, strconv.Itoa(rec.LastVersion))
	}
	if err != nil {
		return nil, err
	}
	if err := s.putJSON(ctx, versionKey(scope, name, version.Version), &version); err != nil {
		return nil, err
	}
	if version.State == lambda.StatePending {
		s.activate(scope, name)
	}
	return &version, nil
}

// newVersion snapshots latest as version n. A version of a function that is
// still being created or updated is Pending until that work is done.
func newVersion(scope lambda.Scope, latest *lambda.FunctionConfiguration, n int, description string) lambda.FunctionConfiguration {
	v := *latest
	v.Version = strconv.Itoa(n)
	v.FunctionArn = scope.QualifiedARN(v.FunctionName, v.Version)
	v.RevisionId = newRevision()
	v.LastModified = now()
	if description != "" {
		v.Description = description
	}
	v.LastUpdateStatus, v.LastUpdateStatusReason, v.LastUpdateStatusReasonCode = "", "", ""
	if latest.State == lambda.StateActive && latest.LastUpdateStatus != lambda.UpdateProgress {
		v.State, v.StateReason, v.StateReasonCode = lambda.StateActive, "", ""
	} else {
		v.State, v.StateReason, v.StateReasonCode = lambda.StatePending, "The function is being created.", "Creating"
	}
	if v.SnapStart != nil && v.SnapStart.ApplyOn == "PublishedVersions" {
		v.SnapStart = &lambda.SnapStartResponse{ApplyOn: "PublishedVersions", OptimizationStatus: "Off"}
	}
	return v
}

// ListVersionsOutput is ListVersionsByFunction's response.
type ListVersionsOutput struct {
	Versions   []*lambda.FunctionConfiguration `json:"Versions"`
	NextMarker string                          `json:"NextMarker,omitempty"`
}

// ListVersionsByFunction lists $LATEST and every published version.
func (s *Service) ListVersionsByFunction(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef, page Page) (*ListVersionsOutput, error) {
	rec, _, err := s.loadFunction(ctx, scope, ref.Name)
	if err != nil {
		return nil, err
	}
	latest := rec.Latest
	latest.FunctionArn = scope.QualifiedARN(ref.Name, lambda.Latest)
	versions, err := s.versions(ctx, scope, ref.Name)
	if err != nil {
		return nil, err
	}
	all := append([]*lambda.FunctionConfiguration{&latest}, versions...)
	items, next, err := paginate(all, page, func(c *lambda.FunctionConfiguration) string { return versionOrder(c.Version) })
	if err != nil {
		return nil, err
	}
	for _, c := range items {
		hideStatus(c)
	}
	return &ListVersionsOutput{Versions: items, NextMarker: next}, nil
}

// versions loads a function's published versions, in number order.
func (s *Service) versions(ctx context.Context, scope lambda.Scope, name string) ([]*lambda.FunctionConfiguration, error) {
	out, err := loadAll[lambda.FunctionConfiguration](ctx, s, store.Key("ver", scope.Region, name))
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *lambda.FunctionConfiguration) int {
		return strings.Compare(versionOrder(a.Version), versionOrder(b.Version))
	})
	return out, nil
}
