package runtimes

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ForkServers start Python environments by forking a pre-initialised
// interpreter (clients/python/nubo_forkserver.py) instead of executing a
// new one: a Python with the runtime client imported waits for requests,
// and each environment is a fresh child of it with its own variables,
// working directory, output and process group. A fork costs about a
// millisecond where an interpreter's start costs tens.
//
// What the interpreter and the C library read only as they start (PYTHON*
// variables but PYTHONPATH, LD_*, LC_*, LANG, HOME, MALLOC_*, GLIBC_*) must
// be the same in the parent: there is one fork server per interpreter and
// set of those values. The first environment of a new set is executed as
// usual while its server starts; later ones are forked. Children share
// their server's hash-randomisation secret (PYTHONHASHSEED); a server
// unused for longer than the idle time is stopped once its environments
// have ended.
//
// ForkServers serve the process sandbox driver (process.Forker): in a
// linux sandbox the interpreter must start inside the sandbox's namespaces.
type ForkServers struct {
	cat  *Catalogue
	log  *slog.Logger
	idle time.Duration

	mu      sync.Mutex
	servers map[string]*forkServer // by startKey
	closed  bool
}

// ForkServers returns fork servers for the catalogue's Python runtimes;
// a server unused for idle (default 10 minutes, as environments) is
// stopped by Run.
func (c *Catalogue) ForkServers(idle time.Duration) *ForkServers {
	if idle <= 0 {
		idle = 10 * time.Minute
	}
	return &ForkServers{cat: c, log: c.log, idle: idle, servers: map[string]*forkServer{}}
}

// Fork starts argv, a Python environment as Launch describes it, with env
// in dir and its output on out, by forking. ok is false when argv is not
// a Python environment or its fork server is not ready yet; the caller
// then executes argv itself.
func (f *ForkServers) Fork(argv, env []string, dir string, out *os.File) (pid int, wait func() syscall.WaitStatus, ok bool) {
	if out == nil || !f.isPython(argv) {
		return 0, nil, false
	}
	startEnv := startupEnv(env)
	key := argv[0] + "\x00" + strings.Join(startEnv, "\x00")
	s := f.server(key, argv[0], startEnv)
	if s == nil {
		return 0, nil, false
	}
	pid, wait, err := s.fork(env, dir, out)
	if err != nil {
		f.log.Warn("python fork server failed; starting interpreters instead until it is back", "err", err)
		f.remove(key, s)
		return 0, nil, false
	}
	return pid, wait, true
}

// isPython says whether argv is what Launch gives a Python runtime.
func (f *ForkServers) isPython(argv []string) bool {
	return len(argv) == 4 && argv[1] == "-X" && argv[2] == "utf8" &&
		argv[3] == filepath.Join(f.cat.dir, clientDir(python), "bootstrap.py")
}

// startupEnv is the part of env that a Python process reads only as it
// starts, sorted.
func startupEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "PYTHONPATH":
			// Applied by the child to sys.path.
		case strings.HasPrefix(k, "PYTHON"), strings.HasPrefix(k, "LD_"), strings.HasPrefix(k, "LC_"),
			strings.HasPrefix(k, "MALLOC_"), strings.HasPrefix(k, "GLIBC_"), k == "LANG", k == "HOME":
			out = append(out, kv)
		}
	}
	slices.Sort(out)
	return out
}

// server returns the ready server of key, or nil after starting it when
// there is none.
func (f *ForkServers) server(key, interpreter string, startEnv []string) *forkServer {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil
	}
	s := f.servers[key]
	if s == nil {
		script := filepath.Join(f.cat.dir, clientDir(python), "nubo_forkserver.py")
		var err error
		if s, err = startForkServer(interpreter, script, startEnv); err != nil {
			f.log.Warn("start the python fork server", "err", err)
			return nil
		}
		f.servers[key] = s
		return nil
	}
	select {
	case <-s.ready:
	default:
		return nil
	}
	if died := s.diedAt(); !died.IsZero() {
		// A server that cannot run is not restarted on every cold start.
		if time.Since(died) > time.Minute {
			delete(f.servers, key)
		}
		return nil
	}
	s.lastUse = time.Now()
	return s
}

func (f *ForkServers) remove(key string, s *forkServer) {
	f.mu.Lock()
	if f.servers[key] == s {
		delete(f.servers, key)
	}
	f.mu.Unlock()
	s.stop()
}

// Run stops servers left unused for the idle time, and whose environments
// have all ended (stopping a server kills them), until ctx ends.
func (f *ForkServers) Run(ctx context.Context) error {
	t := time.NewTicker(max(f.idle/4, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			f.mu.Lock()
			var stale []*forkServer
			for key, s := range f.servers {
				select {
				case <-s.ready:
				default:
					continue // starting
				}
				if now.Sub(s.lastUse) > f.idle && now.Sub(s.readyAt) > f.idle && !s.hasChildren() {
					stale = append(stale, s)
					delete(f.servers, key)
				}
			}
			f.mu.Unlock()
			for _, s := range stale {
				s.stop()
			}
		}
	}
}

// Close stops every server, and with them the environments they forked
// that are still running.
func (f *ForkServers) Close() {
	f.mu.Lock()
	f.closed = true
	servers := f.servers
	f.servers = nil
	f.mu.Unlock()
	for _, s := range servers {
		s.stop()
	}
}

