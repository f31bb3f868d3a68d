package natsstore

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/nubo-dev/nubo/internal/store"
)

// rewrite makes sh rewrite itself now, whatever its markers, and waits.
func rewrite(t *testing.T, sh *shard) {
	t.Helper()
	sh.mmu.Lock()
	sh.markers = max(sh.markers, sh.compactAt)
	sh.mmu.Unlock()
	if err := sh.compact(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// openShard opens the table of TestRewriteAfterHiddenGeneration and the
// shard of its row "a".
func openShard(t *testing.T, dir string) (*Store, store.Table, *shard) {
	t.Helper()
	s := openTest(t, dir)
	s.compactAt = 1
	tb, err := s.Table(context.Background(), "HIDDEN", "hidden")
	if err != nil {
		t.Fatal(err)
	}
	return s, tb, tb.(*table).shardOf("a")
}

// A rewrite killed while it marks its new generation complete leaves that
// stream's config and checksum files disagreeing: JetStream skips the
// stream at start and keeps its files, and the next rewrite into a stream
// of that name took its rows back, deleted ones included. The test makes
// those files as the kill leaves them (the old generation, not yet deleted
// then, and the new one with a checksum its config does not match) and
// checks that a row deleted afterwards stays deleted.
func TestRewriteAfterHiddenGeneration(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	streams := filepath.Join(dir, "jetstream", "jetstream", "$G", "streams")

	s, tb, sh := openShard(t, dir)
	if err := tb.Write(store.Row{Key: "a", Value: []byte("1")}).Wait(ctx); err != nil {
		t.Fatal(err)
	}
	rewrite(t, sh) // generation 1 holds a
	old, _ := sh.names(1)
	next, _ := sh.names(2)
	s.Close()
	saved := t.TempDir()
	if err := os.CopyFS(saved, os.DirFS(filepath.Join(streams, old))); err != nil {
		t.Fatal(err)
	}

	s, _, sh = openShard(t, dir)
	rewrite(t, sh) // generation 2 holds a too
	s.Close()
	if err := os.CopyFS(filepath.Join(streams, old), os.DirFS(saved)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(streams, next, "meta.sum"), []byte("0123456789abcdef"), 0o600); err != nil {
		t.Fatal(err)
	}

	s, tb, sh = openShard(t, dir)
	if _, err := sh.js.Stream(ctx, next); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Fatalf("stream %s after its checksum went stale: %v; want it hidden", next, err)
	}
	if got := scanAll(t, tb, ""); got["a"] != "1" || sh.gen != 1 {
		t.Fatalf("generation %d holds %v; want generation 1 holding a", sh.gen, got)
	}
	if err := tb.Write(store.Row{Key: "a"}).Wait(ctx); err != nil {
		t.Fatal(err)
	}
	rewrite(t, sh) // generation 2 again
	if got := scanAll(t, tb, ""); len(got) != 0 || sh.gen != 2 {
		t.Fatalf("generation %d holds %v; want generation 2, empty", sh.gen, got)
	}
	s.Close()
	s, tb, _ = openShard(t, dir)
	defer s.Close()
	if got := scanAll(t, tb, ""); len(got) != 0 {
		t.Fatalf("after a restart the table holds %v; want it empty", got)
	}
}

// rewriteLog makes tb rewrite itself now, as its compactor would, and
// waits.
func rewriteLog(t *testing.T, tb *logTable) {
	t.Helper()
	err := tb.compact(context.Background())
	tb.mu.Lock()
	tb.touched, tb.purged = nil, nil
	tb.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
}

// TestLogRewriteAfterHiddenGeneration is TestRewriteAfterHiddenGeneration
// for a log table: generation 2, hidden by a stale checksum, must not give
// back its copy of a row deleted since.
func TestLogRewriteAfterHiddenGeneration(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	streams := filepath.Join(dir, "jetstream", "jetstream", "$G", "streams")
	open := func() (*Store, *logTable) {
		s := openTest(t, dir)
		return s, openLogTable(t, s, "LHIDDEN")
	}

	s, tb := open()
	if err := tb.Write(store.Row{Key: "a", Value: []byte("1")}).Wait(ctx); err != nil {
		t.Fatal(err)
	}
	rewriteLog(t, tb) // generation 1 holds a
	old, next := tb.stream(1), tb.stream(2)
	s.Close()
	saved := t.TempDir()
	if err := os.CopyFS(saved, os.DirFS(filepath.Join(streams, old))); err != nil {
		t.Fatal(err)
	}

	s, tb = open()
	rewriteLog(t, tb) // generation 2 holds a too
	s.Close()
	if err := os.CopyFS(filepath.Join(streams, old), os.DirFS(saved)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(streams, next, "meta.sum"), []byte("0123456789abcdef"), 0o600); err != nil {
		t.Fatal(err)
	}

	s, tb = open()
	if _, err := tb.js.Stream(ctx, next); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Fatalf("stream %s after its checksum went stale: %v; want it hidden", next, err)
	}
	if got := scanAll(t, tb, ""); got["a"] != "1" || len(tb.gens) != 1 || tb.gens[0] != 1 {
		t.Fatalf("generations %v hold %v; want generation 1 holding a", tb.gens, got)
	}
	if err := tb.Write(store.Row{Key: "a"}).Wait(ctx); err != nil {
		t.Fatal(err)
	}
	rewriteLog(t, tb) // generation 2 again
	if got := scanAll(t, tb, ""); len(got) != 0 || len(tb.gens) != 1 || tb.gens[0] != 2 {
		t.Fatalf("generations %v hold %v; want generation 2, empty", tb.gens, got)
	}
	s.Close()
	s, tb = open()
	defer s.Close()
	if got := scanAll(t, tb, ""); len(got) != 0 {
		t.Fatalf("after a restart the table holds %v; want it empty", got)
	}
}

