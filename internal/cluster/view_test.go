package cluster

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// watching is a Cluster of node "self" whose watch is fed by hand.
type watching struct {
	c   *Cluster
	rev uint64
}

func newWatching() *watching {
	return &watching{c: &Cluster{opts: Options{DeadAfter: 2 * time.Second, FenceAfter: time.Second}, log: slog.New(slog.DiscardHandler),
		self: Info{Name: "self", Incarnation: "s"}, members: map[string]*member{}, claims: map[string]claim{}, groups: map[string]*Group{}}}
}

// beat delivers a heartbeat of node name, begun at at.
func (w *watching) beat(name string, beat uint64, at time.Time) {
	w.rev++
	data, _ := json.Marshal(Info{Name: name, Incarnation: name[:1], Beat: beat, At: at})
	w.c.changed(store.Change{Key: store.Key(nodePrefix, name), Value: data, Revision: w.rev})
}

func (w *watching) live(name string) bool {
	w.c.mu.Lock()
	defer w.c.mu.Unlock()
	return w.c.liveLocked(name, name[:1])
}

// A node whose own heartbeats could not be stored for a while (fenced)
// must not find dead, once one is stored, a node whose heartbeat was
// stored a moment before: that node was alive all along. (It found it
// dead, claimed its queue while it served it, and the sends that node
// acknowledged meanwhile were lost.)
func TestLiveAfterOwnHeartbeatsStalled(t *testing.T) {
	w := newWatching()
	start := time.Now()
	w.beat("self", 1, start.Add(-3*time.Second)) // the last own heartbeat stored before the stall
	w.beat("other", 7, start.Add(-100*time.Millisecond))
	w.beat("self", 2, start.Add(-50*time.Millisecond)) // begun before other's was stored, stored after it
	if !w.live("other") {
		t.Fatal("a node whose heartbeat was stored a moment ago is found dead")
	}
}

// A node whose heartbeat the watch has not delivered while this node's
// own went on for DeadAfter is dead, however late the watch runs.
func TestDeadAfterOwnHeartbeatsWentOn(t *testing.T) {
	w := newWatching()
	now := time.Now()
	w.beat("other", 7, now.Add(-5*time.Second))
	w.beat("self", 1, now.Add(time.Second))
	if !w.live("other") {
		t.Fatal("dead before DeadAfter")
	}
	w.beat("self", 2, now.Add(2100*time.Millisecond))
	if w.live("other") {
		t.Fatal("alive DeadAfter after its heartbeat was delivered")
	}
}

// claimedKV is a bucket in which another node claimed the key taken.
type claimedKV struct {
	store.Watchable
	taken string
}

func (k claimedKV) Update(_ context.Context, key string, _ []byte, rev uint64) (uint64, error) {
	if key == k.taken {
		return 0, store.ErrRevision
	}
	return rev + 10, nil
}

// released records the resources a Group released.
type released []string

func (r *released) Acquire(context.Context, string) error { return nil }
func (r *released) Release(resource string)               { *r = append(*r, resource) }

// After a long fence a node renews the claims of what it holds: one that
// another node claimed meanwhile (the watch may not have brought that
// claim yet) is dropped, the others are kept with their new revisions.
func TestRenewDropsWhatAnotherNodeClaimed(t *testing.T) {
	c := newWatching().c
	var rel released
	g := c.Group("g", &rel)
	c.kv = claimedKV{taken: g.key("a")}
	for i, r := range []string{"a", "b"} {
		g.held[r] = &holding{ready: true}
		c.claims[g.key(r)] = claim{Node: "self", Incarnation: "s", rev: uint64(3 + i)}
	}
	if err := g.renew(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(rel) != 1 || rel[0] != "a" || g.held["a"] != nil || g.held["b"] == nil {
		t.Fatalf("released %v, held %v: want a released, b held", rel, g.held)
	}
	if cl, ok := c.claims[g.key("b")]; !ok || cl.rev != 14 {
		t.Fatalf("b's claim %+v, want revision 14", cl)
	}
	if _, ok := c.claims[g.key("a")]; ok {
		t.Fatal("a's replaced claim is still this node's")
	}
}

func (k claimedKV) Put(context.Context, string, []byte) (uint64, error) { return 1, nil }

type synced struct{}

func (synced) Sync(context.Context) error { return nil }

// A node whose heartbeats stopped for longer than the others wait before
// they find it dead (a paused process: Run could not fence it) serves
// again only once it has read and renewed its claims.
func TestPausedNodeRenewsBeforeServing(t *testing.T) {
	c := newWatching().c
	c.opts.Beat = 250 * time.Millisecond
	var rel released
	g := c.Group("g", &rel)
	c.kv, c.follow, c.serving = claimedKV{taken: g.key("a")}, synced{}, make(chan struct{})
	close(c.serving)
	g.held["a"] = &holding{ready: true}
	c.claims[g.key("a")] = claim{Node: "self", Incarnation: "s", rev: 3}
	c.beatOK = time.Now().Add(-3 * time.Second)
	if err := c.beat(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.Serving() || c.Fences() != 1 {
		t.Fatalf("serving %v after a pause longer than DeadAfter, %d fences; want fenced once", c.Serving(), c.Fences())
	}
	c.checkFence(context.Background(), true)
	if !c.Serving() || len(rel) != 1 || g.held["a"] != nil {
		t.Fatalf("serving %v, released %v: want serving, with a (claimed by another node meanwhile) released", c.Serving(), rel)
	}
}
