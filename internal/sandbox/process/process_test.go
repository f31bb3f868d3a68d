package process

import (
	"context"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/sandbox"
	"github.com/nubo-dev/nubo/internal/sandbox/sandboxtest"
)

func TestConformance(t *testing.T) {
	d, err := New(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	sandboxtest.Run(t, d)
}

// With Run keeping spares, sandboxes made ahead pass the same suite, and
// Run releases its spare when it ends.
func TestConformanceWithSpares(t *testing.T) {
	dir := t.TempDir()
	d, err := New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()
	sandboxtest.Run(t, d)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left in the sandbox dir: %v", left)
	}
}

// newSandbox creates a sandbox of a new driver, stopped when t ends.
func newSandbox(t *testing.T) sandbox.Sandbox {
	t.Helper()
	d, err := New(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := d.Create(context.Background(), sandbox.Spec{ID: "a", TaskRoot: t.TempDir(), MemoryMB: 128, EphemeralMB: 512})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Stop(0) })
	return sb
}

// TestRuntimeAPIRefusesOthers checks the answer a process outside the
// environment gets: 403, before and after Start.
func TestRuntimeAPIRefusesOthers(t *testing.T) {
	sb := newSandbox(t)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "served") })}
	go srv.Serve(sb.Listener())
	defer srv.Close()
	get := func() int {
		resp, err := http.Get("http://" + sb.RuntimeAPI() + "/2018-06-01/runtime/invocation/next")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get(); code != http.StatusForbidden {
		t.Fatalf("before Start: %d, want 403", code)
	}
	if err := sb.Start([]string{"sleep", "30"}, nil); err != nil {
		t.Fatal(err)
	}
	if code := get(); code != http.StatusForbidden {
		t.Fatalf("after Start: %d, want 403", code)
	}
}

// The peak memory from taskstats is the one /proc/PID/status gives
// (VmHWM), and a process's allocation shows in it.
func TestPeakFromTaskstats(t *testing.T) {
	if taskstatsFamily() == 0 {
		t.Skip("taskstats needs CAP_NET_ADMIN")
	}
	sb := newSandbox(t)
	if err := sb.Start([]string{"python3", "-c", "import time; x = b'x' * (40 << 20); time.sleep(30)"}, nil); err != nil {
		t.Fatal(err)
	}
	b := sb.(*box)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		b.mu.Lock()
		fromTaskstats, fromStatus := b.readHWM(), b.readStatusHWM()
		b.mu.Unlock()
		if fromTaskstats >= 40<<10 {
			if diff := fromStatus - fromTaskstats; diff < 0 || diff > 1<<10 {
				t.Fatalf("taskstats gives %d KB, status %d KB", fromTaskstats, fromStatus)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("taskstats gives %d KB after a 40 MB allocation (status %d KB)", fromTaskstats, fromStatus)
		}
	}
}

// BenchmarkPeak compares the two sources of a process's peak memory.
func BenchmarkPeak(b *testing.B) {
	box := &box{pid: os.Getpid(), status: -1}
	defer func() {
		if box.ts != nil {
			box.ts.Close()
		}
	}()
	b.Run("taskstats", func(b *testing.B) {
		if taskstatsFamily() == 0 {
			b.Skip("taskstats needs CAP_NET_ADMIN")
		}
		for b.Loop() {
			box.readHWM()
		}
	})
	b.Run("status", func(b *testing.B) {
		for b.Loop() {
			box.readStatusHWM()
		}
	})
}
