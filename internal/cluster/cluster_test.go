package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/cluster"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/natsstore/natstest"
)

// counters is a Holder whose resources are counters held in memory, and
// the ledger of which node held what.
type counters struct {
	node string
	l    *ledger
	fail atomic.Bool // Acquire fails

	mu     sync.Mutex
	values map[string]int
}

type ledger struct {
	mu       sync.Mutex
	holders  map[string][]string // resource -> nodes that acquired it, in order
	released map[string]int
	// holding are the nodes holding each resource now; serving, when set,
	// tells whether a node serves, and taken lists every acquisition from
	// a node that was serving it.
	holding map[string]map[string]bool
	serving map[string]func() bool
	taken   []string
}

// acquired records that node acquired r, and whether it took r from a
// node that was serving it.
func (l *ledger) acquired(node, r string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.holders[r] = append(l.holders[r], node)
	if l.holding == nil {
		l.holding = map[string]map[string]bool{}
	}
	if l.holding[r] == nil {
		l.holding[r] = map[string]bool{}
	}
	for other := range l.holding[r] {
		if serving := l.serving[other]; serving != nil && serving() {
			l.taken = append(l.taken, fmt.Sprintf("%s took %s from %s, which served it", node, r, other))
		}
	}
	l.holding[r][node] = true
}

func (c *counters) Acquire(_ context.Context, r string) error {
	if c.fail.Load() {
		return errors.New("cannot load")
	}
	c.mu.Lock()
	c.values[r] = 0
	c.mu.Unlock()
	c.l.acquired(c.node, r)
	return nil
}

func (c *counters) Release(r string) {
	c.mu.Lock()
	delete(c.values, r)
	c.mu.Unlock()
	c.l.mu.Lock()
	c.l.released[r]++
	delete(c.l.holding[r], c.node)
	c.l.mu.Unlock()
}

type incIn struct {
	R string `json:"r"`
}
type incOut struct {
	Node  string `json:"node"`
	Value int    `json:"value"`
}

var errOdd = &awserr.Code{Name: "OddException", Status: http.StatusBadRequest}

// faultyKV is the cluster's bucket, whose deletes fail while failDelete
// is set, and puts (heartbeats) while failPut is.
type faultyKV struct {
	store.Watchable
	failDelete, failPut atomic.Bool
}

func (k *faultyKV) Put(ctx context.Context, key string, value []byte) (uint64, error) {
	if k.failPut.Load() {
		return 0, errors.New("nats: timeout")
	}
	return k.Watchable.Put(ctx, key, value)
}

func (k *faultyKV) Delete(ctx context.Context, key string) error {
	if k.failDelete.Load() {
		return errors.New("nats: no responders available for request")
	}
	return k.Watchable.Delete(ctx, key)
}

type node struct {
	kv  *faultyKV
	c   *cluster.Cluster
	h   *counters
	g   *cluster.Group
	inc *cluster.Op[incIn, incOut]
	// stop ends Run; gone is set once the node was stopped.
	stop context.CancelFunc
	done chan struct{}
}

// fastOptions are for tests that kill or stall a node: it is found dead
// soon. Under load a live node may fence itself too (a heartbeat can take
// longer than FenceAfter while the store elects a leader).
func fastOptions() cluster.Options {
	return cluster.Options{Beat: 100 * time.Millisecond, DeadAfter: 2 * time.Second, FenceAfter: 1500 * time.Millisecond, Settle: 500 * time.Millisecond}
}

// steadyOptions are for tests that kill no node: no live node fences
// itself or is found dead on a starved machine, so nothing moves. (The
// beat stays fast: stray claims and handovers happen at beats.)
func steadyOptions() cluster.Options {
	return cluster.Options{Beat: 100 * time.Millisecond, DeadAfter: 10 * time.Second, FenceAfter: 8 * time.Second, Settle: 500 * time.Millisecond}
}

func startNodes(t *testing.T, l *ledger) ([]*node, []*natstest.Node) {
	return startNodesWith(t, l, fastOptions())
}

