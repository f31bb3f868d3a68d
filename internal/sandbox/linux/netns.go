package linux

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// netns is a sandbox network namespace that the driver reuses: creating
// one and having the kernel tear it down again is the largest single cost
// of a sandbox. Reuse is safe because a sandbox's processes have no
// capabilities there (they cannot change its interfaces, addresses, routes
// or firewall), every socket they opened dies with them, and nubo closes
// the listeners it opened in it when the sandbox stops. What remains is the
// loopback interface, already up, and in outbound mode the veth pair with
// its addresses and route.
type netns struct {
	fd   int
	veth *veth // outbound mode
}

// listenReused listens at address in a namespace that may be reused. The
// last sandbox's listener there, closed by nubo, can live on for a moment
// in a process nubo was forking as it closed: the child holds a copy of
// nubo's descriptors until its execve has closed them, which finishes a
// little after the fork has returned to nubo (a pool's next PID 1 then met
// "address already in use" at its Runtime API, a few times a second at
// c=1). The listen is tried again for up to 2 s: on a loaded machine the
// child can wait longer than 100 ms for a CPU before it closes them, and
// with 100 ms TestBenchStartRate's Creates failed so, beside a run of the
// suite and stress-ng.
func listenReused(network, address string) (net.Listener, error) {
	return listenWaiting(network, address, 2*time.Second)
}

// listenWaiting listens at address, trying again for up to wait while the
// address is in use.
func listenWaiting(network, address string, wait time.Duration) (net.Listener, error) {
	deadline := time.Now().Add(wait)
	for {
		ln, err := net.Listen(network, address)
		if err == nil || !errors.Is(err, unix.EADDRINUSE) || time.Now().After(deadline) {
			return ln, err
		}
		time.Sleep(time.Millisecond)
	}
}

// maxIdleNetns bounds the namespaces kept for reuse.
const maxIdleNetns = 256

func openNetns(pid int) (*netns, error) {
	fd, err := unix.Open("/proc/"+strconv.Itoa(pid)+"/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open network namespace: %w", err)
	}
	return &netns{fd: fd}, nil
}

// idleNetns takes a namespace to reuse, or returns nil.
func (d *Driver) idleNetns() *netns {
	d.netMu.Lock()
	defer d.netMu.Unlock()
	if len(d.idleNets) == 0 {
		return nil
	}
	n := d.idleNets[len(d.idleNets)-1]
	d.idleNets = d.idleNets[:len(d.idleNets)-1]
	return n
}

// reuseNetns keeps a namespace whose sandbox is gone for the next one.
func (d *Driver) reuseNetns(n *netns) {
	d.netMu.Lock()
	if len(d.idleNets) < maxIdleNetns && !d.closed {
		d.idleNets = append(d.idleNets, n)
		n = nil
	}
	d.netMu.Unlock()
	if n != nil {
		d.closeNetns(n)
	}
}

// closeNetns lets the kernel destroy the namespace (and its veth pair).
func (d *Driver) closeNetns(n *netns) {
	unix.Close(n.fd)
	if n.veth != nil {
		d.net.release(n.veth)
	}
}

// closeIdleNetns drops every namespace kept for reuse.
func (d *Driver) closeIdleNetns() {
	d.netMu.Lock()
	idle := d.idleNets
	d.idleNets, d.closed = nil, true
	d.netMu.Unlock()
	for _, n := range idle {
		d.closeNetns(n)
	}
}
