// Package linux is the sandbox driver that isolates each execution
// environment with Linux namespaces, cgroups and seccomp, and enforces
// Lambda's limits.
//
// Every sandbox has its own mount, PID, network, UTS and IPC namespaces,
// and its main process a cgroup namespace rooted at its cgroups. Its
// processes run as a uid and gid of their own (one per live sandbox), with
// no capabilities (bounding set included), no_new_privs and a seccomp filter
// (seccomp.go), and see only: the host's /usr and the other system
// directories read-only, a small /etc built from the host's, their code at
// /var/task and the runtime at /var/runtime (read-only), an empty /opt, a
// private /tmp, their own /proc, and a /dev of null, zero, full, random,
// urandom and tty. /tmp is an ext4 filesystem of EphemeralMB on a loop
// device backed by an unnamed sparse file (tmpdisk.go): on disk, not in
// memory, so a 128 MB function can fill a 512 MB /tmp, as on Lambda. /etc,
// the code and the runtime come from the driver's own tmpfs (share.go), so
// that neither mountinfo nor /proc/self/cgroup shows a host path.
//
// A cgroup per sandbox (v2 when the unified hierarchy has the memory, cpu
// and pids controllers, else the three v1 hierarchies, and the freezer's) caps memory at
// MemorySize with swap off (exceeding it kills the sandbox and sets
// Exit().OOM), CPU at 1,769 MB per vCPU after init (two vCPUs during init,
// as Lambda grants; see InitDone), and processes at 1,024.
//
// The Runtime API listener is opened inside the sandbox's network namespace
// at 127.0.0.1:9001, where nothing else can reach it; Listen opens further
// ones (nubo's AWS endpoint). NetworkOutbound adds a veth pair and NAT
// (outbound.go).
//
// PID 1 of every sandbox is a program of the driver's own, 1.7 kB of
// assembly (pid1/): re-executing nubo would cost every package's
// initialisation per sandbox. nubo creates it with the namespaces, builds
// the root filesystem from threads that join them, and has it start the
// function's process at Start. Prepared sandboxes wait in a pool that Run
// refills, and network namespaces are reused (netns.go), so Create and Start
// only do the per-function work.
//
// Crash safety: PID 1 dies with nubo's spawning thread (PR_SET_PDEATHSIG),
// which takes its whole PID namespace with it, and New removes every cgroup
// a previous run left; no mount of a sandbox is ever made in the host's
// mount namespace.
package linux

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/nubo-dev/nubo/internal/sandbox"
)

// Network modes.
const (
	NetworkNone     = "none"     // loopback only
	NetworkOutbound = "outbound" // loopback and NAT to the host's routes
)

// Options configure the driver. The zero value of every field but Dir
// selects a default.
type Options struct {
	// Dir holds the driver's state (the sandboxes' /etc, user files and the
	// mount point of their roots). New empties it.
	Dir string
	// CgroupParent is the cgroup, from each hierarchy's root, under which
	// sandboxes get theirs ("nubo"). New removes what a previous run left
	// there, so it must belong to this driver alone.
	CgroupParent string
	// Network is NetworkNone (the default) or NetworkOutbound.
	Network string
	// Subnet is the IPv4 range, at least a /24, that outbound sandboxes
	// take their addresses from ("10.201.0.0/16").
	Subnet string
	// UIDBase and UIDCount delimit the user and group ids sandboxes run as,
	// one per live sandbox (1,000,000 and 65,536); they must belong to no
	// one else. The count also bounds the number of live sandboxes.
	UIDBase, UIDCount int
	// MaxProcs caps the processes and threads of a sandbox (1,024, Lambda's).
	MaxProcs int
	// Listen is an address (host:port) on which every prepared sandbox
	// also listens, inside its network namespace, for Listen to hand over
	// without entering the namespace at a cold start (the engine's AWS
	// endpoint; "" for none).
	Listen string
	// PoolSize is how many sandboxes Run keeps prepared (16); PoolWorkers
	// how many it prepares at a time (4).
	PoolSize, PoolWorkers int
	// Logger receives the driver's log (slog.Default()).
	Logger *slog.Logger
}

