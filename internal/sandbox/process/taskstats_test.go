package process

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/nubo-dev/nubo/internal/netlink"
)

// FuzzPeakOf feeds TASKSTATS answers to peakOf, seeded with one as the
// kernel shapes it: the pid and its statistics nested in AGGR_PID.
func FuzzPeakOf(f *testing.F) {
	s := unix.Taskstats{Version: 14, Ac_pid: 42, Ac_btime: 1700000000, Hiwater_rss: 40960}
	stats := unsafe.Slice((*byte)(unsafe.Pointer(&s)), unsafe.Sizeof(s))
	nested := netlink.Attrs(nil).U32(unix.TASKSTATS_TYPE_PID, 42).Add(unix.TASKSTATS_TYPE_STATS, stats)
	answer := genl(unix.TASKSTATS_CMD_NEW, netlink.Attrs(nil).Add(unix.TASKSTATS_TYPE_AGGR_PID|unix.NLA_F_NESTED, nested))
	if p, err := peakOf(answer); err != nil || p.kb != 40960 || p.btime != 1700000000 {
		f.Fatalf("the seed reads as %+v, %v", p, err)
	}
	f.Add(answer)
	f.Add(answer[:len(answer)/2])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		peakOf(b)
	})
}
