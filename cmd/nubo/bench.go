package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/bench"
)

func benchCmd(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	conc := fs.String("concurrency", "1,8,64", "comma-separated concurrencies for warm invokes")
	duration := fs.Duration("duration", 5*time.Second, "length of each warm measurement")
	cold := fs.Int("cold", 50, "number of cold starts to measure")
	asyncEvents := fs.Int("async", 20000, "events in the asynchronous burst (0 skips the asynchronous scenario)")
	sandbox := fs.String("sandbox", "", "sandbox driver to measure: process or linux (default: as nubo serve)")
	memory := fs.Int("memory", 0, "memory size of the benchmarked function in MB (default 128, Lambda's); the linux driver's CPU share follows it (1,769 MB = one vCPU)")
	source := fs.String("source", ".", "the nubo repository (the no-op function is built from it)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	forkServer := fs.Bool("python-fork-server", true, "with the process driver, fork Python environments from a pre-initialised interpreter")
	runtimes := fs.String("runtime", "", "measure only cold starts, of a trivial handler per runtime, e.g. python3.12,nodejs20.x,provided.al2023 (--cold of each)")
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
	var cs []int
	for _, s := range strings.Split(*conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("bad concurrency %q", s)
		}
		cs = append(cs, n)
	}
	rep, err := bench.Run(context.Background(), bench.Options{
		Concurrencies: cs, Duration: *duration, ColdStarts: *cold, AsyncEvents: *asyncEvents, Sandbox: *sandbox, Source: *source,
		MemoryMB: *memory, Logf: logf,
	})
	if err != nil {
		return err
	}
	rep.Print(os.Stdout)
	return nil
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
