package linux

import (
	"golang.org/x/sys/unix"
)

// The seccomp filter every sandboxed process runs under. The sandbox's
// processes have no capabilities, so the kernel already refuses them
// mounts, modules, clocks and raw devices; the filter closes what an
// unprivileged process may still do to reach kernel code most container
// escapes have gone through: user namespaces (where it would be root
// again), the new mount API, keyrings, eBPF, perf events, userfaultfd and
// io_uring. It also refuses what has no business in a function, such as
// reading the kernel log.

const (
	auditArchX86_64 = 0xc000003e
	x32SyscallBit   = 0x40000000

	retAllow = 0x7fff0000
	retErrno = 0x00050000
	retKill  = 0x80000000 // SECCOMP_RET_KILL_PROCESS

	// seccomp_data offsets
	offNr   = 0
	offArch = 4
	offArg0 = 16 // low 32 bits on little-endian

	nsFlags = unix.CLONE_NEWNS | unix.CLONE_NEWCGROUP | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC |
		unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNET
)

// deniedSyscalls fail with EPERM.
var deniedSyscalls = []uint32{
	unix.SYS_MOUNT, unix.SYS_UMOUNT2, unix.SYS_PIVOT_ROOT, unix.SYS_SETNS,
	unix.SYS_FSOPEN, unix.SYS_FSCONFIG, unix.SYS_FSMOUNT, unix.SYS_FSPICK,
	unix.SYS_OPEN_TREE, unix.SYS_MOVE_MOUNT, unix.SYS_MOUNT_SETATTR,
	unix.SYS_KEYCTL, unix.SYS_ADD_KEY, unix.SYS_REQUEST_KEY,
	unix.SYS_BPF, unix.SYS_PERF_EVENT_OPEN, unix.SYS_USERFAULTFD,
	unix.SYS_KEXEC_LOAD, unix.SYS_KEXEC_FILE_LOAD,
	unix.SYS_INIT_MODULE, unix.SYS_FINIT_MODULE, unix.SYS_DELETE_MODULE,
	unix.SYS_OPEN_BY_HANDLE_AT, unix.SYS_SYSLOG, unix.SYS_ACCT,
	unix.SYS_SWAPON, unix.SYS_SWAPOFF, unix.SYS_REBOOT, unix.SYS_QUOTACTL,
	unix.SYS_SETTIMEOFDAY, unix.SYS_CLOCK_SETTIME, unix.SYS_CLOCK_ADJTIME,
}

// absentSyscalls fail with ENOSYS, so that libraries fall back: glibc to
// clone when clone3 (whose flags a filter cannot read) is missing, libuv to
// threads when io_uring is.
var absentSyscalls = []uint32{
	unix.SYS_CLONE3, unix.SYS_IO_URING_SETUP, unix.SYS_IO_URING_ENTER, unix.SYS_IO_URING_REGISTER,
}

func stmt(code uint16, k uint32) unix.SockFilter { return unix.SockFilter{Code: code, K: k} }

func jump(code uint16, k uint32, jt, jf uint8) unix.SockFilter {
	return unix.SockFilter{Code: code, Jt: jt, Jf: jf, K: k}
}

const (
	ldAbs   = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
	jeq     = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
	jge     = unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K
	jset    = unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K
	retK    = unix.BPF_RET | unix.BPF_K
	epermRe = retErrno | uint32(unix.EPERM)
	enosys  = retErrno | uint32(unix.ENOSYS)
)

// seccompFilter returns the filter program for x86-64.
func seccompFilter() []unix.SockFilter {
	p := []unix.SockFilter{
		stmt(ldAbs, offArch),
		jump(jeq, auditArchX86_64, 1, 0),
		stmt(retK, retKill),
		stmt(ldAbs, offNr),
		jump(jge, x32SyscallBit, 0, 1),
		stmt(retK, epermRe),
	}
	for _, nr := range deniedSyscalls {
		p = append(p, jump(jeq, nr, 0, 1), stmt(retK, epermRe))
	}
	for _, nr := range absentSyscalls {
		p = append(p, jump(jeq, nr, 0, 1), stmt(retK, enosys))
	}
	// clone and unshare may not create namespaces. (clone's low byte is its
	// exit signal, which nsFlags leaves alone.)
	for _, nr := range []uint32{unix.SYS_CLONE, unix.SYS_UNSHARE} {
		p = append(p,
			jump(jeq, nr, 0, 4),
			stmt(ldAbs, offArg0),
			jump(jset, nsFlags|timeNS(nr), 0, 1),
			stmt(retK, epermRe),
			stmt(retK, retAllow),
		)
	}
	return append(p, stmt(retK, retAllow))
}

// timeNS is CLONE_NEWTIME where the call can take it: unshare only (in
// clone its bit belongs to the exit signal).
func timeNS(nr uint32) uint32 {
	if nr == unix.SYS_UNSHARE {
		return unix.CLONE_NEWTIME
	}
	return 0
}
