package control

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"sort"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/store"
)

// Resolve finds the version an invocation runs: $LATEST, a version, or an
// alias's version, choosing by the alias's routing weights. It reads through
// a cache that every write of this Service invalidates.
func (s *Service) Resolve(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef) (*lambda.Target, error) {
	t, err := s.resolve(ctx, scope, ref, false)
	if err == nil && t.Config.State != lambda.StateActive {
		// In a cluster the cache may hold a record another node's
		// activation has replaced, until Follow brings the change, while
		// GetFunction there (reading the store) shows Active already: the
		// store decides.
		t, err = s.resolve(ctx, scope, ref, true)
	}
	if err != nil {
		return nil, err
	}
	if st := t.Config.State; st != lambda.StateActive {
		return nil, lambda.Errorf(lambda.ErrResourceConflict,
			"The operation cannot be performed at this time. The function is currently in the following state: %s", st)
	}
	total, err := s.reservedTotalCached(ctx, scope)
	if err != nil {
		return nil, err
	}
	t.ReservedTotal = total
	return t, nil
}

// resolve finds the configuration ref invokes, through the cache or, when
// fresh, from the store.
func (s *Service) resolve(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef, fresh bool) (*lambda.Target, error) {
	rec, err := read[functionRecord](ctx, s, functionKey(scope, ref.Name), fresh)
	if err != nil {
		return nil, qualifiedNotFound(notFoundAs(err), scope, ref)
	}
	t := &lambda.Target{InvokedARN: scope.QualifiedARN(ref.Name, ref.Qualifier), Reserved: rec.Reserved}
	version := ref.Qualifier
	if version != "" && !lambda.IsVersion(version) {
		alias, err := read[lambda.AliasConfiguration](ctx, s, aliasKey(scope, ref.Name, version), fresh)
		if err != nil {
			return nil, qualifiedNotFound(notFoundAs(err), scope, ref)
		}
		version = pickVersion(alias)
	}
	if version == "" || version == lambda.Latest {
		cfg := rec.Latest
		t.Config = &cfg
		return t, nil
	}
	cfg, err := read[lambda.FunctionConfiguration](ctx, s, versionKey(scope, ref.Name, version), fresh)
	if err != nil {
		return nil, qualifiedNotFound(notFoundAs(err), scope, lambda.FunctionRef{Name: ref.Name, Qualifier: version})
	}
	copied := *cfg
	t.Config = &copied
	return t, nil
}

// read reads and decodes key through the cache or, when fresh, from the
// store (without caching it).
func read[T any](ctx context.Context, s *Service, key string, fresh bool) (*T, error) {
	if fresh {
		return load[T](ctx, s, key)
	}
	return cached[T](ctx, s, key)
}

// load reads and decodes key from the store.
func load[T any](ctx context.Context, s *Service, key string) (*T, error) {
	e, err := s.kv.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	out := new(T)
	if err := json.Unmarshal(e.Value, out); err != nil {
		return nil, err
	}
	return out, nil
}

func notFoundAs(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return lambda.FunctionNotFound("")
	}
	return err
}

// pickVersion chooses the alias's version or, with its weight, the
// additional one.
func pickVersion(a *lambda.AliasConfiguration) string {
	weights := routingWeights(a)
	if len(weights) == 0 {
		return a.FunctionVersion
	}
	versions := make([]string, 0, len(weights))
	for v := range weights {
		versions = append(versions, v)
	}
	sort.Strings(versions)
	x := rand.Float64()
	for _, v := range versions {
		if x < weights[v] {
			return v
		}
		x -= weights[v]
	}
	return a.FunctionVersion
}
