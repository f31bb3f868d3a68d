// Package netlink is a minimal netlink client: a socket, requests answered
// one at a time, and attributes. nubo speaks three families with it: route
// netlink (a linux sandbox's veth pair, address and route), sock_diag (the
// socket of a process sandbox's Runtime API caller) and generic netlink
// (a process's peak memory from taskstats).
package netlink

import (
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// Conn is a netlink socket of one protocol.
type Conn struct {
	fd  int
	seq uint32
	buf []byte
}

// Dial opens a socket of protocol (unix.NETLINK_ROUTE, ...) in the calling
// thread's network namespace.
func Dial(protocol int) (*Conn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, protocol)
	if err != nil {
		return nil, fmt.Errorf("netlink socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("bind netlink: %w", err)
	}
	return &Conn{fd: fd, buf: make([]byte, 8192)}, nil
}

// Close closes the socket.
func (c *Conn) Close() { unix.Close(c.fd) }

// Request sends a message of type typ with flags (NLM_F_REQUEST added)
// and body, and returns the payload of the kernel's answer to it: nil for
// an acknowledgement (NLM_F_ACK), an error for an error. The payload is
// valid until the next request.
func (c *Conn) Request(typ, flags uint16, body []byte) ([]byte, error) {
	c.seq++
	msg := make([]byte, unix.NLMSG_HDRLEN, unix.NLMSG_HDRLEN+len(body))
	msg = append(msg, body...)
	ne := binary.NativeEndian
	ne.PutUint32(msg[0:], uint32(len(msg)))
	ne.PutUint16(msg[4:], typ)
	ne.PutUint16(msg[6:], flags|unix.NLM_F_REQUEST)
	ne.PutUint32(msg[8:], c.seq)
	if err := unix.Sendto(c.fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, fmt.Errorf("netlink send: %w", err)
	}
	for {
		n, _, err := unix.Recvfrom(c.fd, c.buf, 0)
		if err != nil {
			return nil, fmt.Errorf("netlink receive: %w", err)
		}
		payload, found, err := Answer(c.buf[:n], c.seq)
		if found || err != nil {
			return payload, err
		}
	}
}

// Answer finds in b, a datagram the kernel sent, the answer to request
// seq: its payload (nil for an acknowledgement) or its error. found is
// false when b holds none (an answer to an earlier request that gave up).
func Answer(b []byte, seq uint32) (payload []byte, found bool, err error) {
	ne := binary.NativeEndian
	for len(b) >= unix.NLMSG_HDRLEN {
		l := int(ne.Uint32(b[0:]))
		if l < unix.NLMSG_HDRLEN || l > len(b) {
			return nil, true, errors.New("netlink: malformed answer")
		}
		typ, s, data := ne.Uint16(b[4:]), ne.Uint32(b[8:]), b[unix.NLMSG_HDRLEN:l]
		b = b[min(len(b), (l+3)&^3):]
		switch {
		case s != seq:
			continue
		case typ != unix.NLMSG_ERROR:
			return data, true, nil
		case len(data) < 4:
			return nil, true, errors.New("netlink: short error")
		}
		if errno := int32(ne.Uint32(data)); errno != 0 {
			return nil, true, unix.Errno(-errno)
		}
		return nil, true, nil
	}
	return nil, false, nil
}

// Attrs builds a list of netlink attributes.
type Attrs []byte

// Add appends an attribute.
func (a Attrs) Add(typ uint16, data []byte) Attrs {
	l := unix.SizeofRtAttr + len(data)
	a = binary.NativeEndian.AppendUint16(a, uint16(l))
	a = binary.NativeEndian.AppendUint16(a, typ)
	a = append(a, data...)
	for len(a)%4 != 0 {
		a = append(a, 0)
	}
	return a
}

// Str appends a string attribute (NUL-terminated).
func (a Attrs) Str(typ uint16, s string) Attrs { return a.Add(typ, append([]byte(s), 0)) }

// U32 appends a 32-bit attribute.
func (a Attrs) U32(typ uint16, v uint32) Attrs {
	return a.Add(typ, binary.NativeEndian.AppendUint32(nil, v))
}

// EachAttr calls fn with each attribute in b (its type without the
// nested flag), stopping at the first malformed one.
func EachAttr(b []byte, fn func(typ uint16, data []byte)) {
	for len(b) >= 4 {
		n := int(binary.NativeEndian.Uint16(b))
		if n < 4 || n > len(b) {
			return
		}
		fn(binary.NativeEndian.Uint16(b[2:])&^unix.NLA_F_NESTED, b[4:n])
		b = b[min((n+3)&^3, len(b)):]
	}
}
