package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// BenchmarkInvoke measures warm invokes of the no-op function on the floor
// and on nubo (process driver), one beside the other at each concurrency,
// and reports this process's CPU per invoke (cpu-µs/op), the figure that
// least depends on what else the machine runs. Profile one side with
// -bench 'Invoke/nubo/c=8' -cpuprofile.
func BenchmarkInvoke(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	bin, err := noopBinary("../..", dir)
	if err != nil {
		b.Fatal(err)
	}
	zipped, err := zipBootstrap(bin)
	if err != nil {
		b.Fatal(err)
	}
	srv, stop, err := StartServer(ctx, dir, ServerOptions{Sandbox: "process"})
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	nubo := newClient("http://"+srv.Addr(), 64)
	if err := nubo.deploy(ctx, "noop", zipped); err != nil {
		b.Fatal(err)
	}
	for _, c := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("floor/c=%d", c), func(b *testing.B) {
			f, err := startFloor(bin, c)
			if err != nil {
				b.Fatal(err)
			}
			defer f.stop()
			benchInvokes(b, newClient(f.base(), c), c)
		})
		b.Run(fmt.Sprintf("nubo/c=%d", c), func(b *testing.B) {
			benchInvokes(b, nubo, c)
		})
	}
}

// benchInvokes runs b.N invokes from c callers, after a warm-up that
// starts c environments.
func benchInvokes(b *testing.B, cl *client, c int) {
	ctx := context.Background()
	cl.load(ctx, "noop", c, 200*time.Millisecond)
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	b.ResetTimer()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if cl.invoke(ctx, "noop") != nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano()
	n := float64(b.N)
	b.ReportMetric(float64(cpu)/1e3/n, "cpu-µs/op")
	b.ReportMetric(float64(after.Nvcsw-before.Nvcsw)/n, "vcsw/op")
	b.ReportMetric(float64(after.Nivcsw-before.Nivcsw)/n, "ivcsw/op")
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d invokes failed", n, b.N)
	}
}
