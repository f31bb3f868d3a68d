package natsstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/nubo-dev/nubo/internal/store"
)

func openTest(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestKV(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	defer s.Close()
	kv, err := s.KV(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Get(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get missing: got %v, want ErrNotFound", err)
	}
	k := store.Key("fn", "$LATEST", "a.b")
	rev, err := kv.Create(ctx, k, []byte("one"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Create(ctx, k, []byte("two")); !errors.Is(err, store.ErrExists) {
		t.Fatalf("create twice: got %v, want ErrExists", err)
	}
	if _, err := kv.Update(ctx, k, []byte("two"), rev+100); !errors.Is(err, store.ErrRevision) {
		t.Fatalf("update stale: got %v, want ErrRevision", err)
	}
	if _, err := kv.Update(ctx, k, []byte("two"), rev); err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(ctx, k)
	if err != nil || string(e.Value) != "two" {
		t.Fatalf("get: %q %v", e.Value, err)
	}
	kv.Put(ctx, store.Key("fn", "other"), []byte("x"))
	kv.Put(ctx, store.Key("ver", "x"), []byte("x"))
	keys, err := kv.Keys(ctx, store.Key("fn"))
	if err != nil {
		t.Fatal(err)
	}
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

func TestDurableAcrossRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	kv, _ := s.KV(ctx, "test")
	kv.Put(ctx, "k", []byte("v"))
	obs, err := s.Objects(ctx, "code")
	if err != nil {
		t.Fatal(err)
	}
	blob := bytes.Repeat([]byte("0123456789"), 300000)
	if err := obs.Put(ctx, "blob", bytes.NewReader(blob)); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = openTest(t, dir)
	defer s.Close()
	kv, _ = s.KV(ctx, "test")
	if e, err := kv.Get(ctx, "k"); err != nil || string(e.Value) != "v" {
		t.Fatalf("after restart: %q %v", e.Value, err)
	}
	obs, _ = s.Objects(ctx, "code")
	r, err := obs.Get(ctx, "blob")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if !bytes.Equal(got, blob) {
		t.Fatalf("object changed across restart: %d bytes", len(got))
	}
	if _, err := obs.Get(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing object: %v", err)
	}
}

func TestKeyRoundTrip(t *testing.T) {
	for _, tok := range []string{"", "a", "$LATEST", "a.b=c", "ünï", "x y/z"} {
		k := store.Key("p", tok)
		if got := store.SplitKey(k)[1]; got != tok {
			t.Errorf("round trip %q: got %q (key %q)", tok, got, k)
		}
	}
}

func TestStream(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	st, err := s.Stream(ctx, "TEST", "t", StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		st.Append(store.Key("t", "a", "x"), []byte{byte('0' + i)})
		st.Append(store.Key("t", "b", "y"), []byte{byte('5' + i)})
	}
	if err := st.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var got []byte
	st.Read(ctx, "t.a.>", time.Time{}, false, func(m store.Message) bool {
		got = append(got, m.Data...)
		return true
	})
	if string(got) != "01234" {
		t.Fatalf("read a: %q", got)
	}
	subjects, err := st.Subjects(ctx, "t.>")
	if err != nil || len(subjects) != 2 || subjects["t.b.y"] != 5 {
		t.Fatalf("subjects %v %v", subjects, err)
	}
	s.Close()

	s = openTest(t, dir)
	defer s.Close()
	st, _ = s.Stream(ctx, "TEST", "t", StreamOptions{})
	fctx, cancel := context.WithCancel(ctx)
	seen := make(chan string, 20)
	go st.Read(fctx, "t.b.>", time.Time{}, true, func(m store.Message) bool {
		seen <- string(m.Data)
		return true
	})
	for i := 0; i < 5; i++ {
		if v := <-seen; v != string(rune('5'+i)) {
			t.Fatalf("follow after restart got %q", v)
		}
	}
	st.Append("t.b.y", []byte("new"))
	select {
	case v := <-seen:
		if v != "new" {
			t.Fatalf("followed %q", v)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("follow did not see the new message")
	}
	cancel()
}

func TestWorkQueue(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	q, err := s.WorkQueue(ctx, "JOBS", "jobs", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	q.Publish(ctx, "jobs.a", []byte("later"), start.Add(700*time.Millisecond))
	q.Publish(ctx, "jobs.a", []byte("now"), time.Time{})
	q.Publish(ctx, "jobs.a", []byte("lost"), time.Time{})
	got := make(chan string, 10)
	cctx, cancel := context.WithCancel(ctx)
	go q.Consume(cctx, "jobs.a", 10, func(j store.Job) {
		got <- string(j.Data())
		if string(j.Data()) != "lost" { // "lost" is never done: it comes back after the lease
			j.Done()
		}
	})
	var order []string
	for len(order) < 4 {
		select {
		case d := <-got:
			order = append(order, fmt.Sprintf("%s@%v", d, time.Since(start) > 600*time.Millisecond))
		case <-time.After(5 * time.Second):
			t.Fatalf("got only %v", order)
		}
	}
	want := map[string]bool{"now@false": true, "lost@false": true, "later@true": true, "lost@true": true}
	for _, o := range order {
		if !want[o] {
			t.Fatalf("unexpected delivery %s in %v", o, order)
		}
	}
	cancel()
	subjects, err := q.Subjects(ctx)
	if err != nil || len(subjects) != 1 || subjects[0] != "jobs.a" {
		t.Fatalf("subjects %v %v", subjects, err)
	}
	s.Close()
}

func TestStreamPurgeAndReplace(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	defer s.Close()
	st, err := s.Stream(ctx, "T", "t", StreamOptions{AllowRollup: true})
	if err != nil {
		t.Fatal(err)
	}
	count := func(filter string) uint64 {
		t.Helper()
		subjects, err := st.Subjects(ctx, filter)
		if err != nil {
			t.Fatal(err)
		}
		var n uint64
		for _, c := range subjects {
			n += c
		}
		return n
	}
	st.Append("t.a", []byte("old"))
	st.Append("t.b", []byte("old"))
	st.Flush(ctx)
	time.Sleep(20 * time.Millisecond)
	cut := time.Now()
	st.Append("t.a", []byte("new"))
	st.Flush(ctx)
	if err := st.Purge(ctx, "t.a", cut); err != nil {
		t.Fatal(err)
	}
	if got := count("t.a"); got != 1 {
		t.Errorf("t.a after purging before the cut: got %d messages, want 1", got)
	}
	if got := count("t.b"); got != 1 {
		t.Errorf("t.b must be untouched: got %d messages, want 1", got)
	}
	if err := st.Purge(ctx, "t.>", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := count("t.>"); got != 0 {
		t.Errorf("after purging everything: got %d messages", got)
	}
	for i := 0; i < 5; i++ {
		st.Append("t.c", []byte("record"))
	}
	st.Replace("t.c", []byte("snapshot"))
	st.Append("t.c", []byte("after"))
	st.Flush(ctx)
	var got []string
	st.Read(ctx, "t.c", time.Time{}, false, func(m store.Message) bool {
		got = append(got, string(m.Data))
		return true
	})
	if strings.Join(got, ",") != "snapshot,after" {
		t.Errorf("after Replace: got %q, want snapshot,after", got)
	}
	if err := st.Purge(ctx, "t.c", time.Time{}); err != nil || count("t.c") != 0 {
		t.Errorf("purge all: %v, %d left", err, count("t.c"))
	}
}

// An embedded server that listens (--nats-listen) refuses clients without
// the token of its data directory, which only nubo's user can read.
func TestListenNeedsToken(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s, err := Open(ctx, Options{Dir: dir, Listen: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.KV(ctx, "kv"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, TokenFile)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, info.Mode().Perm())
	}
	if nc, err := nats.Connect("nats://"+addr, nats.MaxReconnects(0)); err == nil {
		nc.Close()
		t.Fatal("a client without the token was let in")
	}
	if nc, err := nats.Connect("nats://"+addr, nats.Token("not-the-token"), nats.MaxReconnects(0)); err == nil {
		nc.Close()
		t.Fatal("a client with a wrong token was let in")
	}
	token, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect("nats://"+addr, nats.Token(strings.TrimSpace(string(token))))
	if err != nil {
		t.Fatalf("a client with the token: %v", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.KeyValue(ctx, "kv"); err != nil {
		t.Fatalf("a client with the token cannot use JetStream: %v", err)
	}

	// The same token after a restart; a token file others can read is
	// refused.
	s.Close()
	s2, err := Open(ctx, Options{Dir: dir, Listen: addr})
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if s3, err := Open(ctx, Options{Dir: dir, Listen: addr}); err == nil {
		s3.Close()
		t.Fatal("a token file readable by others was accepted")
	}
}
