package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/bench"
	"github.com/nubo-dev/nubo/internal/bench/sfnbench"
)

func benchSFNCmd(args []string) error {
	fs := flag.NewFlagSet("bench-sfn", flag.ExitOnError)
	conc := fs.String("concurrency", "1,32", "comma-separated numbers of clients")
	duration := fs.Duration("duration", 5*time.Second, "length of each measurement")
	lambdaTasks := fs.Bool("lambda", true, "also measure the state machine of ten Lambda tasks (builds the no-op function)")
	sandbox := fs.String("sandbox", "", "sandbox driver: process or linux (default: as nubo serve)")
	source := fs.String("source", ".", "the nubo repository (the no-op function is built from it)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	fs.Parse(args)
	var cs []int
	for _, s := range strings.Split(*conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("bad concurrency %q", s)
		}
		cs = append(cs, n)
	}
	stopProfile, err := startCPUProfile(*profile)
	if err != nil {
		return err
	}
	defer stopProfile()
	var fn []byte
	if *lambdaTasks {
		if fn, err = bench.NoopZip(*source); err != nil {
			return err
		}
	}
	stats, err := sfnbench.Run(context.Background(), sfnbench.Options{Concurrencies: cs, Duration: *duration, Function: fn, Sandbox: *sandbox,
		Logf: func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }})
	if err != nil {
		return err
	}
	fmt.Println("nubo bench-sfn: Standard clients start executions back to back, and the rates count until every one has ended;")
	fmt.Println("Express clients wait for StartSyncExecution. The floor runs the same through the domain's Go API, without HTTP.")
	for _, s := range stats {
		fmt.Println(s)
	}
	return nil
}
