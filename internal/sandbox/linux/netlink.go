package linux

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// A minimal rtnetlink client: just what giving a sandbox a veth pair, an
// address and a default route takes.

type nlConn struct {
	fd  int
	seq uint32
}

// dialNetlink opens a route netlink socket in the calling thread's network
// namespace.
func dialNetlink() (*nlConn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("netlink socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("bind netlink: %w", err)
	}
	return &nlConn{fd: fd}, nil
}

func (c *nlConn) close() { unix.Close(c.fd) }

// request sends one message and waits for its acknowledgement.
func (c *nlConn) request(typ uint16, flags uint16, body []byte) error {
	c.seq++
	msg := make([]byte, unix.NLMSG_HDRLEN, unix.NLMSG_HDRLEN+len(body))
	msg = append(msg, body...)
	le := binary.LittleEndian
	le.PutUint32(msg[0:], uint32(len(msg)))
	le.PutUint16(msg[4:], typ)
	le.PutUint16(msg[6:], flags|unix.NLM_F_REQUEST|unix.NLM_F_ACK)
	le.PutUint32(msg[8:], c.seq)
	if err := unix.Sendto(c.fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink send: %w", err)
	}
	buf := make([]byte, 4096)
	for {
		n, _, err := unix.Recvfrom(c.fd, buf, 0)
		if err != nil {
			return fmt.Errorf("netlink receive: %w", err)
		}
		for b := buf[:n]; len(b) >= unix.NLMSG_HDRLEN; {
			l := int(le.Uint32(b[0:]))
			if l < unix.NLMSG_HDRLEN || l > len(b) {
				return errors.New("netlink: malformed reply")
			}
			typ, seq, data := le.Uint16(b[4:]), le.Uint32(b[8:]), b[unix.NLMSG_HDRLEN:l]
			b = b[min(len(b), (l+3)&^3):]
			if seq != c.seq || typ != unix.NLMSG_ERROR {
				continue
			}
			if len(data) < 4 {
				return errors.New("netlink: short error message")
			}
			if errno := int32(le.Uint32(data)); errno != 0 {
				return unix.Errno(-errno)
			}
			return nil
		}
	}
}

// attrs builds a list of netlink attributes.
type attrs []byte

func (a attrs) add(typ uint16, data []byte) attrs {
	l := unix.SizeofRtAttr + len(data)
	h := make([]byte, unix.SizeofRtAttr)
	binary.LittleEndian.PutUint16(h[0:], uint16(l))
	binary.LittleEndian.PutUint16(h[2:], typ)
	a = append(append(a, h...), data...)
	for len(a)%4 != 0 {
		a = append(a, 0)
	}
	return a
}

func (a attrs) str(typ uint16, s string) attrs { return a.add(typ, append([]byte(s), 0)) }

func (a attrs) u32(typ uint16, v uint32) attrs {
	return a.add(typ, binary.LittleEndian.AppendUint32(nil, v))
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
	peerInfo := attrs(ifinfo(0, 0, 0)).str(unix.IFLA_IFNAME, peer).u32(unix.IFLA_NET_NS_PID, uint32(pid))
	data := attrs(nil).add(1 /* VETH_INFO_PEER */, peerInfo)
	info := attrs(nil).str(unix.IFLA_INFO_KIND, "veth").add(unix.IFLA_INFO_DATA|unix.NLA_F_NESTED, data)
	body := attrs(ifinfo(0, 0, 0)).str(unix.IFLA_IFNAME, name).add(unix.IFLA_LINKINFO|unix.NLA_F_NESTED, info)
	if err := c.request(unix.RTM_NEWLINK, unix.NLM_F_CREATE|unix.NLM_F_EXCL, body); err != nil {
		return fmt.Errorf("add veth %s: %w", name, err)
	}
	return nil
}

func (c *nlConn) deleteLink(name string) error {
	body := attrs(ifinfo(0, 0, 0)).str(unix.IFLA_IFNAME, name)
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
	body := attrs(b).add(unix.IFA_LOCAL, ip).add(unix.IFA_ADDRESS, ip)
	if err := c.request(unix.RTM_NEWADDR, unix.NLM_F_CREATE|unix.NLM_F_EXCL, body); err != nil {
		return fmt.Errorf("add address %s: %w", p, err)
	}
	return nil
}

func (c *nlConn) addDefaultRoute(index int, gw netip.Addr) error {
	b := make([]byte, unix.SizeofRtMsg)
	b[0] = unix.AF_INET
	b[4], b[5], b[6], b[7] = unix.RT_TABLE_MAIN, unix.RTPROT_BOOT, unix.RT_SCOPE_UNIVERSE, unix.RTN_UNICAST
	body := attrs(b).add(unix.RTA_GATEWAY, gw.AsSlice()).u32(unix.RTA_OIF, uint32(index))
	if err := c.request(unix.RTM_NEWROUTE, unix.NLM_F_CREATE|unix.NLM_F_EXCL, body); err != nil {
		return fmt.Errorf("add default route: %w", err)
	}
	return nil
}