// forkServer is one running nubo_forkserver.py.
type forkServer struct {
	cmd     *exec.Cmd
	conn    *net.UnixConn
	ready   chan struct{} // closed by the server's first message
	readyAt time.Time     // set before ready is closed
	exited  chan struct{} // closed when the server has exited
	lastUse time.Time     // guarded by ForkServers.mu

	mu      sync.Mutex
	nextID  uint64
	pending map[uint64]*forkRequest
	died    time.Time // when it went away; zero while it runs
}

type forkRequest struct {
	started chan forkReply // the pid, or an error
	exit    chan syscall.WaitStatus
	pid     int // once started; guarded by forkServer.mu
}

type forkReply struct {
	ID     uint64 `json:"id"`
	Ready  bool   `json:"ready"`
	PID    int    `json:"pid"`
	Error  string `json:"error"`
	Status *int   `json:"status"`
}

// killed is the wait status of a process killed by SIGKILL, which is what
// happens to a server's children when it dies.
const killed = syscall.WaitStatus(syscall.SIGKILL)

func startForkServer(interpreter, script string, env []string) (*forkServer, error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_SEQPACKET|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socket pair: %w", err)
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "forkserver"), os.NewFile(uintptr(fds[1]), "forkserver-child")
	defer theirs.Close()
	fc, err := net.FileConn(ours)
	ours.Close()
	if err != nil {
		return nil, fmt.Errorf("socket pair: %w", err)
	}
	cmd := exec.Command(interpreter, "-X", "utf8", script)
	cmd.Dir = filepath.Dir(script)
	cmd.Env = env
	cmd.Stderr = os.Stderr
	cmd.ExtraFiles = []*os.File{theirs} // fd 3
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		fc.Close()
		return nil, fmt.Errorf("start %s: %w", interpreter, err)
	}
	s := &forkServer{cmd: cmd, conn: fc.(*net.UnixConn), ready: make(chan struct{}), exited: make(chan struct{}),
		lastUse: time.Now(), pending: map[uint64]*forkRequest{}}
	go func() {
		cmd.Wait()
		close(s.exited)
		s.conn.Close()
	}()
	go s.read()
	return s, nil
}

// read dispatches the server's messages until it goes away; then every
// child still running is dead too (PR_SET_PDEATHSIG).
func (s *forkServer) read() {
	buf := make([]byte, 4096)
	readyOnce := sync.OnceFunc(func() {
		s.readyAt = time.Now()
		close(s.ready)
	})
	defer readyOnce()
	for {
		n, err := s.conn.Read(buf)
		if err != nil || n == 0 {
			break
		}
		var m forkReply
		if json.Unmarshal(buf[:n], &m) != nil {
			continue
		}
		if m.Ready {
			readyOnce()
			continue
		}
		s.mu.Lock()
		r := s.pending[m.ID]
		if r != nil && m.Status != nil {
			delete(s.pending, m.ID)
		} else if r != nil {
			r.pid = m.PID
		}
		s.mu.Unlock()
		switch {
		case r == nil:
		case m.Status != nil:
			r.exit <- syscall.WaitStatus(*m.Status)
		default:
			r.started <- m
		}
	}
	s.mu.Lock()
	s.died = time.Now()
	pending := s.pending
	s.pending = nil
	s.mu.Unlock()
	for _, r := range pending {
		select {
		case r.started <- forkReply{Error: "fork server exited"}:
		default:
		}
		go func() {
			if r.pid != 0 {
				// PR_SET_PDEATHSIG has killed it, or is about to; its
				// exit is only reported once it has happened.
				syscall.Kill(-r.pid, syscall.SIGKILL)
				waitGone(r.pid)
			}
			r.exit <- killed
		}()
	}
}

// waitGone waits until pid, no longer nubo's to wait for, has died.
func waitGone(pid int) {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if !alive(pid) {
			return
		}
	}
}

// alive says whether pid is a process that has not exited (a zombie has).
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}

// hasChildren says whether an environment it forked still runs.
func (s *forkServer) hasChildren() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending) > 0
}

func (s *forkServer) diedAt() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.died
}

// fork asks the server for a child running with env in dir, writing to
// out.
func (s *forkServer) fork(env []string, dir string, out *os.File) (int, func() syscall.WaitStatus, error) {
	s.mu.Lock()
	if !s.died.IsZero() {
		s.mu.Unlock()
		return 0, nil, errors.New("fork server exited")
	}
	s.nextID++
	id := s.nextID
	r := &forkRequest{started: make(chan forkReply, 1), exit: make(chan syscall.WaitStatus, 1)}
	s.pending[id] = r
	s.mu.Unlock()
	msg, err := json.Marshal(map[string]any{"id": id, "env": env, "dir": dir})
	if err != nil {
		return 0, nil, err
	}
	if _, _, err := s.conn.WriteMsgUnix(msg, syscall.UnixRights(int(out.Fd())), nil); err != nil {
		s.forget(id)
		return 0, nil, fmt.Errorf("ask the fork server: %w", err)
	}
	var reply forkReply
	select {
	case reply = <-r.started:
	case <-time.After(5 * time.Second):
		s.forget(id)
		return 0, nil, errors.New("the fork server did not answer within 5s")
	}
	if reply.Error != "" {
		s.forget(id)
		return 0, nil, errors.New(reply.Error)
	}
	return reply.PID, func() syscall.WaitStatus { return <-r.exit }, nil
}

func (s *forkServer) forget(id uint64) {
	s.mu.Lock()
	delete(s.pending, id)
	s.mu.Unlock()
}

// stop ends the server: closing its socket makes it exit, and its children
// with it; SIGKILL follows if it lingers.
func (s *forkServer) stop() {
	s.conn.Close()
	select {
	case <-s.exited:
	case <-time.After(time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
}
