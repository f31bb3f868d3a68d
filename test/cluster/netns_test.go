package cluster

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// network is the test's own network: a namespace per node and one for
// the client, which holds the bridge the nodes' veths are plugged into.
// Every address lives inside these namespaces; nothing is routed out of
// them, so no traffic leaves the machine.
type network struct {
	t      testing.TB
	prefix string // namespace names' prefix, unique per run
	client string // the client's namespace
	nodes  []string
}

// subnet is the network's /24; namespaces do not share addresses, so
// parallel runs may use the same.
const subnet = "10.231.7."

// clientIP is the client's address, on the bridge.
const clientIP = subnet + "100"

func nodeIP(i int) string { return fmt.Sprintf("%s%d", subnet, i+1) }

// newNetwork creates the namespaces of n nodes and the client.
func newNetwork(t testing.TB, n int) *network {
	nw := &network{t: t, prefix: fmt.Sprintf("nubo%d", os.Getpid())}
	nw.client = nw.prefix + "c"
	t.Cleanup(nw.remove)
	nw.ip("netns", "add", nw.client)
	nw.in(nw.client, "ip", "link", "set", "lo", "up")
	nw.in(nw.client, "ip", "link", "add", "br0", "type", "bridge")
	nw.in(nw.client, "ip", "addr", "add", clientIP+"/24", "dev", "br0")
	nw.in(nw.client, "ip", "link", "set", "br0", "up")
	for i := range n {
		ns := fmt.Sprintf("%sn%d", nw.prefix, i+1)
		nw.nodes = append(nw.nodes, ns)
		nw.ip("netns", "add", ns)
		port := fmt.Sprintf("p%d", i+1)
		nw.ip("link", "add", port, "netns", nw.client, "type", "veth", "peer", "name", "eth0", "netns", ns)
		nw.in(nw.client, "ip", "link", "set", port, "master", "br0", "up")
		nw.in(ns, "ip", "link", "set", "lo", "up")
		nw.in(ns, "ip", "addr", "add", nodeIP(i)+"/24", "dev", "eth0")
		nw.in(ns, "ip", "link", "set", "eth0", "up")
	}
	return nw
}

// ip runs ip(8) in the test's own namespace.
func (nw *network) ip(args ...string) {
	nw.t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		nw.t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// in runs a command inside namespace ns.
func (nw *network) in(ns string, argv ...string) {
	nw.t.Helper()
	args := append([]string{"netns", "exec", ns}, argv...)
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		nw.t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// partition drops, inside node i's namespace, every packet to and from the
// other nodes; the client still reaches it.
func (nw *network) partition(i int) {
	var others []string
	for j := range nw.nodes {
		if j != i {
			others = append(others, nodeIP(j))
		}
	}
	set := "{ " + strings.Join(others, ", ") + " }"
	rules := "table inet partition {\n" +
		" chain in { type filter hook input priority 0; ip saddr " + set + " drop; }\n" +
		" chain out { type filter hook output priority 0; ip daddr " + set + " drop; }\n}\n"
	cmd := exec.Command("ip", "netns", "exec", nw.nodes[i], "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		nw.t.Fatalf("nft: %v: %s", err, out)
	}
}

// heal undoes partition(i).
func (nw *network) heal(i int) {
	nw.in(nw.nodes[i], "nft", "delete", "table", "inet", "partition")
}

// remove kills what still runs in the namespaces and deletes them.
func (nw *network) remove() {
	for _, ns := range append([]string{nw.client}, nw.nodes...) {
		out, _ := exec.Command("ip", "netns", "pids", ns).Output()
		for _, pid := range strings.Fields(string(out)) {
			if pid == strconv.Itoa(os.Getpid()) {
				continue // a thread of the test's was dialing from there
			}
			exec.Command("kill", "-9", pid).Run()
		}
		exec.Command("ip", "netns", "del", ns).Run()
	}
}

// dial connects from inside the client's namespace: the socket is made by
// a thread that entered the namespace, and sockets stay in the namespace
// they were made in.
func (nw *network) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		c, err := nw.dialIn(ctx, network, addr)
		done <- result{c, err}
	}()
	r := <-done
	return r.c, r.err
}

// dialIn dials from the client's namespace on the calling goroutine's
// locked thread, and takes the thread back to its namespace; a thread
// that cannot go back stays locked and ends with its goroutine.
func (nw *network) dialIn(ctx context.Context, network, addr string) (net.Conn, error) {
	home, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(home)
	target, err := unix.Open("/var/run/netns/"+nw.client, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(target)
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		return nil, err
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if unix.Setns(home, unix.CLONE_NEWNET) == nil {
		runtime.UnlockOSThread()
	}
	return c, err
}
