package linux

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"

	"github.com/nubo-dev/nubo/internal/sandbox/sandboxtest"
)

// testDriver is the driver the package's tests share: New removes every
// cgroup under its parent, so two drivers must not share one.
var testDriver struct {
	once sync.Once
	d    *Driver
	err  error
	stop func()
}

func TestMain(m *testing.M) {
	code := m.Run()
	if testDriver.stop != nil {
		testDriver.stop()
	}
	os.Exit(code)
}

func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the linux sandbox driver needs root")
	}
}

func sharedDriver(t testing.TB) *Driver {
	t.Helper()
	needRoot(t)
	testDriver.once.Do(func() {
		dir, err := os.MkdirTemp("", "nubo-linux-test")
		if err != nil {
			testDriver.err = err
			return
		}
		d, err := New(Options{Dir: dir, CgroupParent: testParent("shared"), Listen: "127.0.0.1:4566", Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			testDriver.err = err
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { d.Run(ctx); close(done) }()
		testDriver.d = d
		testDriver.stop = func() {
			cancel()
			<-done
			d.Close()
			os.RemoveAll(dir)
		}
	})
	if testDriver.err != nil {
		t.Fatal(testDriver.err)
	}
	return testDriver.d
}

func TestConformance(t *testing.T) {
	sandboxtest.Run(t, sharedDriver(t))
}

// testParent names a cgroup parent unique to this test process: New kills
// whatever runs under its parent, and several test runs may share a machine.
func testParent(name string) string { return fmt.Sprintf("nubo-test-%s-%d", name, os.Getpid()) }

// newDriver runs a driver of its own for one test; opts.CgroupParent must
// come from testParent.
func newDriver(t *testing.T, opts Options) *Driver {
	t.Helper()
	needRoot(t)
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	opts.Logger = slog.New(slog.DiscardHandler)
	d, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		d.Close()
	})
	return d
}
