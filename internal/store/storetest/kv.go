package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

func testKV(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, t.TempDir())
	defer s.Close()
	kv := must[store.KV](t)(s.KV(ctx, "test"))
	if _, err := kv.Get(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get missing: got %v, want ErrNotFound", err)
	}
	k := store.Key("fn", "$LATEST", "a.b")
	rev := must[uint64](t)(kv.Create(ctx, k, []byte("one")))
	if _, err := kv.Create(ctx, k, []byte("two")); !errors.Is(err, store.ErrExists) {
		t.Fatalf("create twice: got %v, want ErrExists", err)
	}
	if _, err := kv.Update(ctx, k, []byte("two"), rev+100); !errors.Is(err, store.ErrRevision) {
		t.Fatalf("update stale: got %v, want ErrRevision", err)
	}
	must[uint64](t)(kv.Update(ctx, k, []byte("two"), rev))
	if e, err := kv.Get(ctx, k); err != nil || string(e.Value) != "two" {
		t.Fatalf("get: %q %v", e.Value, err)
	}
	must[uint64](t)(kv.Put(ctx, store.Key("fn", "other"), []byte("x")))
	must[uint64](t)(kv.Put(ctx, store.Key("ver", "x"), []byte("x")))
	keys := must[[]string](t)(kv.Keys(ctx, store.Key("fn")))
	sort.Strings(keys)
	if len(keys) != 2 || store.SplitKey(keys[0])[1] != "$LATEST" || store.SplitKey(keys[0])[2] != "a.b" {
		t.Fatalf("keys: %v", keys)
	}
	if err := kv.Delete(ctx, k); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Get(ctx, k); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get deleted: %v", err)
	}
	if _, err := kv.Create(ctx, k, []byte("again")); err != nil {
		t.Fatalf("create after delete: %v", err)
	}
}

// testKVDeletionsLast: what was deleted stays deleted across reopens, and
// what was written stays written.
func testKVDeletionsLast(t *testing.T, open Opener) {
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir)
	kv := must[store.KV](t)(s.KV(ctx, "test"))
	must[uint64](t)(kv.Put(ctx, "kept", []byte("v")))
	must[uint64](t)(kv.Put(ctx, "gone", []byte("v")))
	if err := kv.Delete(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for i := 0; i < 2; i++ {
		s = open(t, dir)
		kv = must[store.KV](t)(s.KV(ctx, "test"))
		if e, err := kv.Get(ctx, "kept"); err != nil || string(e.Value) != "v" {
			t.Fatalf("reopen %d: kept = %q, %v", i, e.Value, err)
		}
		if _, err := kv.Get(ctx, "gone"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("reopen %d: a deleted key is back (%v)", i, err)
		}
		if keys := must[[]string](t)(kv.Keys(ctx, "")); len(keys) != 1 {
			t.Fatalf("reopen %d: keys %v", i, keys)
		}
		s.Close()
	}
}

// testKVKeysWhileWritten: a listing ends, with every key that was there
// when it began, while those keys and others are written.
func testKVKeysWhileWritten(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, t.TempDir())
	defer s.Close()
	kv := must[store.KV](t)(s.KV(ctx, "test"))
	const n = 200
	for i := range n {
		must[uint64](t)(kv.Put(ctx, store.Key("fn", fmt.Sprint(i)), []byte("v")))
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				kv.Put(ctx, store.Key("fn", fmt.Sprint(i%n)), []byte("again"))
				kv.Put(ctx, store.Key("fn", fmt.Sprintf("new-%d-%d", w, i)), []byte("v"))
			}
		})
	}
	defer wg.Wait()
	defer close(stop)
	for range 10 {
		lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		keys, err := kv.Keys(lctx, store.Key("fn"))
		late := lctx.Err()
		cancel()
		if err != nil || late != nil {
			t.Fatalf("listing while writing: %v (context: %v)", err, late)
		}
		seen := map[string]bool{}
		for _, k := range keys {
			seen[k] = true
		}
		for i := range n {
			if !seen[store.Key("fn", fmt.Sprint(i))] {
				t.Fatalf("the listing lacks key %d of %d it had before", i, n)
			}
		}
	}
}

func testObjects(t *testing.T, open Opener) {
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir)
	obs := must[store.Objects](t)(s.Objects(ctx, "code"))
	blob := bytes.Repeat([]byte("0123456789"), 300000)
	if err := obs.Put(ctx, "blob", bytes.NewReader(blob)); err != nil {
		t.Fatal(err)
	}
	if err := obs.Put(ctx, "gone", bytes.NewReader([]byte("x"))); err != nil {
		t.Fatal(err)
	}
	if names := must[[]string](t)(obs.Names(ctx)); len(names) != 2 {
		t.Fatalf("Names = %q, want blob and gone", names)
	}
	if err := obs.Delete(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	if names := must[[]string](t)(obs.Names(ctx)); len(names) != 1 || names[0] != "blob" {
		t.Fatalf("Names after a deletion = %q, want [blob]", names)
	}
	s.Close()
	s = open(t, dir)
	defer s.Close()
	obs = must[store.Objects](t)(s.Objects(ctx, "code"))
	r := must[io.ReadCloser](t)(obs.Get(ctx, "blob"))
	got, _ := io.ReadAll(r)
	r.Close()
	if !bytes.Equal(got, blob) {
		t.Fatalf("object changed across a reopen: %d bytes", len(got))
	}
	for _, name := range []string{"nope", "gone"} {
		if _, err := obs.Get(ctx, name); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("object %s: %v, want ErrNotFound", name, err)
		}
	}
}
