package engine

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/sandbox"
)

// freezeLog is a driver whose sandboxes record what the engine asks of
// them as a sandbox.Freezer, and whether they were frozen when the engine
// stopped them.
type freezeLog struct {
	sandbox.Driver
	mu     sync.Mutex
	calls  []string
	frozen bool
}

func (d *freezeLog) Create(ctx context.Context, spec sandbox.Spec) (sandbox.Sandbox, error) {
	sb, err := d.Driver.Create(ctx, spec)
	if err != nil {
		return nil, err
	}
	return &freezable{Sandbox: sb, log: d}, nil
}

func (d *freezeLog) record(call string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch call {
	case "freeze":
		d.frozen = true
	case "thaw":
		d.frozen = false
	case "stop":
		if d.frozen {
			call = "stop while frozen"
		}
	}
	d.calls = append(d.calls, call)
}

func (d *freezeLog) log() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.calls)
}

type freezable struct {
	sandbox.Sandbox
	log *freezeLog
}

func (f *freezable) Freeze(context.Context) error { f.log.record("freeze"); return nil }
func (f *freezable) Thaw() error                  { f.log.record("thaw"); return nil }
func (f *freezable) Stop(grace time.Duration) error {
	f.log.record("stop")
	return f.Sandbox.Stop(grace)
}

// TestFreezeBetweenInvocations checks that an environment is frozen once
// its runtime waits for the next event after an invocation, thawed before
// it gets the next one and before it stops, and never frozen during Init.
func TestFreezeBetweenInvocations(t *testing.T) {
	var d *freezeLog
	h := newHarness(t, func(o *Options) {
		d = &freezeLog{Driver: o.Driver}
		o.Driver = d
	})
	cfg := function("freeze")
	h.invoke(request(cfg, map[string]string{"value": "one"}))
	waitFor(t, "the idle environment to freeze", func() bool { return slices.Equal(d.log(), []string{"freeze"}) })
	h.invoke(request(cfg, map[string]string{"value": "two"}))
	waitFor(t, "the second freeze", func() bool { return len(d.log()) == 3 })
	if got, want := d.log(), []string{"freeze", "thaw", "freeze"}; !slices.Equal(got, want) {
		t.Fatalf("calls %q, want %q", got, want)
	}
	h.eng.Removed(scope, cfg.FunctionName, "")
	waitFor(t, "the environment to stop", func() bool { return len(d.log()) == 5 })
	if got, want := d.log()[3:], []string{"thaw", "stop"}; !slices.Equal(got, want) {
		t.Fatalf("calls on stop %q, want %q", got, want)
	}
}
