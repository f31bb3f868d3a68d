// Package process is the portable sandbox driver: each environment is an
// ordinary process group of nubo's user, with a private temporary directory
// (TMPDIR) and its own Runtime API port on loopback, which answers only the
// environment's own processes (peer.go). Otherwise it isolates nothing and
// enforces no limits; it is for development and for machines where the
// linux driver cannot run.
package process

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nubo-dev/nubo/internal/netlink"
	"github.com/nubo-dev/nubo/internal/sandbox"
)

// Driver runs sandboxes as plain processes.
type Driver struct {
	dir    string
	forker Forker
	// spares hands Create a sandbox's directory and listener made ahead
	// while Run runs; names numbers them.
	spares chan spare
	names  atomic.Int64
}

// spare is what Create needs before it can return: a sandbox's temporary
// directory and its Runtime API listener. Making them takes a few hundred
// microseconds of a cold start (a mkdir on a busy disk longer), so Run
// keeps one ready.
type spare struct {
	tmp string
	ln  net.Listener
}

// Forker starts processes by forking a pre-initialised interpreter
// (runtimes.ForkServers) rather than executing argv.
type Forker interface {
	// Fork starts argv with exactly env, in dir, its stdout and stderr on
	// out, as the leader of a new session. ok is false when it cannot, and
	// the driver executes argv instead; wait returns once the process has
	// exited.
	Fork(argv, env []string, dir string, out *os.File) (pid int, wait func() syscall.WaitStatus, ok bool)
}

// New returns a driver that keeps each sandbox's temporary directory under
// dir, and forks through forker (nil: never) what it can. Directories left
// by an earlier run are removed.
func New(dir string, forker Forker) (*Driver, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("clean sandbox dir: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create sandbox dir: %w", err)
	}
	return &Driver{dir: dir, forker: forker, spares: make(chan spare)}, nil
}

// Run keeps a spare ready for Create until ctx ends.
func (d *Driver) Run(ctx context.Context) error {
	for {
		sp, err := d.newSpare()
		if err != nil {
			// Create makes its own and reports the error; try again later.
			select {
			case <-time.After(time.Second):
				continue
			case <-ctx.Done():
				return nil
			}
		}
		select {
		case d.spares <- sp:
		case <-ctx.Done():
			sp.ln.Close()
			os.RemoveAll(sp.tmp)
			return nil
		}
	}
}

func (d *Driver) newSpare() (spare, error) {
	tmp := filepath.Join(d.dir, strconv.FormatInt(d.names.Add(1), 10))
	if err := os.MkdirAll(tmp, 0o1777); err != nil {
		return spare{}, fmt.Errorf("create sandbox tmp: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(tmp)
		return spare{}, fmt.Errorf("listen for runtime api: %w", err)
	}
	return spare{tmp: tmp, ln: ln}, nil
}

// Name implements sandbox.Driver.
func (d *Driver) Name() string { return "process" }

// Create implements sandbox.Driver.
func (d *Driver) Create(ctx context.Context, spec sandbox.Spec) (sandbox.Sandbox, error) {
	var sp spare
	select {
	case sp = <-d.spares:
	default:
		var err error
		if sp, err = d.newSpare(); err != nil {
			return nil, err
		}
	}
	b := &box{spec: spec, forker: d.forker, tmp: sp.tmp, status: -1, done: make(chan struct{})}
	b.ln = &guarded{Listener: sp.ln, main: b.mainPID}
	return b, nil
}

type box struct {
	spec   sandbox.Spec
	forker Forker
	tmp    string
	ln     net.Listener

	mu        sync.Mutex
	pid       int // 0 until started
	hasExited bool
	exit      sandbox.Exit
	peakKB    int64
	// The peak's sources, opened on first use: taskstats (and the start
	// of the process it asks for), else /proc/PID/status (-1 before).
	ts        *netlink.Conn
	btime     uint32
	status    int
	statusBuf [4096]byte
	done      chan struct{}
	stopped   bool
}

// mainPID is the main process's pid, 0 before Start.
func (b *box) mainPID() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.pid
}

func (b *box) Paths() sandbox.Paths {
	return sandbox.Paths{TaskRoot: b.spec.TaskRoot, RuntimeDir: b.spec.RuntimeDir, OptDir: "/opt", Tmp: b.tmp}
}

func (b *box) Listener() net.Listener { return b.ln }
func (b *box) RuntimeAPI() string     { return b.ln.Addr().String() }
func (b *box) Done() <-chan struct{}  { return b.done }

func (b *box) Exit() sandbox.Exit {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.exit
}