func (o *Options) setDefaults() {
	if o.CgroupParent == "" {
		o.CgroupParent = "nubo"
	}
	if o.Network == "" {
		o.Network = NetworkNone
	}
	if o.Subnet == "" {
		o.Subnet = "10.201.0.0/16"
	}
	if o.UIDBase == 0 {
		o.UIDBase = 1_000_000
	}
	if o.UIDCount == 0 {
		o.UIDCount = 65536
	}
	if o.MaxProcs == 0 {
		o.MaxProcs = 1024
	}
	if o.PoolSize == 0 {
		o.PoolSize = 16
	}
	if o.PoolWorkers == 0 {
		o.PoolWorkers = 4
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Driver creates Linux sandboxes. Create waits for Run to start and fails
// once it has returned.
type Driver struct {
	opts    Options
	log     *slog.Logger
	cgroups *cgroupRoot
	pid1    *os.File // the init program, a sealed memory file
	devNull *os.File
	rootDir string // mount point of every sandbox's root, in its own namespace
	share   *share // /etc, user files, copies of code and runtimes
	tmp     *tmpDisks
	uids    *idPool
	net     *outbound // nil unless Network is outbound
	hostNet int       // nubo's own network namespace

	netMu    sync.Mutex
	idleNets []*netns
	closed   bool

	spawn   chan spawnRequest
	ready   chan *slot    // the pool
	started chan struct{} // closed when Run starts
	stopped chan struct{} // closed when Run has stopped its spawners

	mu      sync.Mutex
	runs    int
	seq     uint64
	nonce   string
	cpus    []int // the CPUs nubo may run on, for pinning small sandboxes
	lastCPU int
}

// nextCPU picks the CPU to pin the next small sandbox to, in turn.
func (d *Driver) nextCPU() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.lastCPU = (d.lastCPU + 1) % len(d.cpus)
	return d.cpus[d.lastCPU]
}

// New checks that the host can run sandboxes, removes what a previous run
// left (cgroups under CgroupParent, the state directory) and prepares the
// state directory.
func New(opts Options) (*Driver, error) {
	opts.setDefaults()
	if opts.Dir == "" {
		return nil, errors.New("linux sandbox driver: no state directory")
	}
	if os.Geteuid() != 0 {
		return nil, errors.New("linux sandbox driver: needs root")
	}
	if opts.Network != NetworkNone && opts.Network != NetworkOutbound {
		return nil, fmt.Errorf("linux sandbox driver: unknown network mode %q", opts.Network)
	}
	d := &Driver{
		opts:    opts,
		log:     opts.Logger.With("driver", "linux"),
		rootDir: filepath.Join(opts.Dir, "root"),
		uids:    newIDPool(opts.UIDBase, opts.UIDCount),
		nonce:   fmt.Sprintf("%x", os.Getpid()),
		spawn:   make(chan spawnRequest),
		ready:   make(chan *slot, opts.PoolSize),
		started: make(chan struct{}),
		stopped: make(chan struct{}),
	}
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, fmt.Errorf("linux sandbox driver: sched_getaffinity: %w", err)
	}
	for cpu := range 1024 {
		if set.IsSet(cpu) {
			d.cpus = append(d.cpus, cpu)
		}
	}
	cg, err := findCgroups(opts.CgroupParent)
	if err != nil {
		return nil, fmt.Errorf("linux sandbox driver: %w", err)
	}
	d.cgroups = cg
	if err := d.removeLeftovers(); err != nil {
		return nil, err
	}
	if err := cg.prepare(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(d.rootDir, 0o755); err != nil {
		return nil, fmt.Errorf("create state dir: %w", err)
	}
	if d.share, err = newShare(); err != nil {
		return nil, err
	}
	if err := buildEtc(d.share.path("etc"), "/etc"); err != nil {
		d.share.close()
		return nil, fmt.Errorf("build sandbox etc: %w", err)
	}
	if d.tmp, err = newTmpDisks(filepath.Join(opts.Dir, "tmp")); err != nil {
		return nil, err
	}
	if d.pid1, err = loadPID1(); err != nil {
		return nil, err
	}
	if d.devNull, err = openDevNull(); err != nil {
		d.pid1.Close()
		return nil, err
	}
	if d.hostNet, err = unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0); err != nil {
		d.pid1.Close()
		d.devNull.Close()
		return nil, fmt.Errorf("open network namespace: %w", err)
	}
	if opts.Network == NetworkOutbound {
		if d.net, err = newOutbound(opts.Subnet, opts.CgroupParent, d.log); err != nil {
			d.Close()
			return nil, err
		}
	}
	return d, nil
}

