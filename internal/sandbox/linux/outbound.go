package linux

import (
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"net/netip"
	"os/exec"
	"strings"

	"golang.org/x/sys/unix"
)

// outbound gives sandboxes a route to the outside: each gets a veth pair,
// a /31 of the subnet and a default route to the host, which masquerades
// its traffic out of whatever interface the host's routes pick. An
// nftables table of the driver's own keeps sandboxes from the host itself
// (every address, loopback included), from each other, from link-local
// addresses (cloud metadata services) and from IPv6.
type outbound struct {
	log    *slog.Logger
	subnet netip.Prefix
	table  string // nftables table (inet family)
	prefix string // host-side interface names start with it
	slots  *idPool
	fw     *forwarding
}

// vethPrefix starts the host-side names of every nubo's veth pairs.
const vethPrefix = "nb"

type veth struct {
	slot int
	name string
}

// newOutbound installs the driver's nftables table (replacing one a
// previous run left) and turns on IPv4 forwarding.
func newOutbound(subnet, name string, log *slog.Logger) (*outbound, error) {
	p, err := netip.ParsePrefix(subnet)
	if err != nil || !p.Addr().Is4() || p.Bits() > 24 {
		return nil, fmt.Errorf("outbound network: subnet %q must be an IPv4 range of at least /24", subnet)
	}
	if _, err := exec.LookPath("nft"); err != nil {
		return nil, errors.New("outbound network: needs nft (the nftables package)")
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	tag := h.Sum32() & 0xfff
	o := &outbound{
		log:    log,
		subnet: p.Masked(),
		table:  fmt.Sprintf("nubo_%03x", tag),
		prefix: fmt.Sprintf("%s%03x.", vethPrefix, tag),
		slots:  newIDPool(0, 1<<(32-p.Bits()-1)),
	}
	installed := false
	fw, err := enableForwarding(forwardRecord, ipForward, func(wasOff bool) error {
		installed = true
		return o.install(wasOff)
	})
	if err != nil {
		if installed {
			o.uninstall()
		}
		return nil, fmt.Errorf("outbound network: %w", err)
	}
	o.fw = fw
	return o, nil
}

// rules are the driver's nftables table; wasOff is whether the host's
// forwarding was off before nubo's.
func (o *outbound) rules(wasOff bool) string {
	s, any := o.subnet.String(), o.prefix+"*"
	var b strings.Builder
	fmt.Fprintf(&b, "table inet %s {}\ndelete table inet %s\ntable inet %s {\n", o.table, o.table, o.table)
	fmt.Fprintf(&b, "  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n")
	fmt.Fprintf(&b, "    ip saddr %s oifname != %q masquerade\n  }\n", s, any)
	fmt.Fprintf(&b, "  chain forward {\n    type filter hook forward priority filter; policy accept;\n")
	fmt.Fprintf(&b, "    iifname %q meta nfproto ipv6 drop\n", any)
	fmt.Fprintf(&b, "    iifname %q ip daddr { %s, 169.254.0.0/16, 127.0.0.0/8, 224.0.0.0/4, 255.255.255.255 } drop\n", any, s)
	fmt.Fprintf(&b, "    oifname %q ct state established,related accept\n", any)
	fmt.Fprintf(&b, "    oifname %q drop\n", any)
	if wasOff {
		// Forwarding was off: keep it off for everything but sandboxes
		// (any nubo's: another may share the host's forwarding).
		fmt.Fprintf(&b, "    iifname != %q oifname != %q drop\n", vethPrefix+"*", vethPrefix+"*")
	}
	fmt.Fprintf(&b, "  }\n  chain input {\n    type filter hook input priority filter; policy accept;\n")
	fmt.Fprintf(&b, "    iifname %q drop\n  }\n}\n", any)
	return b.String()
}

func (o *outbound) install(wasOff bool) error {
	cmd := exec.Command("nft", "-f", "-")
	cmd.Stdin = strings.NewReader(o.rules(wasOff))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("outbound network: install nftables rules: %w: %s", err, out)
	}
	return nil
}

func (o *outbound) uninstall() error {
	out, err := exec.Command("nft", "delete", "table", "inet", o.table).CombinedOutput()
	if err != nil {
		return fmt.Errorf("outbound network: remove nftables rules: %w: %s", err, out)
	}
	return nil
}

// close puts forwarding back (when no other nubo uses it), then removes
// the rules.
func (o *outbound) close() error {
	return errors.Join(o.fw.release(), o.uninstall())
}

// addrs returns the host's and the sandbox's address of a slot.
func (o *outbound) addrs(slot int) (host, sb netip.Addr) {
	base := o.subnet.Addr().As4()
	n := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	n += uint32(2 * slot)
	host = netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
	return host, host.Next()
}

// attach gives the sandbox of PID 1 behind pidfd (pid in nubo's
// namespace) its veth pair.
func (o *outbound) attach(pid, pidfd int) (*veth, error) {
	slot, ok := o.slots.get()
	if !ok {
		return nil, errors.New("outbound network: subnet exhausted")
	}
	v := &veth{slot: slot, name: fmt.Sprintf("%s%x", o.prefix, slot)}
	if err := o.setup(v, pid, pidfd); err != nil {
		o.release(v)
		return nil, err
	}
	return v, nil
}

func (o *outbound) setup(v *veth, pid, pidfd int) error {
	hostIP, sbIP := o.addrs(v.slot)
	nl, err := dialNetlink()
	if err != nil {
		return err
	}
	defer nl.Close()
	err = nl.addVeth(v.name, "eth0", pid)
	if errors.Is(err, unix.EEXIST) {
		// A previous sandbox's pair not yet gone with its namespace.
		nl.deleteLink(v.name)
		err = nl.addVeth(v.name, "eth0", pid)
	}
	if err != nil {
		return err
	}
	ifi, err := net.InterfaceByName(v.name)
	if err != nil {
		return fmt.Errorf("find %s: %w", v.name, err)
	}
	if err := nl.addAddr(ifi.Index, netip.PrefixFrom(hostIP, 31)); err != nil {
		return err
	}
	if err := nl.linkUp(ifi.Index); err != nil {
		return err
	}
	return inNamespaces(pidfd, unix.CLONE_NEWNET, func() error {
		nl, err := dialNetlink()
		if err != nil {
			return err
		}
		defer nl.Close()
		ifi, err := net.InterfaceByName("eth0")
		if err != nil {
			return fmt.Errorf("find eth0: %w", err)
		}
		if err := nl.addAddr(ifi.Index, netip.PrefixFrom(sbIP, 31)); err != nil {
			return err
		}
		if err := nl.linkUp(ifi.Index); err != nil {
			return err
		}
		return nl.addDefaultRoute(ifi.Index, hostIP)
	})
}

// release frees the slot; the pair itself goes with the sandbox's network
// namespace.
func (o *outbound) release(v *veth) { o.slots.put(v.slot) }
