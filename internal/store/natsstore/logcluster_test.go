package natsstore_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
	"github.com/nubo-dev/nubo/internal/store/natsstore/natstest"
	"github.com/nubo-dev/nubo/internal/testnet"
)

// startLogCluster starts 3 nodes whose writes time out after 3 s (a
// clustered rewrite waits that long after sealing), closed when t ends.
func startLogCluster(t *testing.T) []*natstest.Node {
	t.Helper()
	natstest.SkipRace(t)
	dir := t.TempDir()
	ports := testnet.Ports(t, 6)
	nodes := make([]*natstest.Node, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range nodes {
		opts := natstest.Options(dir, ports[:3], i)
		opts.Listen, opts.WriteTimeout = ports[3+i], 3*time.Second
		nodes[i] = &natstest.Node{Name: opts.Node, Dir: opts.Dir, Opts: opts}
		wg.Go(func() { nodes[i].Store, errs[i] = natstest.Open(opts) })
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, n := range nodes {
			if n.Store != nil {
				n.Store.Close()
			}
		}
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: %v", i+1, err)
		}
	}
	return nodes
}

// logModel is what a clustered log table must hold: each node writes the
// rows under its own prefix (as a queue's holder does), and records a
// write once it is acknowledged.
type logModel struct {
	mu   sync.Mutex
	rows map[string]string
	// maybe holds, for a key that a write whose outcome nobody can know
	// (it timed out waiting for its ack: stored or not) touched, the
	// states besides rows' that the key may be in.
	maybe map[string][]rowState
	ops   int
}

// rowState is a row's value, or its absence.
type rowState struct {
	value   string
	present bool
}

// allows reports whether the model lets key be in state (v, present).
func (m *logModel) allows(key, v string, present bool) bool {
	if w, ok := m.rows[key]; ok == present && (!present || v == w) {
		return true
	}
	for _, st := range m.maybe[key] {
		if st.present == present && (!present || st.value == v) {
			return true
		}
	}
	return false
}

// mayBe records that the keys may be in state st.
func (m *logModel) mayBe(st rowState, keys ...string) {
	if m.maybe == nil {
		m.maybe = map[string][]rowState{}
	}
	for _, k := range keys {
		m.maybe[k] = append(m.maybe[k], st)
	}
}

// unknownOutcome reports whether a write failed without anyone knowing
// whether it was stored: it timed out waiting for its ack, as one may on a
// loaded machine while a stream elects a leader.
func unknownOutcome(err error) bool {
	return errors.Is(err, jetstream.ErrAsyncPublishTimeout) || errors.Is(err, nats.ErrAsyncPublishTimeout) ||
		errors.Is(err, nats.ErrTimeout) || errors.Is(err, context.DeadlineExceeded)
}

// write applies a random operation of node i on tb: a set, a deletion,
// now and then a purge of a prefix.
func (m *logModel) write(ctx context.Context, tb store.Table, i int, rng *rand.Rand) error {
	prefix := fmt.Sprintf("n%d.%d", i, rng.IntN(4))
	key := fmt.Sprintf("%s.%d", prefix, rng.IntN(40))
	under := func(k string) bool { return strings.HasPrefix(k, prefix+".") }
	var err error
	var record func()                                // applies the write to the model once it is stored
	var maybe rowState                               // the state it leaves its keys in
	keys := func() []string { return []string{key} } // the keys it touches; m.mu is held
	switch n := rng.IntN(100); {
	case n < 2:
		err = tb.(interface {
			Purge(context.Context, string) error
		}).Purge(ctx, prefix)
		record = func() { maps.DeleteFunc(m.rows, func(k, _ string) bool { return under(k) }) }
		keys = func() (ks []string) {
			for k := range m.rows {
				if under(k) {
					ks = append(ks, k)
				}
			}
			for k := range m.maybe {
				if under(k) {
					ks = append(ks, k)
				}
			}
			return ks
		}
	case n < 25:
		err = tb.Write(store.Row{Key: key}).Wait(ctx)
		record = func() { delete(m.rows, key) }
	default:
		value := fmt.Sprintf("%d %0200d", rng.Int64(), 0)
		err = tb.Write(store.Row{Key: key, Value: []byte(value)}).Wait(ctx)
		record = func() { m.rows[key] = value }
		maybe = rowState{value, true}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case unknownOutcome(err):
		m.mayBe(maybe, keys()...)
		return nil
	case err != nil:
		return err
	}
	record()
	m.ops++
	return nil
}

