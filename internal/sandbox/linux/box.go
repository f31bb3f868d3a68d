package linux

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nubo-dev/nubo/internal/sandbox"
)

// box is a sandbox handed to the engine.
type box struct {
	s       *slot
	spec    sandbox.Spec
	filter  []unix.SockFilter
	release func() // gives back the share's copies of code and runtime

	// nsMu keeps Stop from closing PID 1's pidfd (whose number could then
	// name another sandbox's) while Listen uses it to join the namespace.
	nsMu     sync.RWMutex
	nsClosed bool

	startc   chan message  // PID 1's answer to the start request
	done     chan struct{} // closed once PID 1, and so every process, is gone
	released chan struct{} // closed when Stop has released the slot

	mu           sync.Mutex
	started      bool
	stopping     bool
	exit         sandbox.Exit
	peak         int64
	gone         bool // the cgroup is removed
	extra        []net.Listener
	initTimer    *time.Timer
	initDone     bool
	frozen       bool
	cancelFreeze context.CancelFunc // ends a Freeze in progress
	releaseErr   error
}

// maxInit is how long a runtime's init may use the init-phase CPU share
// without the engine saying it has finished (Lambda's init limit).
const maxInit = 10 * time.Second

// fit makes a prepared slot the sandbox for spec.
func (d *Driver) fit(s *slot, spec sandbox.Spec) (b *box, err error) {
	if err := s.cg.setLimits(spec.MemoryMB, d.opts.MaxProcs+1); err != nil { // +1: PID 1
		return nil, err
	}
	code, runtime, release, err := d.copiesFor(spec)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			release()
		}
	}()
	// The pool mounted a /tmp of Lambda's default size; another size
	// replaces it.
	var tmp *tmpDisk
	if spec.EphemeralMB != s.tmp.sizeMB {
		if tmp, err = d.tmp.get(spec.EphemeralMB, s.uid); err != nil {
			return nil, err
		}
	}
	// The sandbox's root, as PID 1 sees it (its mount namespace's root
	// since the pool's enterRoot), is where the code is mounted.
	root, err := unix.Open("/proc/"+strconv.Itoa(s.pid)+"/root", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open sandbox root: %w", err)
	}
	err = inNamespaces(s.pidfd, unix.CLONE_NEWNS, func() error {
		if err := unix.Fchdir(root); err != nil {
			return fmt.Errorf("enter sandbox root: %w", err)
		}
		if tmp != nil {
			if err := replaceTmp(tmp, strings.TrimPrefix(tmpDir, "/")); err != nil {
				return err
			}
		}
		return d.mountCode(code, runtime)
	})
	unix.Close(root)
	if tmp != nil {
		if err != nil {
			d.tmp.put(tmp)
		} else {
			d.tmp.put(s.tmp) // unused: nothing ran in the sandbox yet
			s.tmp = tmp
		}
	}
	if err != nil {
		return nil, err
	}
	b = &box{
		s: s, spec: spec, filter: seccompFilter(), release: release,
		startc: make(chan message, 1), done: make(chan struct{}), released: make(chan struct{}),
	}
	go b.watch()
	return b, nil
}

// copiesFor returns the share's copies of spec's code and runtime
// directories (runtime "" when there is none), and how to give them back.
func (d *Driver) copiesFor(spec sandbox.Spec) (code, runtime string, release func(), err error) {
	code, releaseCode, err := d.share.acquire(spec.TaskRoot)
	if err != nil {
		return "", "", nil, err
	}
	if spec.RuntimeDir == "" {
		return code, "", releaseCode, nil
	}
	runtime, releaseRuntime, err := d.share.acquire(spec.RuntimeDir)
	if err != nil {
		releaseCode()
		return "", "", nil, err
	}
	return code, runtime, func() { releaseCode(); releaseRuntime() }, nil
}

func (b *box) Paths() sandbox.Paths {
	return sandbox.Paths{TaskRoot: taskDir, RuntimeDir: runtimeDir, OptDir: optDir, Tmp: tmpDir}
}

func (b *box) Listener() net.Listener { return b.s.ln }
func (b *box) RuntimeAPI() string     { return runtimeAPIAddr }
func (b *box) Done() <-chan struct{}  { return b.done }

func (b *box) Exit() sandbox.Exit {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.exit
}

