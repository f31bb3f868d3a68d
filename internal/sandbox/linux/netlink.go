package linux

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"

	"github.com/nubo-dev/nubo/internal/netlink"
)

// A minimal rtnetlink client: just what giving a sandbox a veth pair, an
// address and a default route takes.

type nlConn struct{ *netlink.Conn }

// dialNetlink opens a route netlink socket in the calling thread's network
// namespace.
func dialNetlink() (*nlConn, error) {
	c, err := netlink.Dial(unix.NETLINK_ROUTE)
	if err != nil {
		return nil, err
	}
	return &nlConn{c}, nil
}

// request sends one message and waits for its acknowledgement.
func (c *nlConn) request(typ uint16, flags uint16, body []byte) error {
	_, err := c.Request(typ, flags|unix.NLM_F_ACK, body)
	return err
}

func ifinfo(index int32, flags, change uint32) []byte {
	b := make([]byte, unix.SizeofIfInfomsg)
	b[0] = unix.AF_UNSPEC
	binary.LittleEndian.PutUint32(b[4:], uint32(index))
	binary.LittleEndian.PutUint32(b[8:], flags)
	binary.LittleEndian.PutUint32(b[12:], change)
	return b
}

// addVeth creates the pair name (here) and peer (in the network namespace
// of pid).
func (c *nlConn) addVeth(name, peer string, pid int) error {
	peerInfo := netlink.Attrs(ifinfo(0, 0, 0)).Str(unix.IFLA_IFNAME, peer).U32(unix.IFLA_NET_NS_PID, uint32(pid))
	data := netlink.Attrs(nil).Add(1 /* VETH_INFO_PEER */, peerInfo)
	info := netlink.Attrs(nil).Str(unix.IFLA_INFO_KIND, "veth").Add(unix.IFLA_INFO_DATA|unix.NLA_F_NESTED, data)
	body := netlink.Attrs(ifinfo(0, 0, 0)).Str(unix.IFLA_IFNAME, name).Add(unix.IFLA_LINKINFO|unix.NLA_F_NESTED, info)
	if err := c.request(unix.RTM_NEWLINK, unix.NLM_F_CREATE|unix.NLM_F_EXCL, body); err != nil {
		return fmt.Errorf("add veth %s: %w", name, err)
	}
	return nil
}

func (c *nlConn) deleteLink(name string) error {
	body := netlink.Attrs(ifinfo(0, 0, 0)).Str(unix.IFLA_IFNAME, name)
	if err := c.request(unix.RTM_DELLINK, 0, body); err != nil {
		return fmt.Errorf("delete link %s: %w", name, err)
	}
	return nil
}

func (c *nlConn) linkUp(index int) error {
	if err := c.request(unix.RTM_NEWLINK, 0, ifinfo(int32(index), unix.IFF_UP, unix.IFF_UP)); err != nil {
		return fmt.Errorf("set link up: %w", err)
	}
	return nil
}

func (c *nlConn) addAddr(index int, p netip.Prefix) error {
	b := make([]byte, unix.SizeofIfAddrmsg)
	b[0], b[1] = unix.AF_INET, byte(p.Bits())
	binary.LittleEndian.PutUint32(b[4:], uint32(index))
	ip := p.Addr().AsSlice()
	body := netlink.Attrs(b).Add(unix.IFA_LOCAL, ip).Add(unix.IFA_ADDRESS, ip)
	if err := c.request(unix.RTM_NEWADDR, unix.NLM_F_CREATE|unix.NLM_F_EXCL, body); err != nil {
		return fmt.Errorf("add address %s: %w", p, err)
	}
	return nil
}

func (c *nlConn) addDefaultRoute(index int, gw netip.Addr) error {
	b := make([]byte, unix.SizeofRtMsg)
	b[0] = unix.AF_INET
	b[4], b[5], b[6], b[7] = unix.RT_TABLE_MAIN, unix.RTPROT_BOOT, unix.RT_SCOPE_UNIVERSE, unix.RTN_UNICAST
	body := netlink.Attrs(b).Add(unix.RTA_GATEWAY, gw.AsSlice()).U32(unix.RTA_OIF, uint32(index))
	if err := c.request(unix.RTM_NEWROUTE, unix.NLM_F_CREATE|unix.NLM_F_EXCL, body); err != nil {
		return fmt.Errorf("add default route: %w", err)
	}
	return nil
}
