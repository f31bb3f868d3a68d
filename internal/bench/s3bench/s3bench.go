// Package s3bench measures nubo's S3 beside a real peer in the same run:
// versitygw (a Go S3 gateway) serving a local directory with its posix
// backend, built into a cache directory the first time. Both get the same
// requests over keep-alive loopback HTTP, SigV4-signed with an unsigned
// payload: PUT and GET of a small and a large object at two
// concurrencies, and one large multipart upload. `nubo bench-s3` prints
// the table: per row, each target's rate, median and 99th percentile, and
// nubo's rate as a multiple of the peer's.
package s3bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/bench"
)

// Options configures a run.
type Options struct {
	// Duration of each PUT and GET row, per target.
	Duration time.Duration
	// Concurrencies of the PUT and GET rows (1 and 32).
	Concurrencies []int
	// Small and Large are the object sizes (4 KiB and 16 MiB).
	Small, Large int
	// Multipart is the size of the multipart upload (1 GiB), sent in
	// parts of Large, MultipartConcurrency at a time.
	Multipart            int64
	MultipartConcurrency int
	// Peer is the versitygw binary; "" builds it into CacheDir.
	Peer     string
	CacheDir string
	// Dir holds both targets' data (a temporary directory when "").
	Dir  string
	Logf func(format string, args ...any)
}

// Stats is one target's measurement of one row.
type Stats struct {
	Ops, Errors int
	Bytes       int64
	Elapsed     time.Duration
	P50, P99    time.Duration
}

// PerSec is the rate of operations.
func (s Stats) PerSec() float64 { return float64(s.Ops) / s.Elapsed.Seconds() }

// MBPerSec is the rate of bytes (MiB/s).
func (s Stats) MBPerSec() float64 { return float64(s.Bytes) / (1 << 20) / s.Elapsed.Seconds() }

// Row is one scenario measured on both targets.
type Row struct {
	Name       string
	Nubo, Peer Stats
}

// Ratio is nubo's rate as a multiple of the peer's.
func (r Row) Ratio() float64 {
	if r.Peer.Ops == 0 {
		return 0
	}
	return r.Nubo.MBPerSec() / r.Peer.MBPerSec()
}

// target is one S3 server under test.
type target struct {
	name string
	c    *client
}

// Run starts nubo and versitygw and measures both, row by row.
func Run(ctx context.Context, opts Options) ([]Row, error) {
	dir := opts.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "nubo-bench-s3-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	bin, err := PeerBinary(ctx, opts.Peer, opts.CacheDir, opts.Logf)
	if err != nil {
		return nil, err
	}
	srv, stop, err := bench.StartServer(ctx, filepath.Join(dir, "nubo"), bench.ServerOptions{})
	if err != nil {
		return nil, err
	}
	defer stop()
	p, err := startPeer(ctx, bin, filepath.Join(dir, "versitygw"))
	if err != nil {
		return nil, err
	}
	defer p.stop()
	conns := 1
	for _, c := range opts.Concurrencies {
		conns = max(conns, c)
	}
	targets := []target{{"nubo", newClient(srv.Addr(), conns)}, {"versitygw", newClient(p.addr, conns)}}
	for _, t := range targets {
		if err := t.c.createBucket(ctx, "bench"); err != nil {
			return nil, fmt.Errorf("%s: %w", t.name, err)
		}
	}
	return runRows(ctx, opts, targets)
}