// Listen opens a further listener inside the sandbox's network namespace,
// reachable only from the sandbox (for example nubo's AWS endpoint at
// 127.0.0.1:4566); the pool opened the one on Options.Listen ahead. Stop
// closes it.
func (b *box) Listen(network, address string) (net.Listener, error) {
	var ln net.Listener
	if network == "tcp" && address == b.s.d.opts.Listen {
		b.mu.Lock()
		ln, b.s.extra = b.s.extra, nil
		b.mu.Unlock()
	}
	if ln == nil {
		b.nsMu.RLock()
		err := errors.New("sandbox stopped")
		if !b.nsClosed {
			err = inNamespaces(b.s.pidfd, unix.CLONE_NEWNET, func() error {
				var err error
				ln, err = listenReused(network, address)
				return err
			})
		}
		b.nsMu.RUnlock()
		if err != nil {
			return nil, fmt.Errorf("listen in sandbox: %w", err)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopping {
		ln.Close()
		return nil, errors.New("listen in sandbox: sandbox stopped")
	}
	b.extra = append(b.extra, ln)
	return ln, nil
}

func (b *box) Start(argv []string, env []string) error {
	b.mu.Lock()
	if b.started || b.stopping {
		b.mu.Unlock()
		return errors.New("sandbox already started or stopped")
	}
	b.started = true
	b.mu.Unlock()
	if len(argv) == 0 {
		return errors.New("start: no command")
	}
	path, err := b.lookPath(argv[0], env)
	if err != nil {
		return fmt.Errorf("start %s: %w", argv[0], err)
	}
	if err := b.sendStart(path, argv, env); err != nil {
		return fmt.Errorf("start %s: %w", argv[0], err)
	}
	if err := b.awaitStart(); err != nil {
		return fmt.Errorf("start %s: %w", argv[0], err)
	}
	b.mu.Lock()
	if !b.initDone {
		b.initTimer = time.AfterFunc(maxInit, b.InitDone)
	}
	b.mu.Unlock()
	return nil
}

// InitDone ends the init phase: from now on the sandbox gets the CPU share
// of its memory size instead of init's two vCPUs. The engine calls it when
// the runtime first asks for an event; otherwise it happens 10 s after
// Start.
func (b *box) InitDone() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.initDone || b.gone {
		return
	}
	b.initDone = true
	if b.initTimer != nil {
		b.initTimer.Stop()
	}
	if err := b.s.cg.setCPU(b.spec.MemoryMB); err != nil {
		b.s.d.log.Warn("end init CPU share", "sandbox", b.spec.ID, "err", err)
	}
	if b.spec.MemoryMB < mbPerCPU {
		b.s.cg.pin(b.s.d.nextCPU())
	}
}

// watch follows PID 1's messages until it is gone, then records how the
// main process ended.
func (b *box) watch() {
	var exit *sandbox.Exit
	for {
		m, err := b.s.receive(time.Time{})
		if err != nil {
			break
		}
		switch m.kind {
		case msgStarted, msgFailed:
			select {
			case b.startc <- m:
			default:
			}
		case msgExited:
			e := sandbox.ExitOf(syscall.WaitStatus(m.a))
			exit = &e
		}
	}
	// PID 1 closed its socket while exiting; once it is reaped, the kernel
	// has killed and collected everything else in its PID namespace.
	reap(b.s.pidfd)
	if exit == nil {
		exit = &sandbox.Exit{Code: -1, Signal: syscall.SIGKILL.String()}
	}
	exit.OOM = b.s.cg.oomKills() > 0
	b.recordPeak()
	b.mu.Lock()
	b.exit = *exit
	b.mu.Unlock()
	close(b.done)
}

// MaxMemoryMB reads the cgroup's peak while the sandbox exists; after Stop
// the last reading stands.
func (b *box) MaxMemoryMB() int {
	b.recordPeak()
	b.mu.Lock()
	defer b.mu.Unlock()
	return int((b.peak + 1<<20 - 1) >> 20)
}

func (b *box) recordPeak() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.gone {
		return
	}
	if p, err := b.s.cg.peakBytes(); err == nil && p > b.peak {
		b.peak = p
	}
}

func (b *box) Stop(grace time.Duration) error {
	b.mu.Lock()
	if b.stopping {
		b.mu.Unlock()
		<-b.released
		return b.releaseErr
	}
	b.stopping = true
	started := b.started
	if b.cancelFreeze != nil {
		b.cancelFreeze()
	}
	if b.frozen {
		// A frozen process cannot act on SIGTERM (nor, on v1, die).
		b.frozen = false
		b.s.cg.thaw()
	}
	b.mu.Unlock()
	if started {
		select {
		case <-b.done:
		default:
			b.signalAll(syscall.SIGTERM)
			t := time.NewTimer(grace)
			select {
			case <-b.done:
			case <-t.C:
			}
			t.Stop()
		}
	}
	err := signalPID1(b.s.pidfd, syscall.SIGKILL)
	<-b.done
	b.recordPeak()
	b.mu.Lock()
	b.gone = true
	if b.initTimer != nil {
		b.initTimer.Stop()
	}
	extra := b.extra
	b.mu.Unlock()
	for _, ln := range extra {
		ln.Close()
	}
	b.nsMu.Lock()
	b.nsClosed = true
	b.nsMu.Unlock()
	b.releaseErr = errors.Join(err, b.s.destroy())
	b.release()
	close(b.released)
	return b.releaseErr
}

// signalAll signals every process of the sandbox but PID 1.
func (b *box) signalAll(sig syscall.Signal) {
	for _, pid := range b.s.cg.procs() {
		if pid != b.s.pid {
			syscall.Kill(pid, sig)
		}
	}
}

var (
	_ sandbox.Sandbox = (*box)(nil)
	_ sandbox.Freezer = (*box)(nil)
)
