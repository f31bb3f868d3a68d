package pebblestore

import (
	"context"
	"fmt"
	"testing"

	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Ordered(t, func(t *testing.T, dir string) store.Ordered {
		db, err := Open(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

// BenchmarkGet reads keys present and missing among 200,000 on disk: what
// a DynamoDB write's read of the old item (mostly missing) and a GetItem
// cost.
func BenchmarkGet(b *testing.B) {
	db, err := Open(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for i := 0; i < 200_000; i += 1000 {
		var batch store.Batch
		for j := i; j < i+1000; j++ {
			batch.Set(fmt.Appendf(nil, "key%08d", j*2), make([]byte, 150))
		}
		if err := db.Apply(ctx, &batch); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.db.Flush(); err != nil {
		b.Fatal(err)
	}
	for _, missing := range []int{0, 1} {
		b.Run(fmt.Sprintf("missing=%d", missing), func(b *testing.B) {
			for i := range b.N {
				_, err := db.Get(ctx, fmt.Appendf(nil, "key%08d", (i*7919)%200_000*2+missing))
				if (err != nil) != (missing == 1) {
					b.Fatal(err)
				}
			}
		})
	}
}
