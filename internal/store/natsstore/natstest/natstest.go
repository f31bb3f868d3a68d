// Package natstest starts clusters of embedded natsstore nodes on
// loopback for tests: each node's routes on a port of its own, every node
// naming every other as a peer, as a real cluster's nodes do.
package natstest

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/store/natsstore"
	"github.com/nubo-dev/nubo/internal/testnet"
)

// Node is one node of a test cluster.
type Node struct {
	Name  string
	Dir   string
	Opts  natsstore.Options
	Store *natsstore.Store
}

// Options are the store options of node i (from 0) of a cluster whose
// nodes' routes are at routes, with data under dir. Its NATS client
// listener is on a random port, which may take a port testnet.Ports gave
// another node before it listens: Start sets Listen to avoid that.
func Options(dir string, routes []string, i int) natsstore.Options {
	var peers []string
	for j, r := range routes {
		if j != i {
			peers = append(peers, r)
		}
	}
	name := fmt.Sprintf("n%d", i+1)
	return natsstore.Options{
		Dir:      filepath.Join(dir, name),
		Node:     name,
		Cluster:  &natsstore.Cluster{Listen: routes[i], Peers: peers, Token: "test-token"},
		Replicas: min(3, len(routes)),
	}
}

// SkipRace skips t under the race detector, which finds a data race
// inside nats-server's clustered JetStream itself (2.15.2 and 2.15.3:
// jetstream_batching.go's commit creates expectedPerSubjectSequence under
// a lock that jetstream_cluster.go's applyStreamMsgOp does not take to
// read it), so clustered tests run without it (scripts/test runs them
// again so: go test -run Cluster).
func SkipRace(t testing.TB) {
	t.Helper()
	if race {
		t.Skip("a clustered nats-server races with itself (see natstest.SkipRace); run without -race")
	}
}

// Start starts n nodes (in parallel: each waits for a majority) and closes
// them when the test ends.
func Start(t testing.TB, n int) []*Node {
	t.Helper()
	SkipRace(t)
	dir := t.TempDir()
	ports := testnet.Ports(t, 2*n)
	routes, clients := ports[:n], ports[n:]
	nodes := make([]*Node, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range nodes {
		opts := Options(dir, routes, i)
		opts.Listen = clients[i]
		nodes[i] = &Node{Name: opts.Node, Dir: opts.Dir, Opts: opts}
		wg.Add(1)
		go func() {
			defer wg.Done()
			nodes[i].Store, errs[i] = Open(opts)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: %v", i+1, err)
		}
	}
	t.Cleanup(func() {
		for _, n := range nodes {
			if n.Store != nil {
				n.Store.Close()
			}
		}
	})
	return nodes
}

// Open opens one node, waiting up to a minute for its cluster.
func Open(opts natsstore.Options) (*natsstore.Store, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return natsstore.Open(ctx, opts)
}
