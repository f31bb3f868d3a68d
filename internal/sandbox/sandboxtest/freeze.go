package sandboxtest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/sandbox"
)

// testFreeze checks the optional sandbox.Freezer: a process that keeps
// printing, and a child of it, print nothing while the sandbox is frozen
// and go on once it is thawed.
func testFreeze(t *testing.T, d sandbox.Driver) {
	e := create(t, d, nil)
	f, ok := e.sb.(sandbox.Freezer)
	if !ok {
		t.Skipf("the %s driver cannot freeze", d.Name())
	}
	e.start(`(while :; do echo child; sleep 0.01; done) & while :; do echo tick; sleep 0.01; done`)
	e.out.waitFor(t, "child")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a busy machine is slow to freeze
	defer cancel()
	if err := f.Freeze(ctx); err != nil {
		t.Fatal(err)
	}
	before := e.out.settled(t)
	time.Sleep(200 * time.Millisecond)
	if after := e.out.text(); after != before {
		t.Fatalf("output went on while frozen: %q", strings.TrimPrefix(after, before))
	}
	if err := f.Thaw(); err != nil {
		t.Fatal(err)
	}
	n := len(before)
	deadline := time.Now().Add(10 * time.Second)
	for text := e.out.text(); !strings.Contains(text[n:], "tick") || !strings.Contains(text[n:], "child"); text = e.out.text() {
		if time.Now().After(deadline) {
			t.Fatalf("no output after Thaw: %q", text[n:])
		}
	}
}

// testStopFrozen checks that Stop ends a frozen sandbox promptly, its
// runtime's SIGTERM handler included.
func testStopFrozen(t *testing.T, d sandbox.Driver) {
	e := create(t, d, nil)
	f, ok := e.sb.(sandbox.Freezer)
	if !ok {
		t.Skipf("the %s driver cannot freeze", d.Name())
	}
	e.start(`trap 'echo terminated; exit 0' TERM; echo ready; while :; do sleep 0.01; done`)
	e.out.waitFor(t, "ready")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := f.Freeze(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := e.sb.Stop(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Fatalf("Stop of a frozen sandbox took %v", d)
	}
	if ex := e.sb.Exit(); ex.Code != 0 || ex.Signal != "" {
		t.Fatalf("exit %v, want the SIGTERM handler's exit 0", ex)
	}
	if err := f.Thaw(); err != nil {
		t.Errorf("Thaw after Stop: %v", err)
	}
}
