package readcache_test

import (
	"context"
	"errors"
	"testing"

	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/readcache"
)

// mapKV is a store.KV of one value per key, enough for the cache's writes;
// a Put calls during, if set, once it has stored the value.
type mapKV struct {
	store.KV
	values map[string]string
	during func()
}

func (m *mapKV) Put(_ context.Context, key string, value []byte) (uint64, error) {
	m.values[key] = string(value)
	if m.during != nil {
		m.during()
	}
	return 1, nil
}

func TestGetKeepsWhatItRead(t *testing.T) {
	var c readcache.Cache[string]
	loads := 0
	load := func() (string, error) { loads++; return "v", nil }
	for range 3 {
		if v, err := c.Get("k", load); v != "v" || err != nil {
			t.Fatalf("Get: %q, %v", v, err)
		}
	}
	if loads != 1 {
		t.Errorf("%d loads; want 1", loads)
	}
	c.Drop()
	c.Get("k", load)
	if loads != 2 {
		t.Errorf("after Drop, %d loads; want 2", loads)
	}
}

func TestGetKeepsNoFailure(t *testing.T) {
	var c readcache.Cache[string]
	if _, err := c.Get("k", func() (string, error) { return "", store.ErrNotFound }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get: %v", err)
	}
	if v, _ := c.Get("k", func() (string, error) { return "v", nil }); v != "v" {
		t.Errorf("after a failed load, Get gave %q", v)
	}
}

// A read that began before a write and ended after it keeps nothing, and
// neither does a read made while the write is in flight, which gives what
// the write stored; so does every read after the write.
func TestReadsAroundAWrite(t *testing.T) {
	var c readcache.Cache[string]
	kv := &mapKV{values: map[string]string{"k": "old"}}
	tracked := c.Track(kv)
	read := func() (string, error) { return kv.values["k"], nil }
	var during string
	kv.during = func() { during, _ = c.Get("k", read) }
	c.Get("k", func() (string, error) {
		old := kv.values["k"]
		tracked.Put(context.Background(), "k", []byte("new"))
		return old, nil
	})
	if during != "new" {
		t.Errorf("a read while the write was in flight gave %q", during)
	}
	kv.during = nil
	if v, _ := c.Get("k", read); v != "new" {
		t.Errorf("a read after the write gave %q", v)
	}
}
