package pebblestore

import (
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
