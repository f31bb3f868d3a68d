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

	"github.com/nubo-dev/nubo/internal/bench/s3bench"
)

func benchS3Cmd(args []string) error {
	fs := flag.NewFlagSet("bench-s3", flag.ExitOnError)
	duration := fs.Duration("duration", 3*time.Second, "length of each PUT and GET measurement (two per target and row)")
	concs := fs.String("concurrency", "1,32", "concurrencies of the PUT and GET rows")
	small := fs.Int("small", 4<<10, "small object size, bytes")
	large := fs.Int("large", 16<<20, "large object size (and multipart part size), bytes")
	multipart := fs.Int64("multipart", 1<<30, "size of the multipart upload, bytes")
	mpConc := fs.Int("multipart-concurrency", 8, "parts uploaded at once")
	peer := fs.String("versitygw", "", "versitygw binary (default: built into the cache directory)")
	cache, _ := os.UserCacheDir()
	cacheDir := fs.String("cache", filepath.Join(cache, "nubo"), "where versitygw is built")
	dir := fs.String("dir", "", "where both targets keep their data (default: a temporary directory)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	fs.Parse(args)
	var cs []int
	for _, f := range strings.Split(*concs, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("--concurrency: %q is not a positive number", f)
		}
		cs = append(cs, n)
	}
	stopProfile, err := startCPUProfile(*profile)
	if err != nil {
		return err
	}
	defer stopProfile()
	logf := func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }
	logf("%s", s3bench.Header())
	rows, err := s3bench.Run(context.Background(), s3bench.Options{
		Duration: *duration, Concurrencies: cs, Small: *small, Large: *large, Multipart: *multipart,
		MultipartConcurrency: *mpConc, Peer: *peer, CacheDir: *cacheDir, Dir: *dir, Logf: logf,
	})
	if err != nil {
		return err
	}
	fmt.Printf("\nnubo bench-s3: nubo and versitygw %s (posix backend) side by side over loopback HTTP, SigV4 with\n"+
		"UNSIGNED-PAYLOAD; each row measured %v twice per target (nubo, versitygw, versitygw, nubo). nubo answers a\n"+
		"PUT once it is durable: objects up to 64 KiB acknowledged by its store, larger ones fsynced with their\n"+
		"directory; versitygw's posix backend writes without fsync.\n\n", s3bench.PeerVersion, *duration)
	s3bench.Print(os.Stdout, rows)
	return nil
}
