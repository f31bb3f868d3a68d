// Command attack tries, from inside a sandbox, what a hostile function
// would, and prints one "name: result" line per attempt ("ok" or the errno
// text), for the attack tests to compare with what they expect.
package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

func main() {
	hostPID, _ := strconv.Atoi(os.Getenv("HOST_PID"))
	attempts := []struct {
		name string
		fn   func() error
	}{
		{"mount", func() error { os.Mkdir("/tmp/m", 0o755); return unix.Mount("none", "/tmp/m", "tmpfs", 0, "") }},
		{"umount-proc", func() error { return unix.Unmount("/proc", unix.MNT_DETACH) }},
		{"unshare-user", func() error { return unix.Unshare(unix.CLONE_NEWUSER) }},
		{"unshare-net", func() error { return unix.Unshare(unix.CLONE_NEWNET) }},
		{"clone-newuser", cloneNewUser},
		{"clone3", func() error { return errnoOf(unix.Syscall(unix.SYS_CLONE3, 0, 0, 0)) }},
		{"setns", func() error {
			fd, err := unix.Open("/proc/1/ns/net", unix.O_RDONLY, 0)
			if err != nil {
				return err
			}
			return unix.Setns(fd, 0)
		}},
		{"ptrace-init", func() error { return unix.PtraceAttach(1) }},
		{"kill-init", func() error { return unix.Kill(1, unix.SIGKILL) }},
		{"kill-host-process", func() error { return unix.Kill(hostPID, unix.SIGKILL) }},
		{"read-init-environ", func() error { _, err := os.ReadFile("/proc/1/environ"); return err }},
		{"open-init-root", func() error { _, err := os.ReadDir("/proc/1/root/"); return err }},
		{"init-module", func() error { return unix.InitModule([]byte{0}, "") }},
		{"finit-module", func() error { return unix.FinitModule(0, "", 0) }},
		{"delete-module", func() error { return unix.DeleteModule("ext4", 0) }},
		{"settimeofday", func() error { tv := unix.NsecToTimeval(time.Now().UnixNano()); return unix.Settimeofday(&tv) }},
		{"clock-settime", func() error {
			ts := unix.NsecToTimespec(time.Now().UnixNano())
			return unix.ClockSettime(unix.CLOCK_REALTIME, &ts)
		}},
		{"sethostname", func() error { return unix.Sethostname([]byte("evil")) }},
		{"setuid-root", func() error { return unix.Setuid(0) }},
		{"chroot", func() error { return unix.Chroot("/tmp") }},
		{"mknod", func() error { return unix.Mknod("/tmp/mem", unix.S_IFCHR|0o600, int(unix.Mkdev(1, 1))) }},
		{"raw-socket", func() error {
			fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_ICMP)
			unix.Close(fd)
			return err
		}},
		{"bpf", func() error { return errnoOf(unix.Syscall(unix.SYS_BPF, 0, 0, 0)) }},
		{"perf-event-open", func() error {
			attr := unix.PerfEventAttr{Type: unix.PERF_TYPE_SOFTWARE, Config: unix.PERF_COUNT_SW_CPU_CLOCK}
			_, err := unix.PerfEventOpen(&attr, 0, -1, -1, 0)
			return err
		}},
		{"keyctl", func() error { _, err := unix.KeyctlGetKeyringID(unix.KEY_SPEC_SESSION_KEYRING, true); return err }},
		{"userfaultfd", func() error { return errnoOf(unix.Syscall(unix.SYS_USERFAULTFD, 0, 0, 0)) }},
		{"io-uring", func() error {
			var p [120]byte
			return errnoOf(unix.Syscall(unix.SYS_IO_URING_SETUP, 1, uintptr(unsafe.Pointer(&p)), 0))
		}},
		{"syslog", func() error { _, err := unix.Klogctl(3, make([]byte, 64)); return err }},
		{"reboot", func() error { return unix.Reboot(unix.LINUX_REBOOT_CMD_CAD_OFF) }},
		{"write-task", writeTo("/var/task/x")},
		{"write-etc", writeTo("/etc/x")},
		{"write-usr", writeTo("/usr/x")},
		{"write-root", writeTo("/x")},
		{"write-opt", writeTo("/opt/x")},
		{"write-dev", writeTo("/dev/x")},
		{"write-sysctl", writeTo("/proc/sys/kernel/hostname")},
		{"write-tmp", writeTo("/tmp/x")},
		{"host-loopback", dial(os.Getenv("HOST_ADDR"))},
		{"host-address", dial(os.Getenv("HOST_IP"))},
	}
	for _, a := range attempts {
		err := a.fn()
		if err == nil {
			fmt.Printf("%s: ok\n", a.name)
			continue
		}
		var errno syscall.Errno
		if errors.As(err, &errno) {
			fmt.Printf("%s: %s\n", a.name, errno.Error())
		} else {
			fmt.Printf("%s: %v\n", a.name, err)
		}
	}
}

func errnoOf(_, _ uintptr, e syscall.Errno) error {
	if e != 0 {
		return e
	}
	return nil
}

func cloneNewUser() error {
	// A raw clone that would create a user namespace; the child, if any,
	// exits at once.
	r, _, e := unix.RawSyscall6(unix.SYS_CLONE, uintptr(unix.CLONE_NEWUSER|int(unix.SIGCHLD)), 0, 0, 0, 0, 0)
	if e != 0 {
		return e
	}
	if r == 0 {
		unix.Exit(0)
	}
	var ws unix.WaitStatus
	unix.Wait4(int(r), &ws, 0, nil)
	return nil
}

func writeTo(path string) func() error {
	return func() error {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		return f.Close()
	}
}

func dial(addr string) func() error {
	return func() error {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			var errno syscall.Errno
			if errors.As(err, &errno) {
				return errno
			}
			return err
		}
		return c.Close()
	}
}
