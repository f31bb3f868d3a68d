package linux

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/sandbox"
)

// The benchmarks measure what issue 4 sets targets for, with a static Go
// bootstrap (testdata/bootstrap) at 128 MB:
//
//	NUBO_BENCH=1 go test -run TestBench -v ./internal/sandbox/linux/
//
// NUBO_BENCH_N sets the number of idle sandboxes of the density benchmark
// (1,000).

func needBench(t *testing.T) {
	if os.Getenv("NUBO_BENCH") == "" {
		t.Skip("set NUBO_BENCH=1 to run the benchmarks")
	}
}

// runtimeServer is a stand-in for nubo's Runtime API on one sandbox's
// listener: it notes the first request, and parks /next until closed.
type runtimeServer struct {
	srv   *http.Server
	first chan time.Time
	park  chan struct{}
}

func serveRuntime(sb sandbox.Sandbox) *runtimeServer {
	rs := &runtimeServer{first: make(chan time.Time, 1), park: make(chan struct{})}
	rs.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case rs.first <- time.Now():
		default:
		}
		if strings.HasSuffix(r.URL.Path, "/next") {
			select {
			case <-rs.park:
			case <-r.Context().Done():
			}
			return
		}
		io.WriteString(w, "{}")
	})}
	go rs.srv.Serve(sb.Listener())
	return rs
}

func (rs *runtimeServer) close() {
	close(rs.park)
	rs.srv.Close()
}

var discard = func() *os.File { f, _ := os.OpenFile(os.DevNull, os.O_WRONLY, 0); return f }()

// coldStart creates and starts a sandbox running the bootstrap and returns
// it once the bootstrap's first request arrived, with the times of Create,
// Start and the whole.
func coldStart(t testing.TB, d *Driver, root string, memoryMB int) (sandbox.Sandbox, *runtimeServer, [3]time.Duration, error) {
	var times [3]time.Duration
	t0 := time.Now()
	sb, err := d.Create(context.Background(), sandbox.Spec{ID: "bench", TaskRoot: root, MemoryMB: memoryMB, EphemeralMB: 512, Output: discard})
	if err != nil {
		return nil, nil, times, err
	}
	t1 := time.Now()
	rs := serveRuntime(sb)
	env := append([]string{"AWS_LAMBDA_RUNTIME_API=" + sb.RuntimeAPI()}, baseEnv...)
	if err := sb.Start([]string{"/var/task/bootstrap"}, env); err != nil {
		sb.Stop(0)
		return nil, nil, times, err
	}
	t2 := time.Now()
	select {
	case t3 := <-rs.first:
		times = [3]time.Duration{t1.Sub(t0), t2.Sub(t1), t3.Sub(t0)}
	case <-sb.Done():
		rs.close()
		return nil, nil, times, fmt.Errorf("bootstrap exited: %v", sb.Exit())
	case <-time.After(10 * time.Second):
		rs.close()
		sb.Stop(0)
		return nil, nil, times, fmt.Errorf("no request from the bootstrap")
	}
	return sb, rs, times, nil
}

func percentiles(ds []time.Duration) string {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	p := func(q float64) time.Duration { return ds[min(len(ds)-1, int(q*float64(len(ds))))] }
	return fmt.Sprintf("p50 %6.2f ms  p99 %6.2f ms", p(0.50).Seconds()*1000, p(0.99).Seconds()*1000)
}

// waitPool waits until the pool holds n sandboxes.
func waitPool(d *Driver, n int) {
	for deadline := time.Now().Add(30 * time.Second); len(d.ready) < n && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
}

func TestBenchColdStart(t *testing.T) {
	needBench(t)
	d := sharedDriver(t)
	root := taskRoot(t, nil, buildTool(t, "bootstrap"))
	for _, mem := range []int{128, 1024} {
		var create, start, total []time.Duration
		for i := 0; i < 200; i++ {
			waitPool(d, 4)
			sb, rs, times, err := coldStart(t, d, root, mem)
			if err != nil {
				t.Fatal(err)
			}
			create, start, total = append(create, times[0]), append(start, times[1]), append(total, times[2])
			rs.close()
			sb.Stop(0)
		}
		t.Logf("cold start %4d MB, 200 runs: Create %s | Start %s | Create to first request %s",
			mem, percentiles(create), percentiles(start), percentiles(total))
	}
}

