package linux

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// pid1Binary is the program that runs as PID 1 of every sandbox; its
// assembly source and the protocol it speaks are in pid1/pid1_amd64.S.
//
//go:embed pid1/pid1_amd64.bin
var pid1Binary []byte

// Messages PID 1 sends on the control socket: 12 bytes each, a kind byte,
// three zero bytes and two little-endian uint32 arguments.
const (
	msgReady   = 'R' // namespaces private, own /proc mounted
	msgStarted = 'S' // a: pid of the main process inside the sandbox
	msgFailed  = 'E' // a: step, b: errno; the child then exits 127
	msgExited  = 'X' // a: wait status of the main process
	msgSize    = 12

	maxRequest = 65536 // PID 1's receive buffer
)

// steps names the setup steps PID 1's child reports failures of.
var steps = map[uint32]string{
	1: "dup2", 2: "setsid", 3: "setgroups", 4: "setresgid", 5: "setresuid",
	6: "no_new_privs", 7: "seccomp", 8: "chdir", 9: "exec", 10: "unshare",
}

type message struct {
	kind byte
	a, b uint32
}

func parseMessage(p []byte) (message, error) {
	if len(p) != msgSize {
		return message{}, fmt.Errorf("sandbox init sent %d bytes, want %d", len(p), msgSize)
	}
	return message{kind: p[0], a: binary.LittleEndian.Uint32(p[4:]), b: binary.LittleEndian.Uint32(p[8:])}, nil
}

// startError renders a failed start the way os/exec words it.
func startError(m message) error {
	name, ok := steps[m.a]
	if !ok {
		name = "step " + strconv.Itoa(int(m.a))
	}
	return fmt.Errorf("%s: %w", name, syscall.Errno(m.b))
}

// loadPID1 puts the init program into a sealed memory file, so that it can
// be executed from /proc/self/fd whatever the state directory's mount
// options, and returns that path's descriptor.
func loadPID1() (*os.File, error) {
	if runtime.GOARCH != "amd64" {
		return nil, fmt.Errorf("linux sandbox driver: %s is not supported (amd64 only)", runtime.GOARCH)
	}
	fd, err := unix.MemfdCreate("nubo-sandbox-init", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "nubo-sandbox-init")
	if _, err := f.Write(pid1Binary); err != nil {
		f.Close()
		return nil, fmt.Errorf("write sandbox init: %w", err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		f.Close()
		return nil, fmt.Errorf("seal sandbox init: %w", err)
	}
	return f, nil
}

// startRequest is what PID 1 needs to start the main process. Its encoding
// is laid out for the assembly: a header of uint32 offsets, the seccomp
// program, then argv and envp as arrays of uint64 offsets that PID 1 turns
// into pointers, then the strings.
type startRequest struct {
	uid, gid  int
	path, dir string
	argv, env []string
	filter    []unix.SockFilter
}

const headerSize = 40

func (r startRequest) encode() ([]byte, error) {
	slots := len(r.argv) + 1 + len(r.env) + 1
	filterOff := headerSize
	slotsOff := filterOff + 8*len(r.filter)
	strOff := slotsOff + 8*slots
	size := strOff + len(r.path) + 1 + len(r.dir) + 1
	for _, s := range r.argv {
		size += len(s) + 1
	}
	for _, s := range r.env {
		size += len(s) + 1
	}
	if size > maxRequest {
		return nil, fmt.Errorf("start request of %d bytes exceeds %d (arguments and environment too large)", size, maxRequest)
	}
	buf := make([]byte, size)
	le := binary.LittleEndian
	next := strOff
	put := func(s string) uint32 {
		off := next
		copy(buf[off:], s)
		next += len(s) + 1
		return uint32(off)
	}
	le.PutUint32(buf[0:], uint32(r.uid))
	le.PutUint32(buf[4:], uint32(r.gid))
	le.PutUint32(buf[8:], put(r.path))
	le.PutUint32(buf[12:], put(r.dir))
	le.PutUint32(buf[16:], uint32(slotsOff))
	le.PutUint32(buf[20:], uint32(slotsOff+8*(len(r.argv)+1)))
	le.PutUint32(buf[24:], uint32(slotsOff))
	le.PutUint32(buf[28:], uint32(slots))
	le.PutUint32(buf[32:], uint32(len(r.filter)))
	le.PutUint32(buf[36:], uint32(filterOff))
	for i, f := range r.filter {
		p := buf[filterOff+8*i:]
		le.PutUint16(p, f.Code)
		p[2], p[3] = f.Jt, f.Jf
		le.PutUint32(p[4:], f.K)
	}
	slot := slotsOff
	for _, list := range [][]string{r.argv, r.env} {
		for _, s := range list {
			le.PutUint64(buf[slot:], uint64(put(s)))
			slot += 8
		}
		slot += 8 // the terminating NULL
	}
	return buf, nil
}

var errNoInit = errors.New("sandbox init exited")
