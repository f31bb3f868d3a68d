package bench

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"
)

func TestReportMs(t *testing.T) {
	tail := []byte("END RequestId: x\nREPORT RequestId: x\tDuration: 1.25 ms\tBilled Duration: 40 ms\tMemory Size: 128 MB\tMax Memory Used: 9 MB\tInit Duration: 38.50 ms\t\n")
	for _, c := range []struct {
		name string
		got  func() (time.Duration, bool)
		want time.Duration
	}{
		{"duration", func() (time.Duration, bool) { return reportMs(durationRE, tail) }, 1250 * time.Microsecond},
		{"init", func() (time.Duration, bool) { return reportMs(initDurationRE, tail) }, 38500 * time.Microsecond},
	} {
		got, ok := c.got()
		if !ok || got != c.want {
			t.Errorf("%s = %v, %v; want %v", c.name, got, ok, c.want)
		}
	}
	if _, ok := reportMs(initDurationRE, []byte("REPORT RequestId: x\tDuration: 1.25 ms\t")); ok {
		t.Error("found an Init Duration in a warm REPORT line")
	}
}

// TestRunRuntimes measures a few cold starts of a managed runtime and the
// aws-lambda-go no-op through a real server.
func TestRunRuntimes(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: starts a server and builds the no-op function")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must provide python3")
		}
		t.Skip("skipping: no python3")
	}
	rep, err := RunRuntimes(context.Background(), RuntimeOptions{
		Runtimes: []string{"python3.12", "provided.al2023"}, ColdStarts: 2, Sandbox: "process", Source: "../..",
		Logf: t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Runtimes) != 2 {
		t.Fatalf("got %d runtimes, want 2", len(rep.Runtimes))
	}
	for _, s := range rep.Runtimes {
		if s.Cold.N != 2 || s.Cold.Errors != 0 {
			t.Errorf("%s: %d cold starts, %d errors; want 2, 0", s.Runtime, s.Cold.N, s.Cold.Errors)
		}
		if s.Init.P50 <= 0 || s.Cold.P50 < s.Init.P50 {
			t.Errorf("%s: cold p50 %v, init p50 %v; want 0 < init <= cold", s.Runtime, s.Cold.P50, s.Init.P50)
		}
	}
}
