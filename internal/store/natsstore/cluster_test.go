package natsstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
	"github.com/nubo-dev/nubo/internal/store/natsstore/natstest"
	"github.com/nubo-dev/nubo/internal/testnet"
)

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// A write acknowledged on one node is read on every other at once: reads
// go to the bucket's leader, and a watcher's Sync waits for it.
func TestClusterReadYourWrites(t *testing.T) {
	ctx := context.Background()
	nodes := natstest.Start(t, 3)
	kvs := make([]store.KV, 3)
	for i, n := range nodes {
		kvs[i] = must[store.KV](t)(n.Store.KV(ctx, "things"))
	}
	var mu sync.Mutex
	seen := map[string]string{}
	w := kvs[2].(store.Watchable)
	f := must[store.Follower](t)(w.Watch(ctx, "", func(c store.Change) {
		mu.Lock()
		defer mu.Unlock()
		if c.Deleted {
			delete(seen, c.Key)
		} else {
			seen[c.Key] = string(c.Value)
		}
	}))
	for i := 0; i < 50; i++ {
		key := fmt.Sprintf("k%d", i)
		must[uint64](t)(kvs[i%2].Put(ctx, key, []byte(key)))
		for j, kv := range kvs {
			e, err := kv.Get(ctx, key)
			if err != nil || string(e.Value) != key {
				t.Fatalf("node %d reads %s after the write on node %d: %q, %v", j+1, key, i%2+1, e.Value, err)
			}
		}
		if err := f.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		got := seen[key]
		mu.Unlock()
		if got != key {
			t.Fatalf("the watcher on node 3 has %s = %q after Sync", key, got)
		}
	}
	if err := kvs[0].Delete(ctx, "k3"); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	_, ok := seen["k3"]
	mu.Unlock()
	if ok {
		t.Error("the watcher kept a deleted key after Sync")
	}
	// Optimistic writes across nodes: one of two updates of a revision wins.
	e := must[store.Entry](t)(kvs[0].Get(ctx, "k1"))
	must[uint64](t)(kvs[1].Update(ctx, "k1", []byte("first"), e.Revision))
	if _, err := kvs[2].Update(ctx, "k1", []byte("second"), e.Revision); !errors.Is(err, store.ErrRevision) {
		t.Errorf("a stale update on another node: %v, want ErrRevision", err)
	}
}

func TestClusterBus(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	nodes := natstest.Start(t, 3)
	buses := make([]store.Bus, 3)
	for i, n := range nodes {
		buses[i] = must[store.Bus](t)(n.Store.Bus())
	}
	done := must[func()](t)(buses[1].Serve(ctx, "echo.n2", func(_ context.Context, data []byte) []byte {
		return append([]byte("n2:"), data...)
	}))
	defer func() { cancel(); done() }()
	// The subscription reaches the other servers a moment after Serve.
	got, err := buses[0].Request(ctx, "echo.n2", []byte("hi"))
	for deadline := time.Now().Add(30 * time.Second); errors.Is(err, store.ErrNoResponders) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		got, err = buses[0].Request(ctx, "echo.n2", []byte("hi"))
	}
	if err != nil || string(got) != "n2:hi" {
		t.Errorf("answer %q, %v", got, err)
	}
	if _, err := buses[2].Request(ctx, "echo.n9", []byte("hi")); !errors.Is(err, store.ErrNoResponders) {
		t.Errorf("a request nobody serves: %v, want ErrNoResponders", err)
	}
}

