// Package bench measures nubo end to end: it starts a real server on
// loopback, deploys a no-op aws-lambda-go function through the Lambda API,
// and drives Invoke over HTTP at several concurrencies, then measures cold
// starts. Each scenario is also run on a floor (see floor.go): the same
// function behind a bare Runtime API, which tells what nubo adds and what
// this machine allows at all. `nubo bench` prints its report.
package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Options configures a run.
type Options struct {
	// Concurrencies to measure warm invokes at.
	Concurrencies []int
	// Duration of each warm measurement (after a warm-up).
	Duration time.Duration
	// ColdStarts is how many cold starts to measure.
	ColdStarts int
	// AsyncEvents, when positive, also measures asynchronous invocation
	// with a burst of this many events.
	AsyncEvents int
	// FrontDoor lists the concurrencies at which the same no-op request
	// goes through an HTTP API, a function URL and a direct Invoke (none
	// when empty).
	FrontDoor []int
	// Enqueues is how many Event invocations each enqueue latency
	// measurement times (default 2,000).
	Enqueues int
	// Sandbox is the sandbox driver to measure ("" picks as nubo serve does).
	Sandbox string
	// Versus names the sandbox driver of a second server whose warm
	// invokes are measured in turn with the first's (see compare), both
	// verifying signatures. When empty, the second server runs the same
	// driver and verifies no signature, which measures what verifying
	// costs.
	Versus string
	// MemoryMB is the benchmarked function's memory size (Lambda's default
	// of 128 MB when zero); the linux driver gives it the CPU share that
	// size buys.
	MemoryMB int
	// Source is the directory of the module (to build internal/bench/noop).
	Source string
	// Rounds is how many times each warm and cold measurement is taken,
	// the floor's and nubo's in turn, so that a machine whose load changes
	// weighs on both alike; the report gives the medians (1 when zero).
	Rounds int
	Logf   func(format string, args ...any)
}

// Stats summarises latencies.
type Stats struct {
	N        int
	Errors   int
	P50, P99 time.Duration
	PerSec   float64
	// CPU is this process's CPU time (server and client, not the
	// functions) per invoke, when measured.
	CPU time.Duration
}

func (s Stats) String() string {
	out := fmt.Sprintf("n=%d errors=%d p50=%v p99=%v", s.N, s.Errors, s.P50, s.P99)
	if s.PerSec > 0 {
		out += fmt.Sprintf(" rate=%.0f/s cpu/invoke=%v", s.PerSec, s.CPU)
	}
	return out
}

// processCPU is the CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Report is the result of a run.
type Report struct {
	Warm map[int]Stats
	// Floor is the same load on the least platform possible (see floor).
	Floor map[int]Stats
	Cold  Stats
	// ColdFloor is cold starts on the floor: a new process per invoke.
	ColdFloor Stats
	Async     *AsyncReport
	FrontDoor []FrontDoorStats
	// Second is the same load on the second server (see Options.Versus),
	// measured alternately with Warm (see compare); Versus is its driver
	// ("" for the same driver without signatures).
	Second map[int]Stats
	Versus string
	// Rounds is how many rounds the warm and cold figures are medians of.
	Rounds int
}