func startNodesWith(t *testing.T, l *ledger, base cluster.Options) ([]*node, []*natstest.Node) {
	ctx := context.Background()
	stores := natstest.Start(t, 3)
	nodes := make([]*node, 3)
	for i, st := range stores {
		kv, err := st.Store.KV(ctx, "cluster")
		if err != nil {
			t.Fatal(err)
		}
		bus, err := st.Store.Bus()
		if err != nil {
			t.Fatal(err)
		}
		opts := base
		fkv := &faultyKV{Watchable: kv.(store.Watchable)}
		opts.Node, opts.KV, opts.Bus = st.Name, fkv, bus
		if testing.Verbose() {
			opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
		c, err := cluster.Open(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		c.Codes(errOdd)
		n := &node{kv: fkv, c: c, h: &counters{node: st.Name, l: l, values: map[string]int{}}, done: make(chan struct{})}
		n.g = c.Group("counters", n.h)
		n.inc = cluster.NewOp(n.g, "counters.inc", func(in *incIn) string { return in.R }, func(_ context.Context, in *incIn) (*incOut, error) {
			n.h.mu.Lock()
			defer n.h.mu.Unlock()
			n.h.values[in.R]++
			if in.R == "odd" && n.h.values[in.R]%2 == 1 {
				return nil, awserr.New(errOdd, "odd %d", n.h.values[in.R])
			}
			return &incOut{Node: n.h.node, Value: n.h.values[in.R]}, nil
		})
		rctx, stop := context.WithCancel(ctx)
		n.stop = stop
		go func() { defer close(n.done); c.Run(rctx) }()
		nodes[i] = n
		t.Cleanup(func() { n.shutdown() })
	}
	// Every node sees the others' first heartbeats before the test begins:
	// one whose watch lagged (a loaded machine) could take a resource that
	// the node it prefers, unseen yet, would take over from it.
	for _, n := range nodes {
		if err := n.c.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return nodes, stores
}

func (n *node) shutdown() {
	select {
	case <-n.done:
		return
	default:
	}
	n.stop()
	<-n.done
	n.c.Close()
}

// Operations on a resource, sent to any node, all run on the one node
// that holds it, in order; errors come back as the same AWS error.
func TestClusterOperationsRunWhereTheResourceIsHeld(t *testing.T) {
	ctx := context.Background()
	l := &ledger{holders: map[string][]string{}, released: map[string]int{}}
	nodes, _ := startNodesWith(t, l, steadyOptions())
	for r := 0; r < 6; r++ {
		name := fmt.Sprintf("r%d", r)
		var holder string
		for i := 1; i <= 30; i++ {
			out, err := nodes[i%3].inc.Do(ctx, &incIn{R: name})
			if err != nil {
				t.Fatalf("%s, call %d on %s: %v", name, i, nodes[i%3].c.Self(), err)
			}
			if out.Value != i {
				t.Fatalf("%s, call %d on %s: counter %d on %s", name, i, nodes[i%3].c.Self(), out.Value, out.Node)
			}
			if holder == "" {
				holder = out.Node
			} else if out.Node != holder {
				t.Fatalf("%s moved from %s to %s", name, holder, out.Node)
			}
		}
	}
	l.mu.Lock()
	for r, hs := range l.holders {
		if len(hs) != 1 {
			t.Errorf("%s was acquired by %v", r, hs)
		}
	}
	l.mu.Unlock()
	_, err := nodes[0].inc.Do(ctx, &incIn{R: "odd"})
	_, err2 := nodes[1].inc.Do(ctx, &incIn{R: "odd"})
	_, err3 := nodes[2].inc.Do(ctx, &incIn{R: "odd"})
	if !errors.Is(err, errOdd) || err2 != nil || !errors.Is(err3, errOdd) {
		t.Errorf("errors across nodes: %v, %v, %v", err, err2, err3)
	}
}

// When the node holding a resource dies, another takes it over, and the
// operations sent meanwhile wait for it rather than fail. A survivor is
// fenced while the store elects new leaders, and an operation waits for
// that DeadAfter at most: on a loaded machine the election may take
// longer, and the operation fails with a 503 that a client retries.
func TestClusterResourceOutlivesItsNode(t *testing.T) {
	ctx := context.Background()
	l := &ledger{holders: map[string][]string{}, released: map[string]int{}}
	nodes, stores := startNodes(t, l)
	out, err := nodes[0].inc.Do(ctx, &incIn{R: "x"})
	if err != nil {
		t.Fatal(err)
	}
	var dead int
	for i, n := range nodes {
		if n.c.Self() == out.Node {
			dead = i
		}
	}
	nodes[dead].shutdown()
	stores[dead].Store.Close()
	stores[dead].Store = nil
	survivor := nodes[(dead+1)%3]
	start := time.Now()
	out2, err := survivor.inc.Do(ctx, &incIn{R: "x"})
	for deadline := start.Add(60 * time.Second); errors.Is(err, store.ErrUnavailable) && time.Now().Before(deadline); {
		t.Logf("after %s died, at %v: %v; retried as a client would", out.Node, time.Since(start), err)
		time.Sleep(100 * time.Millisecond)
		out2, err = survivor.inc.Do(ctx, &incIn{R: "x"})
	}
	if err != nil {
		t.Fatalf("after %s died: %v", out.Node, err)
	}
	if out2.Node == out.Node || out2.Value != 1 {
		t.Errorf("after %s died: counter %d on %s", out.Node, out2.Value, out2.Node)
	}
	t.Logf("taken over by %s in %v", out2.Node, time.Since(start))
	for i := 0; i < 10; i++ {
		n := nodes[(dead+1+i%2)%3]
		o, err := n.inc.Do(ctx, &incIn{R: "x"})
		// A survivor may still be fenced (the store electing leaders on a
		// loaded machine): it changed nothing, and a client retries.
		for deadline := time.Now().Add(60 * time.Second); store.Unchanged(err) && time.Now().Before(deadline); {
			time.Sleep(100 * time.Millisecond)
			o, err = n.inc.Do(ctx, &incIn{R: "x"})
		}
		if err != nil || o.Node != out2.Node || o.Value != i+2 {
			t.Fatalf("call %d after the takeover: %+v, %v", i, o, err)
		}
	}
}

// Tracked resources are held without being used, each by one node, and
// are released once no longer tracked.
func TestClusterTrackedResourcesAreHeld(t *testing.T) {
	l := &ledger{holders: map[string][]string{}, released: map[string]int{}}
	nodes, _ := startNodesWith(t, l, steadyOptions())
	var all []string
	for i := 0; i < 12; i++ {
		all = append(all, fmt.Sprintf("t%d", i))
	}
	for _, n := range nodes {
		n.g.Track(all)
	}
	// A node that starts first may take them all, then hand them over as
	// the others settle.
	waitFor(t, func() bool {
		held := 0
		holding := map[string]bool{}
		for _, r := range all {
			for _, n := range nodes {
				if n.g.Holds(r) {
					held++
					holding[n.c.Self()] = true
				}
			}
		}
		return held == len(all) && len(holding) > 1
	}, "every tracked resource held once, on more than one node")
	for _, n := range nodes {
		n.g.Track(all[:6])
	}
	waitFor(t, func() bool {
		for _, r := range all[6:] {
			for _, n := range nodes {
				if n.g.Holds(r) {
					return false
				}
			}
		}
		return true
	}, "untracked resources released")
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A node whose acquisition failed and whose claim could not be deleted
// (the store out of reach) gives the claim up, and the resource is served
// again once loading works: it was "moving between nodes" for good.
func TestClusterStrayClaimIsGivenUp(t *testing.T) {
	ctx := context.Background()
	l := &ledger{holders: map[string][]string{}, released: map[string]int{}}
	nodes, _ := startNodesWith(t, l, steadyOptions())
	for _, n := range nodes {
		n.h.fail.Store(true)
		n.kv.failDelete.Store(true)
	}
	if _, err := nodes[0].inc.Do(ctx, &incIn{R: "s"}); err == nil {
		t.Fatal("an operation on a resource that cannot be loaded succeeded")
	}
	for _, n := range nodes {
		n.h.fail.Store(false)
		n.kv.failDelete.Store(false)
	}
	for i, n := range nodes {
		var err error
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if _, err = n.inc.Do(ctx, &incIn{R: "s"}); err == nil {
				break
			}
		}
		if err != nil {
			t.Fatalf("through node %d once loading works: %v", i+1, err)
		}
	}
}

// A node whose heartbeats could not be stored for longer than DeadAfter
// (its store stalled, the others' did not) is fenced meanwhile and finds,
// once it beats again, the others alive: it takes nothing they serve. (It
// used to find them dead at once, its view of their last heartbeats being
// as old as its own, and claimed their resources while they served them.)
func TestClusterStalledNodeTakesNothingServed(t *testing.T) {
	l := &ledger{holders: map[string][]string{}, released: map[string]int{}, serving: map[string]func() bool{}}
	nodes, _ := startNodes(t, l)
	var all []string
	for i := 0; i < 12; i++ {
		all = append(all, fmt.Sprintf("s%d", i))
	}
	l.mu.Lock()
	for _, n := range nodes {
		l.serving[n.c.Self()] = n.c.Serving
	}
	l.mu.Unlock()
	for _, n := range nodes {
		n.g.Track(all)
	}
	heldBy := func(n *node) int {
		held := 0
		for _, r := range all {
			if n.g.Holds(r) {
				held++
			}
		}
		return held
	}
	waitFor(t, func() bool {
		return heldBy(nodes[0])+heldBy(nodes[1])+heldBy(nodes[2]) == len(all) && heldBy(nodes[1]) > 0
	},
		"every resource held, some by the node to stall")
	nodes[1].kv.failPut.Store(true)
	time.Sleep(fastOptions().DeadAfter + 2*time.Second)
	nodes[1].kv.failPut.Store(false)
	waitFor(t, nodes[1].c.Serving, "the stalled node serving again")
	time.Sleep(time.Second)
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, v := range l.taken {
		t.Error(v)
	}
}
