// Package control is the Lambda control plane: functions, versions, aliases,
// reserved concurrency and tags, kept durably in a store.KV, with the
// lifecycle AWS shows (Pending→Active, InProgress→Successful) driven by real
// work: each new code package is extracted before the function turns Active.
package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/nubo-dev/nubo/internal/code"
	"github.com/nubo-dev/nubo/internal/iam/policy"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/store"
)

// Packages is what the control plane needs of the code package store.
type Packages interface {
	Save(ctx context.Context, zip []byte) (code.Package, error)
	Inspect(ctx context.Context, key string) (code.Package, error)
	Extract(ctx context.Context, key string) (string, error)
	Remove(ctx context.Context, key string) error
}

// Options configures a Service.
type Options struct {
	// Account is the account id in every ARN.
	Account string
	// MaxConcurrency is the account's concurrency limit per region.
	MaxConcurrency int
	// CodeStorageLimit is the code storage quota per region in bytes
	// (default 75 GB, AWS's); see codeUsage for what counts.
	CodeStorageLimit int64
	// CheckRuntime, when set, reports why a runtime cannot run on this
	// machine; a function using it fails activation with InvalidRuntime.
	CheckRuntime func(runtime string) error
	// Removed, when set, is called after a function (version "") or one of
	// its versions is deleted, so that its environments can be stopped.
	Removed func(scope lambda.Scope, name, version string)
	// CheckRole, when set, reports whether Lambda can assume an execution
	// role (it exists and trusts lambda.amazonaws.com), as CreateFunction
	// and UpdateFunctionConfiguration check on AWS, or the error that kept
	// it from telling.
	CheckRole func(ctx context.Context, role string) (bool, error)
	Logger    *slog.Logger
}

// Service implements the control-plane operations.
type Service struct {
	kv       store.KV
	packages Packages
	opts     Options
	log      *slog.Logger
	queue    *activationQueue
	cache    readCache
	policies policy.Cache
}

// activation asks the activator to finish a function's pending change.
type activation struct {
	scope lambda.Scope
	name  string
}

// New returns a Service over kv and packages. Run must be running for
// functions to leave Pending and InProgress.
func New(kv store.KV, packages Packages, opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxConcurrency == 0 {
		opts.MaxConcurrency = 1000
	}
	if opts.CodeStorageLimit == 0 {
		opts.CodeStorageLimit = DefaultCodeStorageLimit
	}
	s := &Service{packages: packages, opts: opts, log: opts.Logger, queue: newActivationQueue()}
	s.kv = s.cache.records.Track(kv)
	return s
}

// functionRecord is what the store holds for a function besides its
// published versions and aliases.
type functionRecord struct {
	Latest   lambda.FunctionConfiguration `json:"latest"`
	Tags     map[string]string            `json:"tags,omitempty"`
	Reserved *int                         `json:"reserved,omitempty"`
	// LastVersion is the number of the newest published version.
	LastVersion int `json:"lastVersion"`
	// Change counts code and configuration changes of $LATEST;
	// PublishedChange is its value when LastVersion was published, so that
	// publishing an unchanged $LATEST returns the existing version.
	Change          uint64 `json:"change"`
	PublishedChange uint64 `json:"publishedChange"`
	// Policies are the resource-based policies, by qualifier ("" for the
	// function's own).
	Policies map[string]*storedPolicy `json:"policies,omitempty"`
}

func functionKey(scope lambda.Scope, name string) string {
	return store.Key("fn", scope.Region, name)
}

func versionKey(scope lambda.Scope, name, version string) string {
	return store.Key("ver", scope.Region, name, version)
}

func aliasKey(scope lambda.Scope, name, alias string) string {
	return store.Key("alias", scope.Region, name, alias)
}

// loadFunction reads a function record and the revision that wrote it.
func (s *Service) loadFunction(ctx context.Context, scope lambda.Scope, name string) (*functionRecord, uint64, error) {
	e, err := s.kv.Get(ctx, functionKey(scope, name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, lambda.FunctionNotFound(scope.FunctionARN(name))
	}
	if err != nil {
		return nil, 0, fmt.Errorf("load function %s: %w", name, err)
	}
	var rec functionRecord
	if err := json.Unmarshal(e.Value, &rec); err != nil {
		return nil, 0, fmt.Errorf("decode function %s: %w", name, err)
	}
	return &rec, e.Revision, nil
}

// errRetry tells modifyFunction that the record changed under it.
var errRetry = errors.New("retry")

// modifyFunction applies fn to the stored record and writes it back with an
// optimistic revision check, retrying when another writer got there first.
func (s *Service) modifyFunction(ctx context.Context, scope lambda.Scope, name string, fn func(*functionRecord) error) (*functionRecord, error) {
	for {
		rec, rev, err := s.loadFunction(ctx, scope, name)
		if err != nil {
			return nil, err
		}
		reserved := rec.Reserved
		if err := fn(rec); err != nil {
			return nil, err
		}
		data, err := json.Marshal(rec)
		if err != nil {
			return nil, err
		}
		save := func() error {
			_, err := s.kv.Update(ctx, functionKey(scope, name), data, rev)
			return err
		}
		if !equalPtr(reserved, rec.Reserved) {
			err = s.cache.reserved.Write(save)
		} else {
			err = save()
		}
		if errors.Is(err, store.ErrRevision) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("save function %s: %w", name, err)
		}
		return rec, nil
	}
}

// equalPtr reports whether a and b are both nil or point to equal values.
func equalPtr[T comparable](a, b *T) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

func (s *Service) removed(scope lambda.Scope, name, version string) {
	if s.opts.Removed != nil {
		s.opts.Removed(scope, name, version)
	}
}

func (s *Service) getJSON(ctx context.Context, key string, v any) error {
	e, err := s.kv.Get(ctx, key)
	if err != nil {
		return err
	}
	return json.Unmarshal(e.Value, v)
}

// loadAll reads every record stored under prefix, skipping any deleted
// since the keys were listed.
func loadAll[T any](ctx context.Context, s *Service, prefix string) ([]*T, error) {
	keys, err := s.kv.Keys(ctx, prefix)
	if err != nil {
		return nil, err
	}
	var out []*T
	for _, k := range keys {
		v := new(T)
		if err := s.getJSON(ctx, k, v); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *Service) putJSON(ctx context.Context, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = s.kv.Put(ctx, key, data)
	return err
}

// checkRole refuses a role Lambda cannot assume, in AWS's words.
func (s *Service) checkRole(ctx context.Context, role *string) error {
	if role == nil || s.opts.CheckRole == nil {
		return nil
	}
	if ok, err := s.opts.CheckRole(ctx, *role); ok || err != nil {
		return err
	}
	return lambda.Errorf(lambda.ErrInvalidParameterValue, "The role defined for the function cannot be assumed by Lambda.")
}

// newRevision returns a fresh RevisionId (a random UUID, as AWS uses).
func newRevision() string { return uuid.NewString() }

func now() string { return lambda.FormatTime(time.Now()) }

// revisionMismatch is AWS's PreconditionFailedException for a stale RevisionId.
func revisionMismatch() error {
	return lambda.Errorf(lambda.ErrPreconditionFailed,
		"The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
}