func TestBenchStartRate(t *testing.T) {
	needBench(t)
	d := sharedDriver(t)
	root := taskRoot(t, nil, buildTool(t, "bootstrap"))
	for _, workers := range []int{4, 16} {
		floor := floorRate(t, filepath.Join(root, "bootstrap"), workers, 5*time.Second)
		var n atomic.Int64
		var mu sync.Mutex
		var total []time.Duration
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var wg sync.WaitGroup
		busy0, all0 := cpuTicks()
		self0, children0 := cpuUsage()
		began := time.Now()
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					sb, rs, times, err := coldStart(t, d, root, 128)
					if err != nil {
						t.Error(err)
						return
					}
					n.Add(1)
					mu.Lock()
					total = append(total, times[2])
					mu.Unlock()
					rs.close()
					sb.Stop(0)
				}
			}()
		}
		wg.Wait()
		cancel()
		el := time.Since(began)
		busy1, all1 := cpuTicks()
		self1, children1 := cpuUsage()
		k := float64(n.Load())
		t.Logf("%2d workers for %v: %d sandboxes created, started, served and stopped = %.0f/s; Create to first request %s",
			workers, el.Round(time.Millisecond), n.Load(), k/el.Seconds(), percentiles(total))
		t.Logf("   floor (the bootstrap exec'd into new mount, PID, IPC, UTS and network namespaces, no cgroup or file system, exiting at once) %.0f/s; the driver reaches %.2fx of it",
			floor, k/el.Seconds()/floor)
		t.Logf("   CPU per sandbox: nubo %.1f ms, the sandbox's processes %.1f ms, whole machine %.1f ms (%.0f%% busy, other work included)",
			(self1-self0).Seconds()*1000/k, (children1-children0).Seconds()*1000/k,
			float64(busy1-busy0)*10/k, 100*float64(busy1-busy0)/float64(all1-all0)) // USER_HZ = 100
	}
}

func TestBenchDensity(t *testing.T) {
	needBench(t)
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("NUBO_BENCH_N")); err == nil {
		n = v
	}
	d := sharedDriver(t)
	root := taskRoot(t, nil, buildTool(t, "bootstrap"))
	waitPool(d, d.opts.PoolSize)
	hostBefore, availBefore := settle(), memAvailable()

	type live struct {
		sb sandbox.Sandbox
		rs *runtimeServer
	}
	var envs []live
	defer func() {
		for _, e := range envs {
			e.rs.close()
			e.sb.Stop(0)
		}
	}()
	// Started by 8 workers at once: the burst start rate.
	var mu sync.Mutex
	var wg sync.WaitGroup
	var failed atomic.Value
	next := atomic.Int64{}
	began := time.Now()
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) && failed.Load() == nil {
				sb, rs, _, err := coldStart(t, d, root, 128)
				if err != nil {
					failed.Store(err)
					return
				}
				mu.Lock()
				envs = append(envs, live{sb, rs})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		t.Fatalf("after %d sandboxes: %v", len(envs), err)
	}
	el := time.Since(began)
	time.Sleep(2 * time.Second) // let every bootstrap settle on /next
	for i, e := range envs {
		select {
		case <-e.sb.Done():
			t.Fatalf("sandbox %d ended: %v", i, e.sb.Exit())
		default:
		}
	}
	waitPool(d, d.opts.PoolSize)
	hostAfter, availAfter := settle(), memAvailable()
	var procRSS, cgroupBytes int64
	var procs int
	for _, e := range envs {
		b := e.sb.(*box)
		for _, pid := range b.s.cg.procs() {
			procRSS += rssOf(pid)
			procs++
		}
		data, _ := os.ReadFile(b.s.cg.path(b.s.cg.root.mem, usageFile(b.s.cg.root)))
		v, _ := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
		cgroupBytes += v
	}
	mib := func(b int64) float64 { return float64(b) / (1 << 20) }
	t.Logf("%d idle sandboxes (each a Go bootstrap parked on /next) started by 8 workers in %v (%.0f/s)", n, el.Round(time.Millisecond), float64(n)/el.Seconds())
	t.Logf("nubo (this process) RSS %.1f -> %.1f MiB: %.3f MiB per sandbox", mib(hostBefore), mib(hostAfter), mib(hostAfter-hostBefore)/float64(n))
	t.Logf("sandbox processes: %d, RSS %.0f MiB in all, %.2f MiB per sandbox; cgroup memory %.2f MiB per sandbox",
		procs, mib(procRSS), mib(procRSS)/float64(n), mib(cgroupBytes)/float64(n))
	t.Logf("host MemAvailable fell by %.0f MiB: %.2f MiB per sandbox, kernel objects included", mib(availBefore-availAfter), mib(availBefore-availAfter)/float64(n))
}

