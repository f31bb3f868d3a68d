package cluster_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
)

// A node's heartbeat carries the applied entries it reports; a live node
// cannot be forgotten, a dead one can (and is no longer listed), and a
// node that leaves removes its own heartbeat.
func TestClusterReportForgetLeave(t *testing.T) {
	ctx := context.Background()
	l := &ledger{holders: map[string][]string{}, released: map[string]int{}}
	nodes, _ := startNodes(t, l)
	var applied atomic.Uint64
	applied.Store(42)
	nodes[1].c.ReportApplied("log", applied.Load)
	listed := func(name string) (uint64, bool) {
		if err := nodes[0].c.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		for _, m := range nodes[0].c.Nodes() {
			if m.Name == name {
				return m.Applied["log"], true
			}
		}
		return 0, false
	}
	name1, name2 := nodes[1].c.Self(), nodes[2].c.Self()
	waitFor(t, func() bool { v, _ := listed(name1); return v == 42 }, "the reported applied entry in the heartbeat")

	if err := nodes[0].c.Forget(ctx, name1); err == nil || !strings.Contains(err.Error(), "alive") {
		t.Fatalf("forget a live node: %v, want refused", err)
	}
	if err := nodes[0].c.Forget(ctx, "nobody"); err == nil || !strings.Contains(err.Error(), "not a node") {
		t.Fatalf("forget an unknown node: %v, want refused", err)
	}
	nodes[1].shutdown()
	waitFor(t, func() bool { return nodes[0].c.Forget(ctx, name1) == nil }, "forgetting the stopped node")
	if _, ok := listed(name1); ok {
		t.Fatalf("%s is listed after it was forgotten", name1)
	}

	nodes[2].shutdown()
	if err := nodes[2].c.Leave(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := listed(name2); ok {
		t.Fatalf("%s is listed after it left", name2)
	}
}