// during runs fn while every table in tbs (node i's is tbs[i]) takes
// writes from its own goroutine, and returns fn's error.
func (m *logModel) during(t *testing.T, tbs []store.Table, fn func() error) error {
	t.Helper()
	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, tb := range tbs {
		if tb == nil {
			continue
		}
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := m.write(ctx, tb, i, rng); err != nil && !notTaken(err) {
					t.Errorf("node %d: %v", i+1, err)
					return
				}
			}
		})
	}
	err := fn()
	close(stop)
	wg.Wait()
	return err
}

// notTaken reports whether a write failed with no stream taking it, as
// one does while a stream elects a leader after a node left: the log
// refuses it at once (its group cannot be published again behind the
// groups after it), and it changed nothing.
func notTaken(err error) bool {
	return errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders)
}

// check fails t unless every table in tbs replays the model's rows.
func (m *logModel) check(t *testing.T, tbs []store.Table, when string) {
	t.Helper()
	m.mu.Lock()
	want := maps.Clone(m.rows)
	m.mu.Unlock()
	for i, tb := range tbs {
		if tb == nil {
			continue
		}
		got := map[string]string{}
		scan := func() error {
			clear(got)
			return tb.Scan(context.Background(), "", func(r store.Row) bool {
				got[r.Key] = string(r.Value)
				return true
			})
		}
		// A node just back, on a loaded machine, may not reach a stream's
		// leader for a while: unavailable, which a client retries.
		err := scan()
		for deadline := time.Now().Add(60 * time.Second); errors.Is(err, store.ErrUnavailable) && time.Now().Before(deadline); {
			t.Logf("%s: node %d: %v; scanned again", when, i+1, err)
			time.Sleep(100 * time.Millisecond)
			err = scan()
		}
		if err != nil {
			t.Fatalf("%s: node %d: %v", when, i+1, err)
		}
		m.mu.Lock()
		for k, v := range want {
			if g, ok := got[k]; !m.allows(k, g, ok) {
				t.Errorf("%s: node %d replays %s = %.20q (present %v), want %.20q", when, i+1, k, g, ok, v)
			}
		}
		for k, v := range got {
			if !m.allows(k, v, true) {
				t.Errorf("%s: node %d replays %s, deleted", when, i+1, k)
			}
		}
		m.mu.Unlock()
	}
}

func openLogTables(t *testing.T, nodes []*natstest.Node, name string) []store.Table {
	t.Helper()
	tbs := make([]store.Table, len(nodes))
	for i, n := range nodes {
		tb, err := n.Store.LogTable(context.Background(), name, strings.ToLower(name))
		if err != nil {
			t.Fatal(err)
		}
		tbs[i] = tb
	}
	return tbs
}

// Three nodes append to one log table at once while it is rewritten,
// again and again (a small compactAt): every node replays exactly the
// rows acknowledged, none lost and none deleted revived, during the
// rewrites and after them.
func TestClusterLogRewrite(t *testing.T) {
	nodes := startLogCluster(t)
	for _, n := range nodes {
		natsstore.SetLogRewrite(n.Store, 32<<10, time.Minute)
	}
	tbs := openLogTables(t, nodes, "CLOG")
	m := &logModel{rows: map[string]string{}}
	ctx := context.Background()
	for round := 0; round < 3; round++ {
		start, err := natsstore.LogGenerations(ctx, tbs[0])
		if err != nil {
			t.Fatal(err)
		}
		err = m.during(t, tbs, func() error {
			deadline := time.Now().Add(time.Minute)
			for time.Now().Before(deadline) {
				gens, err := natsstore.LogGenerations(ctx, tbs[0])
				if err != nil {
					return err
				}
				if gens[0] > start[len(start)-1] {
					return nil // a rewrite that began after start completed
				}
				time.Sleep(100 * time.Millisecond)
			}
			return errors.New("no rewrite completed within a minute")
		})
		if err != nil {
			t.Fatal(err)
		}
		m.check(t, tbs, fmt.Sprintf("round %d", round))
	}
	t.Logf("%d operations", m.ops)
}

