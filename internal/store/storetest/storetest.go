// Package storetest is the conformance suite of nubo's store interfaces:
// every implementation of store.KV, Objects, Stream, WorkQueue and Table
// runs Run, and every store.Ordered runs Ordered, so that what the
// services rely on (revisions, deletions, order, durability across a
// reopen) is checked the same way for each backend.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// Store is a store opened on a directory. Opening the same directory again
// after Close must find everything that was stored.
type Store interface {
	KV(ctx context.Context, name string) (store.KV, error)
	Objects(ctx context.Context, name string) (store.Objects, error)
	// Stream opens a stream of subjects under prefix; rollup allows
	// Replace.
	Stream(ctx context.Context, name, prefix string, rollup bool) (store.Stream, error)
	WorkQueue(ctx context.Context, name, prefix string, lease time.Duration) (store.WorkQueue, error)
	Close()
}

// Opener opens a Store on dir.
type Opener func(t *testing.T, dir string) Store

// Run runs the suite against the stores open returns.
func Run(t *testing.T, open Opener) {
	t.Run("KV", func(t *testing.T) { testKV(t, open) })
	t.Run("KVDeletionsLast", func(t *testing.T) { testKVDeletionsLast(t, open) })
	t.Run("KVKeysWhileWritten", func(t *testing.T) { testKVKeysWhileWritten(t, open) })
	t.Run("Objects", func(t *testing.T) { testObjects(t, open) })
	t.Run("Stream", func(t *testing.T) { testStream(t, open) })
	t.Run("StreamPurgeAndReplace", func(t *testing.T) { testStreamPurgeAndReplace(t, open) })
	t.Run("WorkQueue", func(t *testing.T) { testWorkQueue(t, open) })
	t.Run("WorkQueueAtItsLimit", func(t *testing.T) { testWorkQueueAtItsLimit(t, open) })
	t.Run("WorkQueueStopped", func(t *testing.T) { testWorkQueueStopped(t, open) })
}

// must fails the test on err.
func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
