package linux

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// sandboxNamespaces are the namespaces each sandbox's PID 1 is created in.
const sandboxNamespaces = unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWNET |
	unix.CLONE_NEWUTS | unix.CLONE_NEWIPC

type spawnRequest struct {
	sock     int // PID 1's end of the control socket
	cgroupFD int // cgroup v2 directory to start in, or -1
	netFD    int // network namespace to reuse, or -1 for a new one
	reply    chan spawnResult
}

type spawnResult struct {
	pid, pidfd int
	err        error
}

// spawner creates the PID 1 of every sandbox from one OS thread that it
// keeps locked until ctx ends. PID 1 asks for SIGKILL when its parent dies
// (PR_SET_PDEATHSIG), and the kernel means the parent *thread*
// (go.dev/issue/27505): a thread Go could hand to another goroutine, which
// might lock and end it, would take sandboxes with it. When the driver stops,
// the thread ends and so does every sandbox still running.
func (d *Driver) spawner(ctx context.Context, reqs <-chan spawnRequest) {
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-reqs:
			pid, pidfd, err := d.forkInit(r.sock, r.cgroupFD, r.netFD)
			r.reply <- spawnResult{pid: pid, pidfd: pidfd, err: err}
		}
	}
}

// goLocked runs fn in a new goroutine locked to an OS thread that is not
// the process's main thread, and never unlocks it, so the thread ends with
// fn. The main thread is spared because Go cannot end it: it would keep
// whatever namespaces fn left it in, and /proc/self shows the main thread's.
func goLocked(fn func()) {
	go func() {
		runtime.LockOSThread()
		if unix.Gettid() == unix.Getpid() {
			// Hold the main thread so that the new goroutine gets another.
			done := make(chan struct{})
			goLocked(func() { defer close(done); fn() })
			<-done
			runtime.UnlockOSThread()
			return
		}
		fn()
	}()
}

func (d *Driver) forkInit(sock, cgroupFD, netFD int) (pid, pidfd int, err error) {
	pidfd = -1
	null := d.devNull.Fd()
	sys := &syscall.SysProcAttr{
		Setsid:     true,
		Pdeathsig:  syscall.SIGKILL,
		Cloneflags: sandboxNamespaces,
		PidFD:      &pidfd,
	}
	if netFD >= 0 {
		// The child inherits this thread's network namespace.
		if err := unix.Setns(netFD, unix.CLONE_NEWNET); err != nil {
			return 0, -1, fmt.Errorf("join network namespace: %w", err)
		}
		defer func() {
			// Only this thread's own forks see its namespace, and they ask
			// for a new one or set it first; back to the host's for order.
			if err := unix.Setns(d.hostNet, unix.CLONE_NEWNET); err != nil {
				d.log.Warn("spawner: return to host network namespace", "err", err)
			}
		}()
		sys.Cloneflags &^= unix.CLONE_NEWNET
	}
	if cgroupFD >= 0 {
		sys.UseCgroupFD, sys.CgroupFD = true, cgroupFD
	}
	// The init program is a close-on-exec memory file: the child still has
	// it open at this number when it calls execve.
	path := fmt.Sprintf("/proc/self/fd/%d", d.pid1.Fd())
	pid, err = syscall.ForkExec(path, []string{"nubo-sandbox-init"}, &syscall.ProcAttr{
		Dir:   "/",
		Env:   []string{},
		Files: []uintptr{null, null, null, uintptr(sock)},
		Sys:   sys,
	})
	if err != nil {
		return 0, -1, fmt.Errorf("start sandbox init: %w", err)
	}
	if pidfd < 0 {
		syscall.Kill(pid, syscall.SIGKILL)
		var ws syscall.WaitStatus
		syscall.Wait4(pid, &ws, 0, nil)
		return 0, -1, fmt.Errorf("start sandbox init: kernel gave no pidfd (Linux 5.3 or later needed)")
	}
	return pid, pidfd, nil
}

// inNamespaces runs fn on a fresh OS thread that has joined the given
// namespaces (CLONE_NEW* flags) of the process behind pidfd. The thread is
// discarded afterwards, so nothing else of nubo's ever runs in a sandbox's
// namespaces, and nubo's own threads never have to switch back.
func inNamespaces(pidfd, flags int, fn func() error) error {
	errc := make(chan error, 1)
	goLocked(func() {
		if flags&unix.CLONE_NEWNS != 0 {
			// A thread sharing its filesystem context cannot join a mount
			// namespace.
			if err := unix.Unshare(unix.CLONE_FS); err != nil {
				errc <- fmt.Errorf("unshare fs: %w", err)
				return
			}
		}
		if err := unix.Setns(pidfd, flags); err != nil {
			errc <- fmt.Errorf("setns: %w", err)
			return
		}
		errc <- fn()
	})
	return <-errc
}

// reap waits for the process behind pidfd to end and collects it.
func reap(pidfd int) error {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PIDFD, pidfd, &info, unix.WEXITED, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil && err != unix.ECHILD {
			return fmt.Errorf("waitid: %w", err)
		}
		return nil
	}
}

// signalPID1 sends sig to the process behind pidfd; a process that has
// already exited is no error.
func signalPID1(pidfd int, sig syscall.Signal) error {
	err := unix.PidfdSendSignal(pidfd, sig, nil, 0)
	if err != nil && err != unix.ESRCH {
		return fmt.Errorf("pidfd_send_signal: %w", err)
	}
	return nil
}

// devNull opens /dev/null for the stdio of PID 1 and, by default, the
// main process's stdin.
func openDevNull() (*os.File, error) {
	f, err := os.OpenFile("/dev/null", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("open /dev/null: %w", err)
	}
	return f, nil
}
