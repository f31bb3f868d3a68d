package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestRun runs the whole benchmark briefly, floor included: every scenario
// must measure something and count no errors. (A warm scenario's 300 ms
// may hold a few invokes only, on a loaded machine under -race: 9 once.)
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: starts a server and builds the no-op function")
	}
	rep, err := Run(context.Background(), Options{
		Concurrencies: []int{1, 4}, Duration: 300 * time.Millisecond, ColdStarts: 2, AsyncEvents: 100, Enqueues: 100, FrontDoor: []int{2},
		Sandbox: "process", Source: "../..", Rounds: 2, Logf: t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, s Stats, wantN int) {
		t.Helper()
		if s.N < wantN || s.Errors != 0 || s.P50 <= 0 || s.P99 < s.P50 {
			t.Errorf("%s: %v; want at least %d, no errors, 0 < p50 <= p99", name, s, wantN)
		}
	}
	for _, c := range []int{1, 4} {
		check("warm", rep.Warm[c], c)
		check("no-auth", rep.Second[c], c)
		check("floor", rep.Floor[c], c)
		if rep.Warm[c].CPU <= 0 || rep.Floor[c].CPU <= 0 {
			t.Errorf("c=%d: CPU per invoke %v (nubo), %v (floor); want both measured", c, rep.Warm[c].CPU, rep.Floor[c].CPU)
		}
	}
	check("cold", rep.Cold, 2)
	check("floor cold", rep.ColdFloor, 2)
	check("enqueue", rep.Async.Enqueue, 100)
	check("paced enqueue", rep.Async.Paced, 100)
	check("enqueue floor", rep.Async.Floor, 100)
	check("paced enqueue floor", rep.Async.PacedFloor, 100)
	if len(rep.FrontDoor) != 1 {
		t.Fatalf("front door: %+v", rep.FrontDoor)
	}
	check("front door invoke", rep.FrontDoor[0].Direct, 2)
	check("function URL", rep.FrontDoor[0].URL, 2)
	check("HTTP API", rep.FrontDoor[0].API, 2)
	if rep.Async.Events != 100 || rep.Async.Errors != 0 || rep.Async.Through <= 0 || rep.Async.FloorThrough <= 0 {
		t.Errorf("async: %+v", rep.Async)
	}
	var out bytes.Buffer
	rep.Print(&out)
	for _, want := range []string{"medians of 2 rounds", "floor c=4", "no-auth c=4", "c=1: verifying signatures costs", "c=1: nubo adds",
		"CPU per invoke", "enqueue 200/s", "enqueue at 200/s: nubo adds", "cold start: nubo adds", "c=2: a function URL adds", "c=2: an HTTP API adds"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestMedian(t *testing.T) {
	ms := time.Millisecond
	got := median([]Stats{
		{N: 10, Errors: 1, P50: 3 * ms, P99: 9 * ms, PerSec: 300, CPU: 30 * ms},
		{N: 30, P50: 1 * ms, P99: 7 * ms, PerSec: 100, CPU: 10 * ms},
		{N: 20, Errors: 2, P50: 2 * ms, P99: 8 * ms, PerSec: 200, CPU: 20 * ms},
	})
	want := Stats{N: 20, Errors: 3, P50: 2 * ms, P99: 8 * ms, PerSec: 200, CPU: 20 * ms}
	if got != want {
		t.Errorf("median: got %+v; want %+v", got, want)
	}
}