func TestClusterLog(t *testing.T) {
	ctx := context.Background()
	nodes := natstest.Start(t, 3)
	a := must[store.Log](t)(nodes[0].Store.Log(ctx, "LOG", "log.x"))
	b := must[store.Log](t)(nodes[1].Store.Log(ctx, "LOG", "log.x"))
	if first, last := must2(t)(a.Bounds(ctx)); first <= last {
		t.Fatalf("a new log has bounds %d..%d", first, last)
	}
	for i := uint64(0); i < 5; i++ {
		if seq := must[uint64](t)(a.Append(ctx, []byte{byte(i)}, i)); seq != i+1 {
			t.Fatalf("entry %d stored as %d", i+1, seq)
		}
	}
	if _, err := b.Append(ctx, []byte{9}, 3); !errors.Is(err, store.ErrRevision) {
		t.Errorf("an append after a stale entry: %v, want ErrRevision", err)
	}
	rctx, stop := context.WithCancel(ctx)
	var got []byte
	err := b.Read(rctx, 3, func(seq uint64, data []byte) error {
		got = append(got, data...)
		if seq == 5 {
			stop()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || string(got) != "\x02\x03\x04" {
		t.Errorf("read from 3: %q, %v", got, err)
	}
	must[struct{}](t)(struct{}{}, b.Truncate(ctx, 4))
	if first, last := must2(t)(a.Bounds(ctx)); first != 4 || last != 5 {
		t.Errorf("bounds after truncating: %d..%d", first, last)
	}
}

func must2(t *testing.T) func(a, b uint64, err error) (uint64, uint64) {
	return func(a, b uint64, err error) (uint64, uint64) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}

// A scan on one node finds every row acknowledged on another just before.
func TestClusterTableScan(t *testing.T) {
	ctx := context.Background()
	nodes := natstest.Start(t, 3)
	w := must[store.Table](t)(nodes[0].Store.Table(ctx, "T", "t"))
	r := must[store.Table](t)(nodes[2].Store.Table(ctx, "T", "t"))
	for round := 0; round < 5; round++ {
		var rows []store.Row
		for i := 0; i < 100; i++ {
			rows = append(rows, store.Row{Key: store.Key("q", fmt.Sprintf("r%d-%d", round, i)), Value: []byte("v")})
		}
		if err := w.Write(rows...).Wait(ctx); err != nil {
			t.Fatal(err)
		}
		n := 0
		if err := r.Scan(ctx, store.Key("q"), func(store.Row) bool { n++; return true }); err != nil {
			t.Fatal(err)
		}
		if want := 100 * (round + 1); n != want {
			t.Fatalf("round %d: the other node scans %d rows, want %d", round, n, want)
		}
	}
}

// A node cut off from the majority refuses writes with ErrUnavailable,
// and quickly.
func TestClusterMinorityRefusesWrites(t *testing.T) {
	ctx := context.Background()
	nodes := natstest.Start(t, 3)
	kv := must[store.KV](t)(nodes[0].Store.KV(ctx, "things"))
	must[uint64](t)(kv.Put(ctx, "a", []byte("1")))
	nodes[1].Store.Close()
	nodes[2].Store.Close()
	nodes[1].Store, nodes[2].Store = nil, nil
	deadline := time.Now().Add(20 * time.Second)
	for nodes[0].Store.Reachable() {
		if time.Now().After(deadline) {
			t.Fatal("the last node still thinks it reaches a majority")
		}
		time.Sleep(50 * time.Millisecond)
	}
	start := time.Now()
	_, err := kv.Put(ctx, "a", []byte("2"))
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("a write on the cut-off node: %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 5*time.Second { // quick, even on a loaded machine
		t.Errorf("the refusal took %v", d)
	}
}

// A node's single-node data is copied into the cluster on its first
// clustered start, and set aside.
func TestClusterMigratesSingleNodeData(t *testing.T) {
	natstest.SkipRace(t)
	ctx := context.Background()
	dir := t.TempDir()
	ports := testnet.Ports(t, 6)
	opts := make([]natsstore.Options, 3)
	for i := range opts {
		opts[i] = natstest.Options(dir, ports[:3], i)
		opts[i].Listen = ports[3+i]
	}
	single := must[*natsstore.Store](t)(natsstore.Open(ctx, natsstore.Options{Dir: opts[0].Dir}))
	kv := must[store.KV](t)(single.KV(ctx, "things"))
	must[uint64](t)(kv.Put(ctx, "kept", []byte("yes")))
	must[uint64](t)(kv.Put(ctx, "gone", []byte("no")))
	must[struct{}](t)(struct{}{}, kv.Delete(ctx, "gone"))
	st := must[store.Stream](t)(single.Stream(ctx, "S", "s", natsstore.StreamOptions{}))
	for i := 0; i < 10; i++ {
		must[struct{}](t)(struct{}{}, st.Store(ctx, "s.x", []byte{byte(i)}))
	}
	single.Close()

	stores := make([]*natsstore.Store, 3)
	var wg sync.WaitGroup
	for i := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if stores[i], err = natstest.Open(opts[i]); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	defer func() {
		for _, s := range stores {
			if s != nil {
				s.Close()
			}
		}
	}()
	if t.Failed() {
		return
	}
	ckv := must[store.KV](t)(stores[1].KV(ctx, "things"))
	if e, err := ckv.Get(ctx, "kept"); err != nil || string(e.Value) != "yes" {
		t.Errorf("kept after the migration: %q, %v", e.Value, err)
	}
	if _, err := ckv.Get(ctx, "gone"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a deleted key after the migration: %v", err)
	}
	if _, err := ckv.Deleted(ctx, "gone"); err != nil {
		t.Errorf("the deletion's record after the migration: %v", err)
	}
	cst := must[store.Stream](t)(stores[2].Stream(ctx, "S", "s", natsstore.StreamOptions{}))
	if n := must[map[string]uint64](t)(cst.Subjects(ctx, "s.>"))["s.x"]; n != 10 {
		t.Errorf("%d messages after the migration, want 10", n)
	}
	if _, err := os.Stat(filepath.Join(opts[0].Dir, natsstore.MigratedDir)); err != nil {
		t.Errorf("the single-node data was not set aside: %v", err)
	}
}

// Opening an existing object store leaves its stream as it is. Creating
// it again turned its direct gets back on until the opener turned them
// off, and a node whose handle was taken in between sent direct gets that
// no replica answered any more: "no responders" for as long as it ran.
func TestClusterObjectsOpenLeavesTheStream(t *testing.T) {
	ctx := context.Background()
	nodes := natstest.Start(t, 3)
	// Requests to update the stream, seen by each node's connection: a
	// node's own request reaches it before the request's answer does.
	updates := make([]*nats.Subscription, len(nodes))
	for i, n := range nodes {
		nc := natsstore.Conn(n.Store)
		sub, err := nc.SubscribeSync("$JS.API.STREAM.UPDATE.OBJ_things")
		if err == nil {
			err = nc.Flush()
		}
		if err != nil {
			t.Fatal(err)
		}
		updates[i] = sub
	}
	// Creating it updates it once, to read from the leader only.
	if _, err := nodes[0].Store.Objects(ctx, "things"); err != nil {
		t.Fatal(err)
	}
	if direct := allowsDirect(t, updates[0]); len(direct) == 0 || slices.Contains(direct, true) {
		t.Fatalf("the updates at its creation allow direct gets: %v, want one or more false", direct)
	}
	var stores []store.Objects
	for i, n := range nodes {
		obs, err := n.Store.Objects(ctx, "things")
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(allowsDirect(t, updates[i]), true) {
			t.Fatalf("opening it again through node %d allowed direct gets", i+1)
		}
		stores = append(stores, obs)
	}
	if err := stores[2].Put(ctx, "o", strings.NewReader("body")); err != nil {
		t.Fatal(err)
	}
	for i, obs := range stores {
		r, err := obs.Get(ctx, "o")
		if err != nil {
			t.Fatalf("get through node %d: %v", i+1, err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		if string(b) != "body" {
			t.Fatalf("through node %d: %q", i+1, b)
		}
	}
}

// allowsDirect lists, for each stream update sub has seen, whether it
// allows direct gets.
func allowsDirect(t *testing.T, sub *nats.Subscription) []bool {
	t.Helper()
	var out []bool
	for {
		msg, err := sub.NextMsg(100 * time.Millisecond)
		if err != nil {
			return out
		}
		var cfg struct {
			AllowDirect bool `json:"allow_direct"`
		}
		if err := json.Unmarshal(msg.Data, &cfg); err != nil {
			t.Fatal(err)
		}
		out = append(out, cfg.AllowDirect)
	}
}
