package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/bench"
	"github.com/nubo-dev/nubo/internal/bench/dynamodbbench"
)

func benchDynamoDBCmd(args []string) error {
	fs := flag.NewFlagSet("bench-dynamodb", flag.ExitOnError)
	conc := fs.String("concurrency", "1,32", "client connections of each measurement, comma-separated")
	duration := fs.Duration("duration", 3*time.Second, "length of each measurement")
	repeat := fs.Int("repeat", 1, "measurements of each row on each server, taken in turn; the report gives their medians")
	cache, _ := os.UserCacheDir()
	peer := fs.String("dynalite-dir", filepath.Join(cache, "nubo", "dynalite-4.0.0"), "where dynalite is installed with npm (and found by later runs); empty skips it")
	events := fs.Int("events", 200, "writes the stream-to-Lambda latency scenario times (0 skips it)")
	// The stream scenario's function posts to a sink on the host's
	// loopback, which the linux driver's sandboxes cannot reach.
	sandbox := fs.String("sandbox", "process", "sandbox driver of the stream scenario's function")
	source := fs.String("source", ".", "the nubo repository (the stream scenario's function is built from it)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	fs.Parse(args)
	var levels []int
	for _, s := range strings.Split(*conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("bad --concurrency %q", *conc)
		}
		levels = append(levels, n)
	}
	stopProfile, err := startCPUProfile(*profile)
	if err != nil {
		return err
	}
	defer stopProfile()
	var fn []byte
	if *events > 0 {
		if fn, err = bench.FunctionZip(*source, "./internal/bench/dynamodbbench/sinkfn"); err != nil {
			return err
		}
	}
	rep, err := dynamodbbench.Run(context.Background(), dynamodbbench.Options{Concurrency: levels, Duration: *duration, Repeat: *repeat,
		DynaliteDir: *peer, Function: fn, Events: *events, Sandbox: *sandbox,
		Logf: func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }})
	if err != nil {
		return err
	}
	fmt.Printf("nubo bench-dynamodb: %v per measurement, medians of %d, 100-byte items; dynalite %s in memory, nubo synced to disk\n", *duration, max(*repeat, 1), "4.0.0")
	rep.Print(os.Stdout)
	return nil
}
