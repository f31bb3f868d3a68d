package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/nubo-dev/nubo/internal/bench"
	"github.com/nubo-dev/nubo/internal/bench/sqsbench"
)

func benchSQSCmd(args []string) error {
	fs := flag.NewFlagSet("bench-sqs", flag.ExitOnError)
	conc := fs.Int("concurrency", 32, "client connections")
	duration := fs.Duration("duration", 2*time.Second, "length of each measurement")
	rounds := fs.Int("rounds", 5, "how many times each measurement is made, nubo, goaws and the floor in turn")
	backlog := fs.Int("backlog", 50000, "messages a receive scenario's queue holds when it starts")
	cache, _ := os.UserCacheDir()
	peer := fs.String("goaws-dir", filepath.Join(cache, "nubo", "goaws-v0.4.5"), "where goaws is built with go install (and found by later runs); empty skips it")
	noFloor := fs.Bool("no-floor", false, "skip the bare JetStream floor")
	only := fs.String("only", "", "measure only the scenarios whose names contain this (to profile one)")
	events := fs.Int("events", 20000, "messages the SQS-to-Lambda scenario drains (0 skips it)")
	sandbox := fs.String("sandbox", "", "sandbox driver: process or linux (default: as nubo serve)")
	source := fs.String("source", ".", "the nubo repository (the no-op function is built from it)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of nubo serve during the run to this file")
	floorAddr := fs.String("serve-floor", "", "(used by the run itself) serve the stream floor on this address until interrupted")
	fs.Parse(args)
	if *floorAddr != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return bench.ServeStreamFloor(ctx, *floorAddr)
	}
	bin, err := os.Executable()
	if err != nil {
		return err
	}
	var fn []byte
	if *events > 0 {
		if fn, err = bench.NoopZip(*source); err != nil {
			return err
		}
	}
	opts := sqsbench.Options{Concurrency: *conc, Duration: *duration, Rounds: max(*rounds, 1), Backlog: *backlog, GoawsDir: *peer, NoFloor: *noFloor, Only: *only,
		Events: *events, Function: fn, Sandbox: *sandbox, Binary: bin, Profile: *profile, Logf: func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }}
	rep, err := sqsbench.Run(context.Background(), opts)
	if err != nil {
		return err
	}
	rep.Print(opts)
	return nil
}
