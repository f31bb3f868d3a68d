package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/bench"
	"github.com/nubo-dev/nubo/internal/bench/eventsbench"
)

func benchCmd(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	conc := fs.String("concurrency", "1,8,64", "comma-separated concurrencies for warm invokes")
	duration := fs.Duration("duration", 5*time.Second, "length of each warm measurement")
	rounds := fs.Int("rounds", 1, "rounds of the warm and cold measurements, the floor's and nubo's in turn; the report gives medians")
	cold := fs.Int("cold", 50, "number of cold starts to measure")
	asyncEvents := fs.Int("async", 20000, "events in the asynchronous burst (0 skips the asynchronous scenario)")
	frontDoor := fs.String("frontdoor", "1,64", "concurrencies at which the same no-op request goes through an HTTP API, a function URL and a direct Invoke (\"\" skips it)")
	sandbox := fs.String("sandbox", "", "sandbox driver to measure: process or linux (default: as nubo serve)")
	versus := fs.String("versus", "", "compare warm invokes with a second server on this sandbox driver (process or linux), in turn in the same run; by default the second server runs the same driver without verifying signatures")
	memory := fs.Int("memory", 0, "memory size of the benchmarked function in MB (default 128, Lambda's); the linux driver's CPU share follows it (1,769 MB = one vCPU)")
	source := fs.String("source", ".", "the nubo repository (the no-op function is built from it)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	forkServer := fs.Bool("python-fork-server", true, "with the process driver, fork Python environments from a pre-initialised interpreter")
	runtimes := fs.String("runtime", "", "measure only cold starts, of a trivial handler per runtime, e.g. python3.12,nodejs20.x,provided.al2023 (--cold of each)")
	events := fs.Int("events", 10000, "events each EventBridge scenario puts (0 skips them)")
	eventsOnly := fs.Bool("events-only", false, "measure only EventBridge (and its rule matcher)")
	cluster := fs.Bool("cluster", false, "measure only one node against a cluster of three (warm invokes at the largest --concurrency, async enqueue latency)")
	clusterCPUs := fs.String("cluster-cpus", "", "with --cluster, pin every node to these CPUs (taskset -c list), so that one node and three have the same cores")
	fs.Parse(args)
	stopProfile, err := startCPUProfile(*profile)
	if err != nil {
		return err
	}
	defer stopProfile()
	logf := func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }
	if *runtimes != "" {
		rep, err := bench.RunRuntimes(context.Background(), bench.RuntimeOptions{
			Runtimes: strings.Split(*runtimes, ","), ColdStarts: *cold, Sandbox: *sandbox, Source: *source, Logf: logf,
			NoForkServer: !*forkServer,
		})
		if err != nil {
			return err
		}
		rep.Print(os.Stdout)
		return nil
	}
	if *cluster {
		return benchCluster(*conc, *duration, *clusterCPUs, *sandbox, *source, logf)
	}
	if *eventsOnly {
		return benchEvents(*events, *source, *sandbox, logf)
	}
	cs, err := concurrencies(*conc)
	if err != nil {
		return err
	}
	doors, err := concurrencies(*frontDoor)
	if err != nil {
		return err
	}
	rep, err := bench.Run(context.Background(), bench.Options{
		Concurrencies: cs, Duration: *duration, ColdStarts: *cold, AsyncEvents: *asyncEvents, FrontDoor: doors, Sandbox: *sandbox, Versus: *versus,
		Source: *source, MemoryMB: *memory, Rounds: *rounds, Logf: logf,
	})
	if err != nil {
		return err
	}
	rep.Print(os.Stdout)
	if *events > 0 {
		return benchEvents(*events, *source, *sandbox, logf)
	}
	return nil
}

// benchEvents prints the EventBridge rows: PutEvents to a queue and to a
// function, and the rule matcher.
func benchEvents(events int, source, sandbox string, logf func(string, ...any)) error {
	fn, err := bench.NoopZip(source)
	if err != nil {
		return err
	}
	stats, matcher, err := eventsbench.Run(context.Background(), eventsbench.Options{Events: max(events, 10), Concurrency: 16,
		Function: fn, Sandbox: sandbox, Logf: logf})
	if err != nil {
		return err
	}
	fmt.Println("\nevents (16 callers, batches of 10 events of ~130 bytes)")
	for _, s := range stats {
		fmt.Println(s)
	}
	for _, m := range matcher {
		fmt.Printf("matcher, %5d rules on the bus: %v per event (%.1f matches); %.2fx the 10-rule bus's\n",
			m.Rules, m.PerEvent, m.Matches, float64(m.PerEvent)/float64(matcher[0].PerEvent))
	}
	return nil
}

// concurrencies parses a comma-separated list of concurrencies ("" is
// none).
func concurrencies(list string) ([]int, error) {
	var cs []int
	for _, s := range strings.Split(list, ",") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad concurrency %q", s)
		}
		cs = append(cs, n)
	}
	return cs, nil
}

// startCPUProfile profiles the process into path until stop is called;
// with no path it does nothing.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// benchCluster prints one node against three: warm invokes at the largest
// of concurrencies, and the latency of asynchronous enqueues.
func benchCluster(concurrency string, d time.Duration, cpus, sandbox, source string, logf func(string, ...any)) error {
	cs, err := concurrencies(concurrency)
	if err != nil {
		return err
	}
	rep, err := bench.RunCluster(context.Background(), bench.ClusterOptions{Source: source, Concurrency: slices.Max(cs),
		Duration: d, Enqueues: 2000, CPUs: cpus, Sandbox: sandbox, Logf: logf})
	if err != nil {
		return err
	}
	rep.Print(os.Stdout)
	return nil
}