// Run starts a server in a temporary directory and measures it.
func Run(ctx context.Context, opts Options) (*Report, error) {
	dir, err := os.MkdirTemp("", "nubo-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin, err := noopBinary(opts.Source, dir)
	if err != nil {
		return nil, err
	}
	zipped, err := zipBootstrap(bin)
	if err != nil {
		return nil, err
	}
	srv, stop, err := StartServer(ctx, dir, ServerOptions{Sandbox: opts.Sandbox})
	if err != nil {
		return nil, err
	}
	defer stop()
	c := newClient("http://"+srv.Addr(), 64)
	c.memoryMB = opts.MemoryMB
	if err := c.deploy(ctx, "noop", zipped); err != nil {
		return nil, err
	}
	u, stopU, err := second(ctx, dir, zipped, opts)
	if err != nil {
		return nil, err
	}
	defer stopU()
	m, err := measureRounds(ctx, opts, c, u, bin, zipped)
	if err != nil {
		return nil, err
	}
	rep := m.medians(max(opts.Rounds, 1))
	rep.Versus = opts.Versus
	if opts.AsyncEvents > 0 {
		if opts.Enqueues == 0 {
			opts.Enqueues = 2000
		}
		if rep.Async, err = runAsync(ctx, srv, c, bin, opts.Enqueues, opts.AsyncEvents); err != nil {
			return nil, err
		}
		a := rep.Async
		opts.Logf("async      enqueue %v (floor %v); at %d/s %v (floor %v); %d events at %.0f/s (floor %.0f/s)",
			a.Enqueue, a.Floor, pacedRate, a.Paced, a.PacedFloor, a.Events, a.Through, a.FloorThrough)
	}
	if len(opts.FrontDoor) > 0 {
		if rep.FrontDoor, err = runFrontDoor(ctx, srv, c, opts.FrontDoor, opts.Duration, opts.Logf); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// summarise computes percentiles of lat over a run of d.
func summarise(lat []time.Duration, errors int, d time.Duration) Stats {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	s := Stats{N: len(lat), Errors: errors}
	if len(lat) > 0 {
		s.P50 = lat[len(lat)*50/100]
		s.P99 = lat[min(len(lat)*99/100, len(lat)-1)]
	}
	if d > 0 {
		s.PerSec = float64(len(lat)) / d.Seconds()
	}
	return s
}

// load invokes fn from n workers for d and summarises the latencies.
func (c *client) load(ctx context.Context, fn string, n int, d time.Duration) Stats {
	return c.loadFunc(ctx, n, d, func(ctx context.Context) error { return c.invoke(ctx, fn) })
}

// loadFunc calls do from n workers for d and returns the latencies.
func (c *client) loadFunc(ctx context.Context, n int, d time.Duration, do func(context.Context) error) Stats {
	var r run
	r.add(ctx, n, d, do)
	return r.stats()
}

// run gathers the latencies, errors and CPU of one scenario, measured in
// one or more slices of time.
type run struct {
	lat      []time.Duration
	errors   int
	cpu, dur time.Duration
}

// add calls do from n workers for d, each at least once (a worker that
// starts late on a loaded machine still measures something).
func (r *run) add(ctx context.Context, n int, d time.Duration, do func(context.Context) error) {
	var mu sync.Mutex
	deadline := time.Now().Add(d)
	cpu := processCPU()
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 4096)
			bad := 0
			for first := true; (first || time.Now().Before(deadline)) && ctx.Err() == nil; first = false {
				start := time.Now()
				if err := do(ctx); err != nil {
					bad++
					continue
				}
				lat = append(lat, time.Since(start))
			}
			mu.Lock()
			r.lat = append(r.lat, lat...)
			r.errors += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	r.cpu += processCPU() - cpu
	r.dur += d
}

func (r *run) stats() Stats {
	s := summarise(r.lat, r.errors, r.dur)
	if s.N > 0 {
		s.CPU = r.cpu / time.Duration(s.N)
	}
	return s
}

// coldStarts creates n functions from the same package, named prefix and a
// number, and times the first invoke of each.
func (c *client) coldStarts(ctx context.Context, zipped []byte, prefix string, n int) (Stats, error) {
	var lat []time.Duration
	errors := 0
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("%s%d", prefix, i)
		if err := c.deploy(ctx, name, zipped); err != nil {
			return Stats{}, err
		}
		start := time.Now()
		if err := c.invoke(ctx, name); err != nil {
			errors++
			continue
		}
		lat = append(lat, time.Since(start))
	}
	return summarise(lat, errors, 0), nil
}

// Print writes the report as a table.
func (r *Report) Print(w io.Writer) {
	if r.Rounds > 1 {
		fmt.Fprintf(w, "medians of %d rounds, the floor's and nubo's in turn\n", r.Rounds)
	}
	fmt.Fprintln(w, "scenario      invokes  errors  p50        p99        rate     cpu/invoke")
	var cs []int
	for c := range r.Warm {
		cs = append(cs, c)
	}
	sort.Ints(cs)
	row := func(name string, s Stats) {
		fmt.Fprintf(w, "%-12s  %7d  %6d  %-9v  %-9v  %-7s  %v\n", name, s.N, s.Errors, s.P50.Round(time.Microsecond), s.P99.Round(time.Microsecond),
			fmt.Sprintf("%.0f/s", s.PerSec), s.CPU.Round(time.Microsecond))
	}
	for _, c := range cs {
		row(fmt.Sprintf("warm c=%d", c), r.Warm[c])
		if u, ok := r.Second[c]; ok {
			row(fmt.Sprintf("%s c=%d", r.secondName(), c), u)
		}
		if f, ok := r.Floor[c]; ok {
			row(fmt.Sprintf("floor c=%d", c), f)
		}
	}
	latency := func(name string, s Stats) {
		fmt.Fprintf(w, "%-12s  %7d  %6d  %-9v  %-9v\n", name, s.N, s.Errors, s.P50.Round(time.Microsecond), s.P99.Round(time.Microsecond))
	}
	if a := r.Async; a != nil {
		latency("enqueue", a.Enqueue)
		latency("floor enq", a.Floor)
		latency(fmt.Sprintf("enqueue %d/s", pacedRate), a.Paced)
		latency(fmt.Sprintf("floor %d/s", pacedRate), a.PacedFloor)
		fmt.Fprintf(w, "async e2e     %7d  %6d  %-9s  %-9s  %.0f/s\n", a.Events, a.Errors, "", "", a.Through)
		fmt.Fprintf(w, "floor async   %7d  %6d  %-9s  %-9s  %.0f/s\n", a.Events, 0, "", "", a.FloorThrough)
	}
	for _, f := range r.FrontDoor {
		row(fmt.Sprintf("invoke c=%d", f.Concurrency), f.Direct)
		row(fmt.Sprintf("url c=%d", f.Concurrency), f.URL)
		row(fmt.Sprintf("api c=%d", f.Concurrency), f.API)
	}
	latency("cold start", r.Cold)
	latency("floor cold", r.ColdFloor)
	fmt.Fprintln(w, strings.Repeat("-", 62))
	for _, f := range r.FrontDoor {
		f.print(w)
	}
	for _, c := range cs {
		f, ok := r.Floor[c]
		if !ok || f.PerSec == 0 {
			continue
		}
		s := r.Warm[c]
		fmt.Fprintf(w, "c=%d: nubo adds %v p50 and %v p99 to the floor; rate %.2fx the floor's, CPU per invoke %.2fx\n",
			c, (s.P50 - f.P50).Round(time.Microsecond), (s.P99 - f.P99).Round(time.Microsecond), s.PerSec/f.PerSec,
			float64(s.CPU)/float64(f.CPU))
	}
	for _, c := range cs {
		u, ok := r.Second[c]
		if !ok || u.PerSec == 0 {
			continue
		}
		s := r.Warm[c]
		if r.Versus != "" {
			fmt.Fprintf(w, "c=%d: rate %.2fx the %s driver's (%.0f/s against %.0f/s), %v p50, CPU per invoke %.2fx\n",
				c, s.PerSec/u.PerSec, r.Versus, s.PerSec, u.PerSec, (s.P50 - u.P50).Round(time.Microsecond), float64(s.CPU)/float64(u.CPU))
			continue
		}
		fmt.Fprintf(w, "c=%d: verifying signatures costs %.1f%% of the warm invoke rate (%.0f/s against %.0f/s), %v p50\n",
			c, 100*(u.PerSec-s.PerSec)/u.PerSec, s.PerSec, u.PerSec, (s.P50 - u.P50).Round(time.Microsecond))
	}
	if a := r.Async; a != nil && a.Paced.N > 0 && a.PacedFloor.N > 0 {
		fmt.Fprintf(w, "enqueue at %d/s: nubo adds %v p50 and %v p99 to the floor\n", pacedRate,
			(a.Paced.P50 - a.PacedFloor.P50).Round(time.Microsecond), (a.Paced.P99 - a.PacedFloor.P99).Round(time.Microsecond))
	}
	if a := r.Async; a != nil && r.Warm[asyncWorkers].PerSec > 0 && r.Floor[asyncWorkers].PerSec > 0 && a.FloorThrough > 0 {
		fmt.Fprintf(w, "async end to end: nubo %.2fx its warm rate at c=%d; the floor %.2fx its own\n",
			a.Through/r.Warm[asyncWorkers].PerSec, asyncWorkers, a.FloorThrough/r.Floor[asyncWorkers].PerSec)
	}
	if r.Cold.N > 0 && r.ColdFloor.N > 0 {
		fmt.Fprintf(w, "cold start: nubo adds %v p50 to the floor's\n", (r.Cold.P50 - r.ColdFloor.P50).Round(time.Microsecond))
	}
}

// secondName labels the second server's rows.
func (r *Report) secondName() string {
	if r.Versus != "" {
		return r.Versus
	}
	return "no-auth"
}