// runRows measures every row on both targets, twice each in the order
// nubo, peer, peer, nubo, so that neither is favoured by what the shared
// machine (or the other target's writeback) does meanwhile.
func runRows(ctx context.Context, opts Options, targets []target) ([]Row, error) {
	small, large := payload(opts.Small), payload(opts.Large)
	var rows []Row
	add := func(name string, measure func(t target) sample) {
		var a, b []sample
		for _, first := range []bool{true, false} {
			if first {
				a = append(a, measure(targets[0]))
				b = append(b, measure(targets[1]))
			} else {
				b = append(b, measure(targets[1]))
				a = append(a, measure(targets[0]))
			}
		}
		r := Row{Name: name, Nubo: merge(a), Peer: merge(b)}
		opts.Logf("%s", FormatRow(r))
		rows = append(rows, r)
	}
	for _, size := range []struct {
		label, prefix string
		data          []byte
		keys          int // per worker: PUTs overwrite them in turn
	}{{sizeLabel(opts.Small), "small", small, 8}, {sizeLabel(opts.Large), "large", large, 1}} {
		for _, conc := range opts.Concurrencies {
			key := func(w, i int) string { return fmt.Sprintf("%s-%d-%d", size.prefix, w, i%size.keys) }
			if err := preload(ctx, targets, conc, size.keys, size.data, key); err != nil {
				return nil, err
			}
			add(fmt.Sprintf("PUT %s c=%d", size.label, conc), func(t target) sample {
				return measure(ctx, conc, opts.Duration, int64(len(size.data)), func(w, i int) error {
					return t.c.put(ctx, "bench", key(w, i), size.data)
				})
			})
			add(fmt.Sprintf("GET %s c=%d", size.label, conc), func(t target) sample {
				return measure(ctx, conc, opts.Duration, int64(len(size.data)), func(w, i int) error {
					return t.c.get(ctx, "bench", key(w, i))
				})
			})
		}
	}
	parts := int(opts.Multipart / int64(opts.Large))
	add(fmt.Sprintf("multipart %s (%d x %s, c=%d)", sizeLabel(int(opts.Multipart)), parts, sizeLabel(opts.Large), opts.MultipartConcurrency),
		func(t target) sample {
			start := time.Now()
			lat, err := t.c.multipart(ctx, "bench", "multipart", large, parts, opts.MultipartConcurrency)
			s := sample{lat: lat, elapsed: time.Since(start), ops: 1, bytes: int64(parts) * int64(len(large))}
			if err != nil {
				opts.Logf("%s: multipart: %v", t.name, err)
				s.errs, s.ops, s.bytes = 1, 0, 0
			}
			return s
		})
	return rows, nil
}

// preload writes every key the rows of conc workers use, so that each GET
// finds its object however few PUTs its worker made.
func preload(ctx context.Context, targets []target, conc, keys int, data []byte, key func(w, i int) string) error {
	for _, t := range targets {
		for w := 0; w < conc; w++ {
			for i := 0; i < keys; i++ {
				if err := t.c.put(ctx, "bench", key(w, i), data); err != nil {
					return fmt.Errorf("%s: %w", t.name, err)
				}
			}
		}
	}
	return nil
}

// sample is one measurement: each operation's latency (for the
// percentiles), the operations and bytes done, and how long it took.
type sample struct {
	lat       []time.Duration
	ops, errs int
	bytes     int64
	elapsed   time.Duration
}

// merge sums samples into the row's statistics.
func merge(samples []sample) Stats {
	var all []time.Duration
	var s Stats
	for _, x := range samples {
		all = append(all, x.lat...)
		s.Ops, s.Errors, s.Bytes, s.Elapsed = s.Ops+x.ops, s.Errors+x.errs, s.Bytes+x.bytes, s.Elapsed+x.elapsed
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	if len(all) > 0 {
		s.P50, s.P99 = all[len(all)/2], all[len(all)*99/100]
	}
	return s
}

// measure runs op from conc workers for d; op gets its worker and
// iteration numbers.
func measure(ctx context.Context, conc int, d time.Duration, size int64, op func(w, i int) error) sample {
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Go(func() {
			var local []time.Duration
			e := 0
			for i := 0; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				t := time.Now()
				if err := op(w, i); err != nil {
					e++
					continue
				}
				local = append(local, time.Since(t))
			}
			mu.Lock()
			lat, errs = append(lat, local...), errs+e
			mu.Unlock()
		})
	}
	wg.Wait()
	return sample{lat: lat, ops: len(lat), errs: errs, bytes: int64(len(lat)) * size, elapsed: time.Since(start)}
}

// payload is size bytes that do not compress.
func payload(size int) []byte {
	b := make([]byte, size)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func sizeLabel(n int) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
