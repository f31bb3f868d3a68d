package natsstore

import (
	"context"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/storetest"
)

// conformant adapts a Store to the conformance suite.
type conformant struct{ *Store }

func (c conformant) Stream(ctx context.Context, name, prefix string, rollup bool) (store.Stream, error) {
	return c.Store.Stream(ctx, name, prefix, StreamOptions{AllowRollup: rollup})
}

func (c conformant) WorkQueue(ctx context.Context, name, prefix string, lease time.Duration) (store.WorkQueue, error) {
	return c.Store.WorkQueue(ctx, name, prefix, lease)
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dir string) storetest.Store { return conformant{openTest(t, dir)} })
}
