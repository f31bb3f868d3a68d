package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/nubo-dev/nubo/internal/store"
)

// OrderedOpener opens a store.Ordered on dir. Opening the same directory
// again after Close must find every applied batch.
type OrderedOpener func(t *testing.T, dir string) store.Ordered

// Ordered runs the suite of store.Ordered against what open returns.
func Ordered(t *testing.T, open OrderedOpener) {
	ctx := context.Background()
	dir := t.TempDir()
	o := open(t, dir)
	var b store.Batch
	for i := 0; i < 10; i++ {
		b.Set([]byte(fmt.Sprintf("k%02d", i)), []byte(fmt.Sprint(i)))
	}
	b.Set([]byte("z"), []byte("last"))
	if err := o.Apply(ctx, &b); err != nil {
		t.Fatal(err)
	}
	snap := o.Snapshot()
	var del store.Batch
	del.Delete([]byte("k00"))
	del.DeleteRange([]byte("k05"), []byte("k08"))
	del.Set([]byte("k01"), []byte("one"))
	if err := o.Apply(ctx, &del); err != nil {
		t.Fatal(err)
	}
	if v := must[[]byte](t)(snap.Get(ctx, []byte("k00"))); string(v) != "0" {
		t.Errorf("a snapshot sees a later write: k00 = %q", v)
	}
	snap.Close()
	check := func(when string) {
		t.Helper()
		if _, err := o.Get(ctx, []byte("k00")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: a deleted key: %v", when, err)
		}
		if v := must[[]byte](t)(o.Get(ctx, []byte("k01"))); string(v) != "one" {
			t.Errorf("%s: k01 = %q", when, v)
		}
		if got, want := scan(t, o, []byte("k"), []byte("l"), false), "k01 k02 k03 k04 k08 k09"; got != want {
			t.Errorf("%s: scan %q, want %q", when, got, want)
		}
		if got, want := scan(t, o, []byte("k03"), nil, true), "z k09 k08 k04 k03"; got != want {
			t.Errorf("%s: reverse scan %q, want %q", when, got, want)
		}
	}
	check("before a reopen")
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	o = open(t, dir)
	defer o.Close()
	check("after a reopen")
}

// scan lists the keys in [lower, upper), space-separated.
func scan(t *testing.T, r store.OrderedReader, lower, upper []byte, reverse bool) string {
	t.Helper()
	var keys []byte
	err := r.Scan(context.Background(), lower, upper, reverse, func(k, _ []byte) bool {
		if len(keys) > 0 {
			keys = append(keys, ' ')
		}
		keys = append(keys, k...)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(keys)
}
