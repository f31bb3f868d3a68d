package main

import (
	"archive/zip"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"time"

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
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var fn []byte
	if *events > 0 {
		var err error
		if fn, err = buildNoopZip(*source); err != nil {
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

// buildNoopZip builds internal/bench/noop as a custom runtime's bootstrap.
func buildNoopZip(source string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "nubo-noop-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "bootstrap")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./internal/bench/noop")
	cmd.Dir = source
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build the no-op function (run from the repository): %v\n%s", err, out)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return nil, err
	}
	w.Write(data)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
