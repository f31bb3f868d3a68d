// Package testnet gives tests loopback addresses that stay theirs while
// nothing listens on them: for a server a test starts, kills and starts
// again on the same address, or for a cluster whose nodes must know each
// other's addresses before any of them listens.
package testnet

import (
	"fmt"
	"math/rand/v2"
	"net"
	"testing"
)

// Ports returns n free loopback addresses (host:port), drawn below the
// kernel's ephemeral range (32768 and up on Linux). A port from a listen
// on :0 is free only until the test's server binds it, and every outgoing
// connection and other test's :0 on a busy machine draws from that range:
// one took a clustered node's route port (the node was "not ready" after
// 30 s), and a killed nubo's port can be taken so before its restart.
func Ports(t testing.TB, n int) []string {
	t.Helper()
	var addrs []string
	var lns []net.Listener
	for tries := 0; len(lns) < n; tries++ {
		if tries == 1000 {
			t.Fatal("testnet: no free loopback ports")
		}
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", 10000+rand.IntN(22000)))
		if err != nil {
			continue
		}
		lns = append(lns, ln)
		addrs = append(addrs, ln.Addr().String())
	}
	for _, ln := range lns {
		ln.Close()
	}
	return addrs
}

// Addr returns one free loopback address, as Ports does.
func Addr(t testing.TB) string {
	t.Helper()
	return Ports(t, 1)[0]
}
