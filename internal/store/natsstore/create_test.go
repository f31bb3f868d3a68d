package natsstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/natsstore/natstest"
)

// TestClusterCreateRace: two nodes create one key at once, again and
// again, the key deleted between rounds (a create of a deleted key is an
// update of its deletion, which a replicated bucket fails with its own
// error code): exactly one succeeds each time, the other is ErrExists.
func TestClusterCreateRace(t *testing.T) {
	ctx := context.Background()
	nodes := natstest.Start(t, 3)
	kvs := [2]store.KV{
		must[store.KV](t)(nodes[0].Store.KV(ctx, "claims")),
		must[store.KV](t)(nodes[1].Store.KV(ctx, "claims")),
	}
	for round := range 20 {
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			errs  [2]error
		)
		for i, kv := range kvs {
			wg.Go(func() {
				<-start
				_, errs[i] = kv.Create(ctx, "k", []byte("v"))
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrExists):
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d creates succeeded: %v", round, won, errs)
		}
		if err := kvs[round%2].Delete(ctx, "k"); err != nil {
			t.Fatal(err)
		}
	}
}
