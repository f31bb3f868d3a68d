package funcurl

import (
	"context"
	"fmt"

	"github.com/nubo-dev/nubo/internal/store"
)

// Follow keeps this node in step with the writes other nodes of a cluster
// make to the bucket, until ctx ends: every change drops the cache of
// URLs by id, so that a URL updated or deleted anywhere is served so here
// within a moment.
func (s *Service) Follow(ctx context.Context, kv store.Watchable) error {
	if _, err := kv.Watch(ctx, "", func(store.Change) { s.byID.Drop() }); err != nil {
		return fmt.Errorf("follow the function URLs: %w", err)
	}
	return nil
}
