package control

import (
	"context"
	"errors"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/readcache"
)

// readCache holds decoded records for Resolve and the permission checks,
// dropped around every write of the Service's store (readcache). The sums
// of reservations, which take a read of every function, are dropped only
// around the writes that may change a reservation (reserved.Write):
// creating or activating a function does not, so its first invoke reads
// its own records, not every function's.
type readCache struct {
	records  readcache.Cache[any]
	reserved readcache.Cache[int] // region -> ReservedTotal
}

// invalidate drops everything: another node wrote to the store.
func (c *readCache) invalidate() {
	c.records.Drop()
	c.reserved.Drop()
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
	v, err := s.cache.records.Get(key, func() (any, error) {
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
	return s.cache.reserved.Get(scope.Region, func() (int, error) {
		return s.reservedTotal(ctx, scope, "")
	})
}