// Name implements sandbox.Driver.
func (d *Driver) Name() string { return "linux" }

// Close releases what New acquired and removes the state directory and,
// if no sandbox is left in them, the parent cgroups. Call it after Run has
// returned.
func (d *Driver) Close() error {
	d.closeIdleNetns()
	unix.Close(d.hostNet)
	var errs []error
	if d.net != nil {
		errs = append(errs, d.net.close())
	}
	for _, dir := range d.cgroups.dirs() {
		os.Remove(dir) // fails while a sandbox's cgroup remains
	}
	d.tmp.close()
	errs = append(errs, d.share.close(), d.pid1.Close(), d.devNull.Close(), os.RemoveAll(d.opts.Dir))
	return errors.Join(errs...)
}

// Run keeps the pool of prepared sandboxes filled until ctx ends, then
// empties it. Sandboxes still running when Run returns are killed: no
// environment outlives the driver.
func (d *Driver) Run(ctx context.Context) error {
	d.mu.Lock()
	d.runs++
	runs := d.runs
	d.mu.Unlock()
	if runs > 1 {
		return errors.New("linux sandbox driver: Run called twice")
	}
	var spawners, fill sync.WaitGroup
	for range 2 {
		spawners.Add(1)
		goLocked(func() { defer spawners.Done(); d.spawner(ctx, d.spawn) })
	}
	for range d.opts.PoolWorkers {
		fill.Add(1)
		go func() { defer fill.Done(); d.refill(ctx, d.ready) }()
	}
	close(d.started)
	<-ctx.Done()
	fill.Wait()
	spawners.Wait()
	close(d.stopped)
	for len(d.ready) > 0 {
		(<-d.ready).destroy()
	}
	return nil
}

// Create implements sandbox.Driver: it takes a prepared sandbox from the
// pool (or prepares one) and fits it to spec.
func (d *Driver) Create(ctx context.Context, spec sandbox.Spec) (sandbox.Sandbox, error) {
	if spec.TaskRoot == "" || spec.MemoryMB <= 0 || spec.EphemeralMB <= 0 {
		return nil, errors.New("create sandbox: spec needs TaskRoot, MemoryMB and EphemeralMB")
	}
	select {
	case <-d.started:
	case <-ctx.Done():
		return nil, fmt.Errorf("create sandbox: %w", ctx.Err())
	}
	select {
	case <-d.stopped:
		return nil, errors.New("create sandbox: linux driver stopped")
	default:
	}
	// A prepared sandbox whose PID 1 someone killed fails to fit; the
	// second attempt may take another.
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		var s *slot
		select {
		case s = <-d.ready:
		default:
			if s, err = d.newSlot(ctx); err != nil {
				return nil, fmt.Errorf("create sandbox: %w", err)
			}
		}
		var b *box
		if b, err = d.fit(s, spec); err == nil {
			return b, nil
		}
		s.destroy()
	}
	return nil, fmt.Errorf("create sandbox: %w", err)
}