func (b *box) Start(argv []string, env []string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pid != 0 || b.stopped {
		return errors.New("sandbox already started or stopped")
	}
	if b.forker != nil {
		if pid, wait, ok := b.forker.Fork(argv, env, b.spec.TaskRoot, b.spec.Output); ok {
			b.pid = pid
			go func() { b.exited(sandbox.ExitOf(wait())) }()
			return nil
		}
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = b.spec.TaskRoot
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = b.spec.Output, b.spec.Output
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", argv[0], err)
	}
	b.pid = cmd.Process.Pid
	go func() {
		err := cmd.Wait()
		if ps := cmd.ProcessState; ps != nil {
			b.exited(sandbox.ExitOf(ps.Sys().(syscall.WaitStatus)))
		} else {
			b.exited(sandbox.Exit{Code: -1, Signal: err.Error()})
		}
	}()
	return nil
}

// exited records how the main process ended.
func (b *box) exited(x sandbox.Exit) {
	b.mu.Lock()
	b.exit, b.hasExited = x, true
	b.mu.Unlock()
	close(b.done)
}

// MaxMemoryMB reads the main process's peak resident size (VmHWM) while it
// runs; once it has exited, the last reading stands. (Its rusage would
// count the memory it shared with nubo between fork and exec.)
func (b *box) MaxMemoryMB() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pid != 0 && !b.hasExited {
		if kb := b.readHWM(); kb > b.peakKB {
			b.peakKB = kb
		}
	}
	return int((b.peakKB + 1023) / 1024)
}

// readHWM reads the process's peak resident memory in KB: the engine
// asks after every invocation.
func (b *box) readHWM() int64 {
	family := taskstatsFamily()
	if family == 0 {
		return b.readStatusHWM()
	}
	if b.ts == nil {
		c, err := netlink.Dial(unix.NETLINK_GENERIC)
		if err != nil {
			return b.readStatusHWM()
		}
		b.ts = c
	}
	p, err := askPeak(b.ts, family, b.pid)
	if err != nil || b.btime != 0 && p.btime != b.btime {
		return 0 // gone
	}
	b.btime = p.btime
	return p.kb
}

// readStatusHWM reads VmHWM from /proc/PID/status, keeping the file open.
// It is one pread: the kernel writes the whole file for each read, and
// os.File.ReadAt would read again to find the end.
func (b *box) readStatusHWM() int64 {
	if b.status < 0 {
		fd, err := syscall.Open("/proc/"+strconv.Itoa(b.pid)+"/status", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			return 0
		}
		b.status = fd
	}
	n, err := syscall.Pread(b.status, b.statusBuf[:], 0)
	if err != nil {
		return 0
	}
	data := b.statusBuf[:n]
	i := bytes.Index(data, []byte("VmHWM:"))
	if i < 0 {
		return 0
	}
	var kb int64
	for _, c := range data[i+len("VmHWM:"):] {
		switch {
		case c >= '0' && c <= '9':
			kb = kb*10 + int64(c-'0')
		case c == ' ' || c == '\t':
			continue
		default:
			return kb
		}
	}
	return kb
}

func (b *box) Stop(grace time.Duration) error {
	b.mu.Lock()
	first := !b.stopped
	b.stopped = true
	pid := b.pid
	b.mu.Unlock()
	if !first {
		return nil
	}
	if pid != 0 {
		signalTree(pid, syscall.SIGTERM)
		select {
		case <-b.done:
		case <-time.After(grace):
		}
		// Descendants may outlive the main process, or have left its group.
		signalTree(pid, syscall.SIGKILL)
		<-b.done
	}
	b.ln.Close()
	b.mu.Lock()
	if b.status >= 0 {
		syscall.Close(b.status)
		b.status = -1
	}
	if b.ts != nil {
		b.ts.Close()
		b.ts = nil
	}
	b.mu.Unlock()
	return os.RemoveAll(b.tmp)
}

// signalTree signals the process group of pid and every descendant of pid
// that moved to another group.
func signalTree(pid int, sig syscall.Signal) {
	for _, p := range tree(pid)[1:] {
		syscall.Kill(p, sig)
	}
	syscall.Kill(-pid, sig)
}

// tree lists pid and its descendants, from the kernel's per-thread lists
// of children (walking every process's parent in /proc took milliseconds
// on a busy machine).
func tree(pid int) []int {
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		dir := "/proc/" + strconv.Itoa(out[i]) + "/task/"
		tasks, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, t := range tasks {
			data, err := os.ReadFile(dir + t.Name() + "/children")
			if err != nil {
				continue
			}
			for _, f := range strings.Fields(string(data)) {
				if c, err := strconv.Atoi(f); err == nil {
					out = append(out, c)
				}
			}
		}
	}
	return out
}
