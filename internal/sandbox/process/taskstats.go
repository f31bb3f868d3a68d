package process

import (
	"encoding/binary"
	"errors"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/nubo-dev/nubo/internal/netlink"
)

// The peak memory of a process from the kernel's taskstats (generic
// netlink): cheaper than /proc/PID/status, which the kernel formats whole
// for each read, for the VmHWM line the engine needs after every
// invocation. Taskstats needs CAP_NET_ADMIN; without it the sandbox reads
// status.

// taskstatsFamily is the generic netlink family id of TASKSTATS, 0 when
// this process cannot use it.
var taskstatsFamily = sync.OnceValue(func() uint16 {
	c, err := netlink.Dial(unix.NETLINK_GENERIC)
	if err != nil {
		return 0
	}
	defer c.Close()
	answer, err := c.Request(unix.GENL_ID_CTRL, 0, genl(unix.CTRL_CMD_GETFAMILY, netlink.Attrs(nil).Str(unix.CTRL_ATTR_FAMILY_NAME, "TASKSTATS")))
	if err != nil || len(answer) < genlHdrLen {
		return 0
	}
	var id uint16
	netlink.EachAttr(answer[genlHdrLen:], func(typ uint16, data []byte) {
		if typ == unix.CTRL_ATTR_FAMILY_ID && len(data) >= 2 {
			id = binary.NativeEndian.Uint16(data)
		}
	})
	// The family answers only a caller with CAP_NET_ADMIN: ask once.
	if id == 0 {
		return 0
	}
	if _, err := askPeak(c, id, unix.Getpid()); err != nil {
		return 0
	}
	return id
})

const genlHdrLen = 4 // struct genlmsghdr

// genl is the body of a generic netlink request: its header, then attrs.
func genl(cmd uint8, attrs netlink.Attrs) []byte {
	return append([]byte{cmd, 1, 0, 0}, attrs...)
}

// peak is a process's peak resident memory and its start (to tell it
// from a later process given the same pid).
type peak struct {
	kb    int64
	btime uint32
}

// askPeak asks TASKSTATS (family) for the peak of process pid.
func askPeak(c *netlink.Conn, family uint16, pid int) (peak, error) {
	answer, err := c.Request(family, 0, genl(unix.TASKSTATS_CMD_GET, netlink.Attrs(nil).U32(unix.TASKSTATS_CMD_ATTR_PID, uint32(pid))))
	if err != nil {
		return peak{}, err
	}
	return peakOf(answer)
}

// peakOf reads the peak from TASKSTATS' answer.
func peakOf(answer []byte) (peak, error) {
	if len(answer) < genlHdrLen {
		return peak{}, errors.New("taskstats: short answer")
	}
	var p peak
	found := false
	netlink.EachAttr(answer[genlHdrLen:], func(typ uint16, data []byte) {
		if typ != unix.TASKSTATS_TYPE_AGGR_PID {
			return
		}
		netlink.EachAttr(data, func(typ uint16, data []byte) {
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
