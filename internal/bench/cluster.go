package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// ClusterOptions configures RunCluster.
type ClusterOptions struct {
	// Source is the nubo repository: nubo and the no-op function are
	// built from it.
	Source string
	// Concurrency and Duration are the warm invoke load's.
	Concurrency int
	Duration    time.Duration
	// Enqueues is how many Event invocations the enqueue latency times.
	Enqueues int
	// CPUs, when set, pins every node (and the functions it starts) to
	// these CPUs with taskset (a list as taskset -c takes it), so that one
	// node and three have the same cores.
	CPUs    string
	Sandbox string
	Logf    func(format string, args ...any)
}

// ClusterStats is one deployment's figures.
type ClusterStats struct {
	Nodes int
	// Warm is invokes of the no-op function spread over the nodes.
	Warm Stats
	// Enqueue is the latency of one Event invocation after another
	// through the first node: stored (on a majority of nodes, in a
	// cluster) when it answers.
	Enqueue Stats
}

// ClusterReport compares one node with a cluster of three.
type ClusterReport struct {
	Single, Cluster ClusterStats
	CPUs            string
}

// Print writes the report.
func (r *ClusterReport) Print(w io.Writer) {
	pinned := "not pinned"
	if r.CPUs != "" {
		pinned = "every node pinned to CPUs " + r.CPUs
	}
	fmt.Fprintf(w, "nubo bench --cluster (%s)\n", pinned)
	for _, s := range []ClusterStats{r.Single, r.Cluster} {
		fmt.Fprintf(w, "%d node(s): warm %s\n", s.Nodes, s.Warm)
		fmt.Fprintf(w, "%d node(s): async enqueue %s\n", s.Nodes, s.Enqueue)
	}
	if r.Single.Warm.PerSec > 0 {
		fmt.Fprintf(w, "warm invoke rate, 3 nodes / 1 node: %.2f\n", r.Cluster.Warm.PerSec/r.Single.Warm.PerSec)
	}
}

// RunCluster measures warm invokes and asynchronous enqueues on one nubo,
// then on a cluster of three (nubo serve --cluster, routes on loopback),
// each node a process of its own.
func RunCluster(ctx context.Context, opts ClusterOptions) (*ClusterReport, error) {
	dir, err := os.MkdirTemp("", "nubo-bench-cluster-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	nubo := filepath.Join(dir, "nubo")
	build := exec.Command("go", "build", "-o", nubo, "./cmd/nubo")
	build.Dir = opts.Source
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build nubo: %v: %s", err, out)
	}
	zipped, err := NoopZip(opts.Source)
	if err != nil {
		return nil, err
	}
	rep := &ClusterReport{CPUs: opts.CPUs}
	into := []*ClusterStats{&rep.Single, &rep.Cluster}
	for i, n := range []int{1, 3} {
		opts.Logf("bench: %d node(s)", n)
		nodes, err := startNodes(ctx, nubo, filepath.Join(dir, fmt.Sprint(n)), n, opts)
		if err != nil {
			return nil, err
		}
		s, err := measureNodes(ctx, nodes, zipped, opts)
		stopNodes(nodes)
		if err != nil {
			return nil, err
		}
		*into[i] = s
	}
	return rep, nil
}

// benchNode is one nubo serve.
type benchNode struct {
	addr string
	cmd  *exec.Cmd
	done chan struct{}
}

// freePorts returns n free loopback ports.
func freePorts(n int) ([]string, error) {
	var ports []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ports = append(ports, ln.Addr().String())
		defer ln.Close() // held until all are chosen, so that they differ
	}
	return ports, nil
}

// startNodes starts n nodes over dir (one alone, not clustered) and waits
// until each answers.
func startNodes(ctx context.Context, nubo, dir string, n int, opts ClusterOptions) ([]*benchNode, error) {
	addrs, err := freePorts(2 * n)
	if err != nil {
		return nil, err
	}
	var nodes []*benchNode
	for i := range n {
		args := []string{"serve", "--addr", addrs[i], "--data-dir", filepath.Join(dir, fmt.Sprint(i)), "--log-level", "error"}
		if opts.Sandbox != "" {
			args = append(args, "--sandbox", opts.Sandbox)
		}
		if n > 1 {
			var peers []string
			for j := range n {
				if j != i {
					peers = append(peers, addrs[n+j])
				}
			}
			args = append(args, "--cluster", "--node-name", fmt.Sprintf("n%d", i+1), "--cluster-listen", addrs[n+i],
				"--cluster-peers", strings.Join(peers, ","), "--cluster-token", "bench")
		}
		argv := append([]string{nubo}, args...)
		if opts.CPUs != "" {
			argv = append([]string{"taskset", "-c", opts.CPUs}, argv...)
		}
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			stopNodes(nodes)
			return nil, err
		}
		nd := &benchNode{addr: addrs[i], cmd: cmd, done: make(chan struct{})}
		go func() { cmd.Wait(); close(nd.done) }()
		nodes = append(nodes, nd)
	}
	for _, nd := range nodes {
		if err := waitAnswers(ctx, nd); err != nil {
			stopNodes(nodes)
			return nil, err
		}
	}
	return nodes, nil
}

// waitAnswers waits until nd answers HTTP (a cluster's nodes start once a
// majority of them is up).
func waitAnswers(ctx context.Context, nd *benchNode) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := http.Get("http://" + nd.addr + "/")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-nd.done:
			return fmt.Errorf("node %s ended while starting", nd.addr)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("node %s did not answer within 2 minutes", nd.addr)
		}
	}
}

func stopNodes(nodes []*benchNode) {
	for _, nd := range nodes {
		nd.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, nd := range nodes {
		select {
		case <-nd.done:
		case <-time.After(15 * time.Second):
			nd.cmd.Process.Kill()
			<-nd.done
		}
	}
}

// measureNodes deploys the no-op function through the first node, warms
// it on every node, and measures.
func measureNodes(ctx context.Context, nodes []*benchNode, zipped []byte, opts ClusterOptions) (ClusterStats, error) {
	s := ClusterStats{Nodes: len(nodes)}
	if err := CreateRole(ctx, nodes[0].addr); err != nil {
		return s, err
	}
	var clients []*client
	for _, nd := range nodes {
		clients = append(clients, newClient("http://"+nd.addr, opts.Concurrency))
	}
	if err := clients[0].deploy(ctx, "noop", zipped); err != nil {
		return s, err
	}
	for _, c := range clients {
		if err := invokeOnce(ctx, c); err != nil {
			return s, err
		}
	}
	var next atomic.Int64
	spread := func(ctx context.Context) error {
		return clients[int(next.Add(1))%len(clients)].invoke(ctx, "noop")
	}
	clients[0].loadFunc(ctx, opts.Concurrency, time.Second, spread) // warm-up: environments on every node
	s.Warm = clients[0].loadFunc(ctx, opts.Concurrency, opts.Duration, spread)
	s.Enqueue = clients[0].enqueues(ctx, opts.Enqueues, 0)
	return s, nil
}

// invokeOnce invokes until one succeeds: a node that has just joined may
// not know the function for a moment.
func invokeOnce(ctx context.Context, c *client) error {
	deadline := time.Now().Add(time.Minute)
	for {
		err := c.invoke(ctx, "noop")
		if err == nil || time.Now().After(deadline) || errors.Is(err, context.Canceled) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}
