package control

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"sort"
	"sync"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/store"
)

// Resolve finds the version an invocation runs: $LATEST, a version, or an
// alias's version, choosing by the alias's routing weights. It reads through
// a cache that every write of this Service invalidates.
func (s *Service) Resolve(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef) (*lambda.Target, error) {
	t, err := s.resolve(ctx, scope, ref, false)
	if err == nil && t.Config.State != lambda.StateActive {
		// The cache may hold a record read just before the activation was
		// stored, until the write's invalidation comes, while GetFunction
		// (reading the store) shows Active already: the store decides.
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

// readCache holds decoded records for Resolve; callers must not modify
// what it returns. Every write of the Service bumps the generation, which
// drops the records; a read that raced with a write does not store what it
// read. The sums of reservations, which take a read of every function,
// have a generation of their own, which only writes that may change a
// reservation bump: creating or activating a function does not, so its
// first invoke reads its own records, not every function's.
type readCache struct {
	mu          sync.Mutex
	gen         uint64
	records     map[string]any
	reservedGen uint64
	reserved    map[string]int // region -> ReservedTotal
}

func (c *readCache) invalidate() {
	c.mu.Lock()
	c.gen++
	clear(c.records)
	c.mu.Unlock()
}

// reservationsChanged drops the sums of reservations.
func (c *readCache) reservationsChanged() {
	c.mu.Lock()
	c.reservedGen++
	clear(c.reserved)
	c.mu.Unlock()
}

// cached reads and decodes key through the cache.
func cached[T any](ctx context.Context, s *Service, key string) (*T, error) {
	out, err := lookup[T](ctx, s, key, false)
	if err == nil && out == nil {
		return nil, store.ErrNotFound
	}
	return out, err
}

// cachedOptional is cached for a record that is often absent (nil, nil),
// and remembers the absence too: every asynchronous event asks for its
// function's event invoke config, which most functions never have. Only
// for records whose every write calls changed after it.
func cachedOptional[T any](ctx context.Context, s *Service, key string) (*T, error) {
	return lookup[T](ctx, s, key, true)
}

func lookup[T any](ctx context.Context, s *Service, key string, cacheAbsent bool) (*T, error) {
	c := &s.cache
	c.mu.Lock()
	v, ok := c.records[key]
	gen := c.gen
	c.mu.Unlock()
	if ok {
		return v.(*T), nil
	}
	out, err := load[T](ctx, s, key)
	if errors.Is(err, store.ErrNotFound) && cacheAbsent {
		out, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.gen == gen {
		if c.records == nil {
			c.records = map[string]any{}
		}
		c.records[key] = out
	}
	c.mu.Unlock()
	return out, nil
}

func (s *Service) reservedTotalCached(ctx context.Context, scope lambda.Scope) (int, error) {
	c := &s.cache
	c.mu.Lock()
	total, ok := c.reserved[scope.Region]
	gen := c.reservedGen
	c.mu.Unlock()
	if ok {
		return total, nil
	}
	total, err := s.reservedTotal(ctx, scope, "")
	if err != nil {
		return 0, err
	}
	c.mu.Lock()
	if c.reservedGen == gen {
		if c.reserved == nil {
			c.reserved = map[string]int{}
		}
		c.reserved[scope.Region] = total
	}
	c.mu.Unlock()
	return total, nil
}
