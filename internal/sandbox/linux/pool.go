package linux

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// slot is a prepared sandbox: PID 1 running in its namespaces and cgroup,
// the root filesystem built but for the function's own directories and
// already the root of its mount namespace, the loopback up and the Runtime
// API listener (and Options.Listen's) open.
type slot struct {
	d     *Driver
	name  string
	uid   int
	pid   int
	pidfd int
	conn  *net.UnixConn // control socket to PID 1
	cg    *cgroup
	ln    net.Listener
	extra net.Listener // on Options.Listen, until Listen hands it over
	net   *netns
	netOK bool     // set up completely: the namespace may serve another sandbox
	tmp   *tmpDisk // the /tmp filesystem
}

const (
	runtimeAPIAddr = "127.0.0.1:9001"
	readyTimeout   = 10 * time.Second
)

// refill keeps ready full until ctx ends.
func (d *Driver) refill(ctx context.Context, ready chan<- *slot) {
	backoff := 10 * time.Millisecond
	for ctx.Err() == nil {
		s, err := d.newSlot(ctx)
		if err != nil {
			if ctx.Err() == nil {
				d.log.Warn("prepare sandbox", "err", err)
				select {
				case <-time.After(backoff):
				case <-ctx.Done():
				}
				backoff = min(2*backoff, 5*time.Second)
			}
			continue
		}
		backoff = 10 * time.Millisecond
		select {
		case ready <- s:
		case <-ctx.Done():
			s.destroy()
		}
	}
}

// newSlot prepares a sandbox.
func (d *Driver) newSlot(ctx context.Context) (s *slot, err error) {
	uid, ok := d.uids.get()
	if !ok {
		return nil, errors.New("every sandbox uid is in use")
	}
	s = &slot{d: d, uid: uid, pidfd: -1, name: d.nextName()}
	defer func() {
		if err != nil {
			s.destroy()
		}
	}()
	if s.cg, err = d.cgroups.create(s.name); err != nil {
		return s, err
	}
	s.net = d.idleNetns()
	if err := s.startInit(ctx); err != nil {
		return s, err
	}
	fresh := s.net == nil
	if fresh {
		if s.net, err = openNetns(s.pid); err != nil {
			return s, err
		}
	}
	if err := s.cg.attach(s.pid); err != nil {
		return s, err
	}
	for _, l := range []struct {
		res int
		lim uint64
	}{{unix.RLIMIT_NOFILE, 1024}, {unix.RLIMIT_CORE, 0}} {
		if err := unix.Prlimit(s.pid, l.res, &unix.Rlimit{Cur: l.lim, Max: l.lim}, nil); err != nil {
			return s, fmt.Errorf("prlimit: %w", err)
		}
	}
	users, err := d.userFiles(uid)
	if err != nil {
		return s, err
	}
	if s.tmp, err = d.tmp.get(pooledTmpMB, uid); err != nil {
		return s, err
	}
	err = inNamespaces(s.pidfd, unix.CLONE_NEWNS|unix.CLONE_NEWNET|unix.CLONE_NEWUTS, func() error {
		if err := d.prepareRoot(d.rootDir, users, s.tmp); err != nil {
			return err
		}
		if err := setupUTS(); err != nil {
			return err
		}
		if fresh {
			if err := setupLoopback(); err != nil {
				return err
			}
		}
		ln, err := listenReused("tcp", runtimeAPIAddr)
		if err != nil {
			return fmt.Errorf("listen for runtime api: %w", err)
		}
		s.ln = ln
		if d.opts.Listen != "" {
			if s.extra, err = listenReused("tcp", d.opts.Listen); err != nil {
				return fmt.Errorf("listen on %s: %w", d.opts.Listen, err)
			}
		}
		return enterRoot(d.rootDir)
	})
	if err != nil {
		return s, err
	}
	if d.net != nil && s.net.veth == nil {
		if s.net.veth, err = d.net.attach(s.pid, s.pidfd); err != nil {
			return s, err
		}
	}
	s.netOK = true
	return s, nil
}

