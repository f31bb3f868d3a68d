package process

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The peak memory of a process from the kernel's taskstats (generic
// netlink): about a third of the cost of /proc/PID/status, which the
// kernel formats whole for each read, for the VmHWM line the engine needs
// after every invocation. Taskstats needs CAP_NET_ADMIN; without it the
// sandbox reads status.

const genlHdrLen = 4 // struct genlmsghdr

// taskstatsFamily is the generic netlink family id of TASKSTATS, 0 when
// this process cannot use it.
var taskstatsFamily = sync.OnceValue(func() uint16 {
	t, err := dialTaskstats()
	if err != nil {
		return 0
	}
	defer t.close()
	name := append([]byte("TASKSTATS"), 0)
	answer, err := t.request(unix.GENL_ID_CTRL, unix.CTRL_CMD_GETFAMILY, unix.CTRL_ATTR_FAMILY_NAME, name)
	if err != nil {
		return 0
	}
	var id uint16
	eachAttr(answer, func(typ uint16, data []byte) {
		if typ == unix.CTRL_ATTR_FAMILY_ID && len(data) >= 2 {
			id = binary.NativeEndian.Uint16(data)
		}
	})
	if id == 0 {
		return 0
	}
	// The family answers only a caller with CAP_NET_ADMIN: ask once.
	if _, err := t.ask(id, unix.Getpid()); err != nil {
		return 0
	}
	return id
})

// taskstats is a generic netlink socket.
type taskstats struct {
	fd  int
	seq uint32
	buf [2048]byte
}

func dialTaskstats() (*taskstats, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_GENERIC)
	if err != nil {
		return nil, fmt.Errorf("taskstats socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("taskstats socket: %w", err)
	}
	return &taskstats{fd: fd}, nil
}

func (t *taskstats) close() { unix.Close(t.fd) }

// request sends family's command cmd with one attribute and returns the
// answer's attributes.
func (t *taskstats) request(family uint16, cmd uint8, attr uint16, value []byte) ([]byte, error) {
	t.seq++
	attrLen := 4 + len(value)
	msg := make([]byte, nlmsgHdrLen+genlHdrLen+(attrLen+3)&^3)
	ne := binary.NativeEndian
	ne.PutUint32(msg[0:], uint32(len(msg)))
	ne.PutUint16(msg[4:], family)
	ne.PutUint16(msg[6:], unix.NLM_F_REQUEST)
	ne.PutUint32(msg[8:], t.seq)
	msg[nlmsgHdrLen], msg[nlmsgHdrLen+1] = cmd, 1
	a := msg[nlmsgHdrLen+genlHdrLen:]
	ne.PutUint16(a[0:], uint16(attrLen))
	ne.PutUint16(a[2:], attr)
	copy(a[4:], value)
	if err := unix.Sendto(t.fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, fmt.Errorf("taskstats request: %w", err)
	}
	for {
		n, _, err := unix.Recvfrom(t.fd, t.buf[:], 0)
		if err != nil {
			return nil, fmt.Errorf("taskstats answer: %w", err)
		}
		b := t.buf[:n]
		if n < nlmsgHdrLen || ne.Uint32(b[8:]) != t.seq {
			continue // an answer to an earlier request that gave up
		}
		if ne.Uint16(b[4:]) == nlmsgError {
			if n < nlmsgHdrLen+4 {
				return nil, errors.New("taskstats: short error")
			}
			return nil, fmt.Errorf("taskstats: %w", unix.Errno(-int32(ne.Uint32(b[nlmsgHdrLen:]))))
		}
		if n < nlmsgHdrLen+genlHdrLen {
			return nil, errors.New("taskstats: short answer")
		}
		return b[nlmsgHdrLen+genlHdrLen:], nil
	}
}

// peak is a process's peak resident memory and its start (to tell it
// from a later process given the same pid).
type peak struct {
	kb    int64
	btime uint32
}

// ask returns the peak of process pid (family is TASKSTATS's id).
func (t *taskstats) ask(family uint16, pid int) (peak, error) {
	var v [4]byte
	binary.NativeEndian.PutUint32(v[:], uint32(pid))
	answer, err := t.request(family, unix.TASKSTATS_CMD_GET, unix.TASKSTATS_CMD_ATTR_PID, v[:])
	if err != nil {
		return peak{}, err
	}
	var p peak
	found := false
	eachAttr(answer, func(typ uint16, data []byte) {
		if typ != unix.TASKSTATS_TYPE_AGGR_PID {
			return
		}
		eachAttr(data, func(typ uint16, data []byte) {
			var s unix.Taskstats
			if typ != unix.TASKSTATS_TYPE_STATS || len(data) < int(unsafe.Offsetof(s.Hiwater_rss))+8 {
				return
			}
			copy(unsafe.Slice((*byte)(unsafe.Pointer(&s)), unsafe.Sizeof(s)), data)
			p, found = peak{kb: int64(s.Hiwater_rss), btime: s.Ac_btime}, true
		})
	})
	if !found {
		return peak{}, errors.New("taskstats: no statistics in the answer")
	}
	return p, nil
}

// eachAttr calls fn with each netlink attribute in b.
func eachAttr(b []byte, fn func(typ uint16, data []byte)) {
	for len(b) >= 4 {
		n := int(binary.NativeEndian.Uint16(b))
		if n < 4 || n > len(b) {
			return
		}
		fn(binary.NativeEndian.Uint16(b[2:])&^unix.NLA_F_NESTED, b[4:n])
		b = b[min((n+3)&^3, len(b)):]
	}
}