// floorRate is the least the machine needs per sandbox: it starts the
// bootstrap at bin from workers at once for d, each in the five new
// namespaces a sandbox has, and returns the rate. With no Runtime API the
// bootstrap exits as soon as it has started.
func floorRate(t *testing.T, bin string, workers int, d time.Duration) float64 {
	var n atomic.Int64
	deadline := time.Now().Add(d)
	began := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				cmd := exec.Command(bin)
				cmd.Env = []string{}
				cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWPID |
					syscall.CLONE_NEWIPC | syscall.CLONE_NEWUTS | syscall.CLONE_NEWNET}
				var exit *exec.ExitError
				if err := cmd.Run(); err != nil && !errors.As(err, &exit) {
					t.Error(err)
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(began).Seconds()
}

// settle collects garbage and returns this process's resident size.
func settle() int64 {
	runtime.GC()
	debug.FreeOSMemory()
	return rssOf(os.Getpid())
}

func rssOf(pid int) int64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func memAvailable() int64 {
	data, _ := os.ReadFile("/proc/meminfo")
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "MemAvailable:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func usageFile(r *cgroupRoot) string {
	if r.v2 {
		return "memory.current"
	}
	return "memory.usage_in_bytes"
}

// cpuTicks returns the machine's busy and total CPU time in clock ticks.
func cpuTicks() (busy, total int64) {
	data, _ := os.ReadFile("/proc/stat")
	fields := strings.Fields(strings.SplitN(string(data), "\n", 2)[0])
	for i, f := range fields[1:] {
		v, _ := strconv.ParseInt(f, 10, 64)
		total += v
		if i != 3 && i != 4 { // idle, iowait
			busy += v
		}
	}
	return busy, total
}

// cpuUsage returns the CPU time of this process and of its reaped
// descendants: the sandboxes' PID 1 and, through it, their processes.
func cpuUsage() (self, children time.Duration) {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru)
	return self, time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestBenchFreeze measures what freezing an idle environment costs: Freeze
// (until every process is frozen) and Thaw of a sandbox with a few
// processes.
func TestBenchFreeze(t *testing.T) {
	needBench(t)
	d := sharedDriver(t)
	e := create(t, d, taskRoot(t, nil), 128, 64)
	e.sh(t, "sleep 1000 & sleep 1000 & echo ready; wait")
	e.out.waitFor(t, "ready")
	f := e.sb.(*box)
	const n = 500
	var freeze, thaw time.Duration
	for range n {
		start := time.Now()
		if err := f.Freeze(context.Background()); err != nil {
			t.Fatal(err)
		}
		frozen := time.Now()
		if err := f.Thaw(); err != nil {
			t.Fatal(err)
		}
		freeze, thaw = freeze+frozen.Sub(start), thaw+time.Since(frozen)
	}
	t.Logf("freeze %v, thaw %v (mean of %d, a sandbox of 4 processes)", freeze/n, thaw/n, n)
}
