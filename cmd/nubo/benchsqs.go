package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/nubo-dev/nubo/internal/bench"
	"github.com/nubo-dev/nubo/internal/bench/sqsbench"
)

func benchSQSCmd(args []string) error {
	fs := flag.NewFlagSet("bench-sqs", flag.ExitOnError)
	conc := fs.Int("concurrency", 32, "client connections")
	duration := fs.Duration("duration", 5*time.Second, "length of each measurement")
	events := fs.Int("events", 20000, "messages the SQS-to-Lambda scenario drains (0 skips it)")
	sandbox := fs.String("sandbox", "", "sandbox driver: process or linux (default: as nubo serve)")
	source := fs.String("source", ".", "the nubo repository (the no-op function is built from it)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	fs.Parse(args)
	stopProfile, err := startCPUProfile(*profile)
	if err != nil {
		return err
	}
	defer stopProfile()
	var fn []byte
	if *events > 0 {
		if fn, err = bench.NoopZip(*source); err != nil {
			return err
		}
	}
	stats, err := sqsbench.Run(context.Background(), sqsbench.Options{Concurrency: *conc, Duration: *duration, Events: *events,
		Function: fn, Sandbox: *sandbox, Logf: func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }})
	if err != nil {
		return err
	}
	fmt.Printf("nubo bench-sqs: %d connections, 100-byte messages\n", *conc)
	for _, s := range stats {
		fmt.Println(s)
	}
	return nil
}