// startInit creates PID 1 with its control socket and waits until it is
// ready.
func (s *slot) startInit(ctx context.Context) error {
	d := s.d
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socketpair: %w", err)
	}
	f := os.NewFile(uintptr(fds[0]), "sandbox-control")
	c, err := net.FileConn(f)
	f.Close()
	if err != nil {
		unix.Close(fds[1])
		return fmt.Errorf("control socket: %w", err)
	}
	s.conn = c.(*net.UnixConn)
	cgfd, err := s.cg.openDir()
	if err != nil {
		unix.Close(fds[1])
		return err
	}
	netFD := -1
	if s.net != nil {
		netFD = s.net.fd
	}
	res, err := d.spawnInit(ctx, fds[1], cgfd, netFD)
	unix.Close(fds[1])
	if cgfd >= 0 {
		unix.Close(cgfd)
	}
	if err != nil {
		return err
	}
	s.pid, s.pidfd = res.pid, res.pidfd
	m, err := s.receive(time.Now().Add(readyTimeout))
	if err != nil {
		return fmt.Errorf("sandbox init: %w", err)
	}
	if m.kind != msgReady {
		return fmt.Errorf("sandbox init sent %q, want ready", m.kind)
	}
	return nil
}

// spawnInit asks a spawner thread for a new PID 1.
func (d *Driver) spawnInit(ctx context.Context, sock, cgroupFD, netFD int) (spawnResult, error) {
	req := spawnRequest{sock: sock, cgroupFD: cgroupFD, netFD: netFD, reply: make(chan spawnResult, 1)}
	select {
	case d.spawn <- req:
	case <-ctx.Done():
		return spawnResult{}, ctx.Err()
	case <-d.stopped:
		return spawnResult{}, errors.New("linux driver stopped")
	}
	res := <-req.reply
	return res, res.err
}

// receive reads PID 1's next message.
func (s *slot) receive(deadline time.Time) (message, error) {
	s.conn.SetReadDeadline(deadline)
	buf := make([]byte, msgSize+1)
	n, err := s.conn.Read(buf)
	if err != nil {
		return message{}, err
	}
	return parseMessage(buf[:n])
}

// destroy kills PID 1, and with it everything in the sandbox, and releases
// what the slot holds.
func (s *slot) destroy() error {
	var errs []error
	if s.pidfd >= 0 {
		errs = append(errs, signalPID1(s.pidfd, unix.SIGKILL), reap(s.pidfd))
		unix.Close(s.pidfd)
		s.pidfd = -1
	}
	if s.conn != nil {
		s.conn.Close()
	}
	if s.ln != nil {
		s.ln.Close()
	}
	if s.extra != nil {
		s.extra.Close()
	}
	if s.cg != nil {
		errs = append(errs, s.cg.remove())
	}
	if s.tmp != nil {
		s.d.tmp.put(s.tmp) // every process that could use it is gone
	}
	if s.net != nil {
		if s.netOK {
			s.d.reuseNetns(s.net)
		} else {
			s.d.closeNetns(s.net)
		}
	}
	s.d.uids.put(s.uid)
	return errors.Join(errs...)
}

func (d *Driver) nextName() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seq++
	return d.nonce + "-" + strconv.FormatUint(d.seq, 10)
}

// idPool hands out ids from a range, the longest-free first. An id is free
// again once its sandbox's processes are gone, and nothing it owned
// outlives the sandbox (its only writable place is its own /tmp).
type idPool struct {
	mu   sync.Mutex
	next int
	end  int
	free []int
}

func newIDPool(base, count int) *idPool { return &idPool{next: base, end: base + count} }

func (p *idPool) get() (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.free) > 0 {
		id := p.free[0]
		p.free = p.free[1:]
		return id, true
	}
	if p.next < p.end {
		p.next++
		return p.next - 1, true
	}
	return 0, false
}

func (p *idPool) put(id int) {
	p.mu.Lock()
	p.free = append(p.free, id)
	p.mu.Unlock()
}
