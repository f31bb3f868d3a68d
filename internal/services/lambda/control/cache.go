package control

import (
	"context"
	"errors"
	"sync"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/store"
)

// readCache holds decoded records for Resolve and the permission checks;
// callers must not modify what it returns. Every write of the Service's
// store drops the records as it begins and again once it is stored
// (trackedKV), and a read keeps what it read only when no write began or
// was in flight while it read: once a write returns, no read on this node
// gives what the store held before it. Other nodes' writes reach the cache
// through Follow, a moment later.
//
// The sums of reservations, which take a read of every function, are
// dropped only around the writes that may change a reservation
// (changingReservations): creating or activating a function does not, so
// its first invoke reads its own records, not every function's.
type readCache struct {
	mu       sync.Mutex
	records  entries[any]
	reserved entries[int] // region -> ReservedTotal
}

// entries are cached values with the generation that tells a read whether
// it may keep what it read: a write bumps it as it begins and as it ends.
type entries[V any] struct {
	m       map[string]V
	gen     uint64
	writing int
}

func (e *entries[V]) drop() {
	e.gen++
	clear(e.m)
}

func (e *entries[V]) begin() {
	e.writing++
	e.drop()
}

func (e *entries[V]) end() {
	e.writing--
	e.drop()
}

// through gives e's value for key or, when it has none, what load reads,
// which it keeps unless a write began or was in flight meanwhile.
func through[V any](c *readCache, e *entries[V], key string, load func() (V, error)) (V, error) {
	c.mu.Lock()
	v, ok := e.m[key]
	gen := e.gen
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if e.gen == gen && e.writing == 0 {
		if e.m == nil {
			e.m = map[string]V{}
		}
		e.m[key] = v
	}
	c.mu.Unlock()
	return v, nil
}

// invalidate drops everything: another node wrote to the store.
func (c *readCache) invalidate() {
	c.mu.Lock()
	c.records.drop()
	c.reserved.drop()
	c.mu.Unlock()
}

// write runs do, a write of the store, with the records dropped as it
// begins and as it ends.
func (c *readCache) write(do func() error) error {
	c.mu.Lock()
	c.records.begin()
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.records.end()
		c.mu.Unlock()
	}()
	return do()
}

// changingReservations runs do, a write that may change a function's
// reservation, with the sums of reservations dropped as it begins and as
// it ends.
func (c *readCache) changingReservations(do func() error) error {
	c.mu.Lock()
	c.reserved.begin()
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.reserved.end()
		c.mu.Unlock()
	}()
	return do()
}

// trackedKV is the Service's store: each of its writes goes through the
// read cache's write.
type trackedKV struct {
	store.KV
	cache *readCache
}

func (k trackedKV) Put(ctx context.Context, key string, value []byte) (rev uint64, err error) {
	err = k.cache.write(func() error { rev, err = k.KV.Put(ctx, key, value); return err })
	return rev, err
}

func (k trackedKV) Create(ctx context.Context, key string, value []byte) (rev uint64, err error) {
	err = k.cache.write(func() error { rev, err = k.KV.Create(ctx, key, value); return err })
	return rev, err
}

func (k trackedKV) Update(ctx context.Context, key string, value []byte, revision uint64) (rev uint64, err error) {
	err = k.cache.write(func() error { rev, err = k.KV.Update(ctx, key, value, revision); return err })
	return rev, err
}

func (k trackedKV) Delete(ctx context.Context, key string) error {
	return k.cache.write(func() error { return k.KV.Delete(ctx, key) })
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
// function's event invoke config, which most functions never have.
func cachedOptional[T any](ctx context.Context, s *Service, key string) (*T, error) {
	return lookup[T](ctx, s, key, true)
}

func lookup[T any](ctx context.Context, s *Service, key string, cacheAbsent bool) (*T, error) {
	v, err := through(&s.cache, &s.cache.records, key, func() (any, error) {
		out, err := load[T](ctx, s, key)
		if errors.Is(err, store.ErrNotFound) && cacheAbsent {
			return (*T)(nil), nil
		}
		return out, err
	})
	if err != nil {
		return nil, err
	}
	return v.(*T), nil
}

func (s *Service) reservedTotalCached(ctx context.Context, scope lambda.Scope) (int, error) {
	return through(&s.cache, &s.cache.reserved, scope.Region, func() (int, error) {
		return s.reservedTotal(ctx, scope, "")
	})
}