// streamMetas reads the config and checksum files of every stream, by
// stream.
func streamMetas(t *testing.T, streams string) map[string][2][]byte {
	t.Helper()
	dirs, err := os.ReadDir(streams)
	if err != nil {
		t.Fatal(err)
	}
	metas := map[string][2][]byte{}
	for _, d := range dirs {
		var m [2][]byte
		for i, f := range []string{"meta.inf", "meta.sum"} {
			if m[i], err = os.ReadFile(filepath.Join(streams, d.Name(), f)); err != nil {
				t.Fatal(err)
			}
		}
		metas[d.Name()] = m
	}
	return metas
}

// A rewrite killed while it marks its new generation complete must neither
// lose the rows written since the switch nor bring back those deleted
// since. The test runs a rewrite up to its mark, writing and deleting rows
// meanwhile, and leaves every stream whose config file the mark rewrote as
// a kill between that file's write and its checksum file's leaves it: the
// new config with the old checksum, which hides the stream from JetStream.
func TestLogRewriteKilledWhileMarking(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	streams := filepath.Join(dir, "jetstream", "jetstream", "$G", "streams")
	s := openTest(t, dir)
	tb := openLogTable(t, s, "LMARK")
	write := func(key, value string) {
		t.Helper()
		if err := tb.Write(store.Row{Key: key, Value: []byte(value)}).Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	write("a", "1")
	write("b", "1")
	write("c", "1")
	old, next, err := tb.switchGen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	write("a", "")
	write("c", "2")
	write("d", "1")
	if _, err := tb.copyOld(ctx, old, next); err != nil {
		t.Fatal(err)
	}
	before := streamMetas(t, streams)
	if err := tb.markComplete(ctx, next, 0); err != nil {
		t.Fatal(err)
	}
	after := streamMetas(t, streams)
	s.Close()
	for name, m := range after {
		if b, ok := before[name]; ok && !bytes.Equal(b[0], m[0]) {
			if err := os.WriteFile(filepath.Join(streams, name, "meta.sum"), b[1], 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}

	s = openTest(t, dir)
	defer s.Close()
	tb = openLogTable(t, s, "LMARK")
	want := map[string]string{"b": "1", "c": "2", "d": "1"}
	if got := scanAll(t, tb, ""); !maps.Equal(got, want) || !slices.Equal(tb.gens, []int{next}) {
		t.Fatalf("after the kill generations %v hold %v; want generation %d holding %v", tb.gens, got, next, want)
	}
}

// Data directories of earlier versions mark a rewritten generation
// complete in its stream metadata, and their generations have no
// completion subject: open still replays from the newest one so marked.
func TestLogRewriteOfEarlierVersions(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	for gen, key := range []string{"gone", "a", "b"} {
		cfg := jetstream.StreamConfig{Name: "LEARLIER_" + strconv.Itoa(gen), Subjects: []string{"learlier." + strconv.Itoa(gen)},
			Storage: jetstream.FileStorage, MaxBytes: -1}
		if gen < 2 {
			cfg.Metadata = map[string]string{completeKey: "true"}
		}
		if _, err := s.js.CreateStream(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		group := appendOp([]byte{logVersion}, key, []byte("1"), 0)
		if _, err := s.js.Publish(ctx, cfg.Subjects[0], group); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]string{"a": "1", "b": "1"}
	tb := openLogTable(t, s, "LEARLIER")
	if got := scanAll(t, tb, ""); !maps.Equal(got, want) || !slices.Equal(tb.gens, []int{1, 2}) {
		t.Fatalf("generations %v hold %v; want generations [1 2] holding %v", tb.gens, got, want)
	}
	rewriteLog(t, tb)
	s.Close()

	s = openTest(t, dir)
	defer s.Close()
	tb = openLogTable(t, s, "LEARLIER")
	if got := scanAll(t, tb, ""); !maps.Equal(got, want) || !slices.Equal(tb.gens, []int{3}) {
		t.Fatalf("after a rewrite generations %v hold %v; want generation 3 holding %v", tb.gens, got, want)
	}
}
