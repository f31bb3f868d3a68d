package meter_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/meter"
)

// Step Functions' usage is priced at its list prices, with the free
// transitions of Standard workflows, and survives a restart.
func TestStatesArePricedAndSurviveRestart(t *testing.T) {
	ctx := context.Background()
	s := openStream(t)
	m := open(t, s)
	m.AddStates(now, "us-east-1", "orders", meter.StatesUsage{Transitions: 10_000})
	m.AddStates(now, "us-east-1", "quick", meter.StatesUsage{Requests: 1_000_000, MBMs: 64 * 100 * 1_000_000})
	if err := m.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	m.AddStates(now, "us-east-1", "orders", meter.StatesUsage{Transitions: 2_000})              // after the snapshot
	m.AddStates(now.Add(time.Second), "us-east-1", "orders", meter.StatesUsage{Transitions: 7}) // April
	if err := m.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	p := meter.DefaultPrices()
	for _, m := range []*meter.Meter{m, open(t, s)} {
		r := report(t, m, "2026-03", "", "", p)
		if len(r.StateMachines) != 2 || r.StateMachines[0].StateMachine != "orders" || r.StateMachines[0].Transitions != 12_000 ||
			r.StateMachines[1].Requests != 1_000_000 || r.FreeStateTransitions != 4000 {
			t.Fatalf("March: %+v", r.StateMachines)
		}
		// 12,000 transitions at $0.025 per 1,000, 4,000 of them free; a
		// million requests at $1.00 and 6,250 GB-s at $0.00001667.
		gbs := 64.0 * 100 * 1_000_000 / 1024 / 1000
		gross := 12*0.025 + 1.00 + gbs*0.00001667
		if math.Abs(r.GrossCost-gross) > 1e-9 || math.Abs(r.Cost-(gross-4*0.025)) > 1e-9 || math.Abs(r.StateMachines[1].GBSeconds-gbs) > 1e-9 {
			t.Errorf("March: gross %v, due %v, want %v and %v", r.GrossCost, r.Cost, gross, gross-4*0.025)
		}
		if r := report(t, m, "2026-03", "", "f", p); len(r.StateMachines) != 0 {
			t.Errorf("a function's bill shows state machines: %+v", r.StateMachines)
		}
		if r := report(t, m, "2026-04", "eu-west-1", "", p); len(r.StateMachines) != 0 {
			t.Errorf("another region's bill: %+v", r.StateMachines)
		}
	}
}