// A rewrite stopped after each of its steps (its node gone on writing, as
// a rewriter cut off would) leaves every node's replay whole, and another
// node's rewrite redoes it, while all three write.
func TestClusterLogRewriteInterrupted(t *testing.T) {
	nodes := startLogCluster(t)
	for _, n := range nodes {
		natsstore.SetLogRewrite(n.Store, 1<<62, time.Minute)
	}
	ctx := context.Background()
	for _, step := range []string{"claimed", "sealed", "copied", "marked"} {
		tbs := openLogTables(t, nodes, "CINT"+step)
		m := &logModel{rows: map[string]string{}}
		m.during(t, tbs, func() error { time.Sleep(200 * time.Millisecond); return nil })
		if err := m.during(t, tbs, func() error { return rewritePlaced(ctx, tbs[0], step) }); !errors.Is(err, natsstore.ErrStopped) {
			t.Fatalf("rewrite stopped after %s: %v", step, err)
		}
		m.check(t, tbs, "after a rewrite stopped after "+step)
		if err := m.during(t, tbs, func() error { return rewritePlaced(ctx, tbs[1], "") }); err != nil {
			t.Fatalf("rewrite after one stopped after %s: %v", step, err)
		}
		m.during(t, tbs, func() error { time.Sleep(200 * time.Millisecond); return nil })
		m.check(t, tbs, "after a rewrite redid one stopped after "+step)
		if gens, err := natsstore.LogGenerations(ctx, tbs[2]); err != nil || len(gens) != 1 {
			t.Errorf("live generations after the redo: %v, %v", gens, err)
		}
	}
}

// A rewriter killed mid-rewrite (its store closed after sealing) is
// redone by another node while the others write; the killed node, back,
// replays the same rows.
func TestClusterLogRewriterKilled(t *testing.T) {
	nodes := startLogCluster(t)
	for _, n := range nodes {
		natsstore.SetLogRewrite(n.Store, 1<<62, time.Minute)
	}
	ctx := context.Background()
	tbs := openLogTables(t, nodes, "CKILL")
	m := &logModel{rows: map[string]string{}}
	m.during(t, tbs, func() error { time.Sleep(300 * time.Millisecond); return nil })
	if err := m.during(t, tbs[1:], func() error { return rewritePlaced(ctx, tbs[0], "sealed") }); !errors.Is(err, natsstore.ErrStopped) {
		t.Fatal(err)
	}
	nodes[0].Store.Close()
	nodes[0].Store = nil
	alive := []store.Table{nil, tbs[1], tbs[2]}
	// The redo creates a generation, which JetStream cannot place on
	// three nodes once it knows that one is gone: the rewrite then waits
	// for its return, and the rows stay as they were meanwhile. (JetStream
	// learns it at times: seen when the meta group's leader was the node
	// closed.)
	err := m.during(t, alive, func() error { return rewriteAgain(ctx, tbs[2], "", store.Unchanged) })
	unplaced := noPeers(err)
	if err != nil && !unplaced {
		t.Fatal(err)
	}
	m.check(t, alive, "after the redo")
	s, err := natstest.Open(nodes[0].Opts)
	if err != nil {
		t.Fatal(err)
	}
	nodes[0].Store = s
	tbs[0] = openLogTables(t, nodes[:1], "CKILL")[0]
	redo := func() error { time.Sleep(300 * time.Millisecond); return nil }
	if unplaced {
		t.Log("the redo waited for the rewriter's return: JetStream knew it was gone and could not place a generation")
		redo = func() error { return rewritePlaced(ctx, tbs[2], "") }
	}
	if err := m.during(t, tbs, redo); err != nil {
		t.Fatal(err)
	}
	m.check(t, tbs, "after the rewriter's restart")
}

// rewritePlaced runs natsstore.RewriteLog(ctx, tb, step) again while
// JetStream cannot place a generation's replicas or the store answers
// unavailable having changed nothing, for up to 20 s: until it knows a node
// that came back is back, in a cluster's first seconds, when the meta leader
// has not yet heard from every node (a claim then fails with "peer offline"
// and creates nothing), and on a machine so loaded that a stream's leader
// does not answer in time.
func rewritePlaced(ctx context.Context, tb store.Table, step string) error {
	return rewriteAgain(ctx, tb, step, func(err error) bool { return noPeers(err) || store.Unchanged(err) })
}

// rewriteAgain runs natsstore.RewriteLog(ctx, tb, step) again, for up to
// 20 s, while again says its error will pass.
func rewriteAgain(ctx context.Context, tb store.Table, step string, again func(error) bool) error {
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		err := natsstore.RewriteLog(ctx, tb, step)
		if err == nil || !again(err) || time.Now().After(deadline) {
			return err
		}
	}
}

// noPeers reports JetStream's "no suitable peers for placement".
func noPeers(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == 10005
}
