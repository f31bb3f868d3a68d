package meter_test

import (
	"context"
	"io"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/meter"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
)

func openStream(t testing.TB) store.Stream {
	t.Helper()
	ctx := context.Background()
	st, err := natsstore.Open(ctx, natsstore.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	s, err := st.Stream(ctx, "METER", meter.Prefix, natsstore.StreamOptions{MaxAge: meter.Retention, AllowRollup: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func open(t testing.TB, s store.Stream) *meter.Meter {
	t.Helper()
	m, err := meter.Open(context.Background(), s, meter.Options{SnapshotEvery: time.Hour, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var now = time.Date(2026, 3, 31, 23, 59, 59, 0, time.UTC)

func use(m *meter.Meter, at time.Time, fn, arch string, memory int, billed ...int64) {
	for _, b := range billed {
		m.Add(meter.Usage{Time: at, Region: "us-east-1", Function: fn, Architecture: arch, MemoryMB: memory, BilledMs: b})
	}
}

func TestUsageIsExactAndSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	s := openStream(t)
	m := open(t, s)
	use(m, now, "a", "x86_64", 128, 1, 2, 3)
	use(m, now, "a", "x86_64", 256, 100)
	use(m, now, "b", "arm64", 1024, 1000)
	use(m, now.Add(time.Second), "a", "x86_64", 128, 5) // April
	check := func(m *meter.Meter, when string) {
		t.Helper()
		r := report(t, m, "2026-03", "", "", meter.DefaultPrices())
		if len(r.Functions) != 2 || r.Requests != 5 || r.MBMs != 6*128+100*256+1000*1024 {
			t.Fatalf("%s: March %+v", when, r)
		}
		a := r.Functions[0]
		if a.Function != "a" || a.Requests != 4 || a.BilledMs != 106 || a.MBMs != 6*128+100*256 || len(a.Lines) != 2 {
			t.Errorf("%s: a in March %+v", when, a)
		}
		if r.GBSeconds != float64(r.MBMs)/1024000 {
			t.Errorf("%s: GB-s %v of %d MB·ms", when, r.GBSeconds, r.MBMs)
		}
		if april := report(t, m, "2026-04", "", "a", meter.DefaultPrices()); april.Requests != 1 || april.MBMs != 5*128 {
			t.Errorf("%s: April %+v", when, april)
		}
	}
	check(m, "before restart")
	if err := m.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// Invocations metered after the last snapshot are replayed on top of
	// it (once stored, within a few milliseconds); many metered at once
	// take a few messages, not one each.
	use(m, now, "b", "arm64", 1024, make([]int64, 100)...)
	m2 := reopenWhen(t, s, func(m *meter.Meter) bool {
		return report(t, m, "2026-03", "", "b", meter.DefaultPrices()).Requests == 101
	})
	b := store.Key(meter.Prefix, "2026-03", "us-east-1", "b")
	if subjects, err := s.Subjects(ctx, b); err != nil || subjects[b] > 11 {
		t.Errorf("100 invocations metered at once took %d messages (%v), want a snapshot and at most 10", subjects[b], err)
	}
	use(m2, now, "b", "arm64", 1024, 0)
	// 101 requests of 0 ms were added: only the request counts change.
	r := report(t, m2, "2026-03", "", "b", meter.DefaultPrices())
	if r.Requests != 102 || r.MBMs != 1000*1024 {
		t.Errorf("b after restart: %+v", r)
	}
	if err := m2.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	subjects, err := s.Subjects(ctx, meter.Prefix+".>")
	if err != nil {
		t.Fatal(err)
	}
	for subject, n := range subjects {
		if n != 1 {
			t.Errorf("%s holds %d messages after a snapshot, want 1", subject, n)
		}
	}
}

// reopenWhen opens a new Meter on s until ready says it has read what it
// should.
func reopenWhen(t *testing.T, s store.Stream, ready func(*meter.Meter) bool) *meter.Meter {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		m := open(t, s)
		if ready(m) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatal("the meter never read what was metered")
		}
	}
}

func TestPricesAndFreeTier(t *testing.T) {
	m := open(t, openStream(t))
	// 2,048,000 MB·ms = 2 GB-s on each architecture; 3 requests.
	use(m, now, "x", "x86_64", 1024, 2000)
	use(m, now, "y", "arm64", 2048, 500, 500)
	p := meter.Prices{RequestsPerMillion: 0.20, GBSecondX86: 0.0000166667, GBSecondArm64: 0.0000133334, FreeRequests: 1, FreeGBSeconds: 3}
	r := report(t, m, "2026-03", "", "", p)
	near := func(got, want float64) bool { return math.Abs(got-want) < 1e-15 }
	if !near(r.Functions[0].Cost, 2*0.0000166667+0.20/1e6) || !near(r.Functions[1].Cost, 2*0.0000133334+2*0.20/1e6) {
		t.Errorf("function costs: %+v", r.Functions)
	}
	// The free 3 GB-s cover x86's 2 and 1 of arm64's; 1 free request.
	if r.FreeRequests != 1 || r.FreeGBSeconds != 3 || !near(r.Cost, 2*0.20/1e6+1*0.0000133334) {
		t.Errorf("bill: free %d requests %v GB-s, cost %v", r.FreeRequests, r.FreeGBSeconds, r.Cost)
	}
	if all := report(t, m, "2026-03", "", "", meter.DefaultPrices()); all.Cost != 0 || all.GrossCost == 0 {
		t.Errorf("within the default free tier: %+v", all)
	}
}

// TestDynamoDB prices request units and storage of tables at DynamoDB's
// on-demand prices, and keeps them across a restart.
func TestDynamoDB(t *testing.T) {
	s := openStream(t)
	m := open(t, s)
	at := time.Date(2026, 4, 10, 0, 0, 0, 0, time.UTC) // April: 30 days
	m.AddDynamoDB(at, "us-east-1", "orders", 3_000_000, 1_000_000)
	m.AddDynamoDB(at, "us-east-1", "orders", 1_000_000, 1_000_000)
	// 60 GB held for the whole month.
	m.AddDynamoDBStorage(at, "us-east-1", "orders", 60<<30, 30*24*time.Hour)
	if err := m.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	again := reopenWhen(t, s, func(m *meter.Meter) bool {
		return len(report(t, m, "2026-04", "", "", meter.DefaultPrices()).DynamoDB) == 1
	})
	r := report(t, again, "2026-04", "", "", meter.DefaultPrices())
	tc := r.DynamoDB[0]
	// 4M reads at $0.125, 2M writes at $0.625, 60 GB-months at $0.25 less 25 free.
	if tc.Table != "orders" || tc.ReadRequestUnits != 4_000_000 || tc.WriteRequestUnits != 2_000_000 || math.Abs(tc.GBMonths-60) > 1e-9 {
		t.Fatalf("table = %+v", tc)
	}
	if want := 0.5 + 1.25 + 15.0; math.Abs(tc.Cost-want) > 1e-9 || math.Abs(r.Cost-(want-25*0.25)) > 1e-9 || r.FreeStorageGBMonths != 25 {
		t.Errorf("cost %v, due %v, free %v", tc.Cost, r.Cost, r.FreeStorageGBMonths)
	}
	if got := report(t, again, "2026-04", "", "some-function", meter.DefaultPrices()); len(got.DynamoDB) != 0 {
		t.Errorf("a function's bill holds tables: %+v", got.DynamoDB)
	}
}

func TestCustomEventsArePricedAndSurviveRestart(t *testing.T) {
	ctx := context.Background()
	s := openStream(t)
	m := open(t, s)
	m.AddEvents(now, "us-east-1", 1_500_000)
	m.AddEvents(now, "eu-west-1", 10)
	m.AddEvents(now.Add(time.Second), "us-east-1", 7) // April
	if err := m.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	m.AddEvents(now, "us-east-1", 500_000) // after the snapshot
	if err := m.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, m := range []*meter.Meter{m, open(t, s)} {
		r := report(t, m, "2026-03", "", "", meter.DefaultPrices())
		if len(r.Events) != 2 || r.Events[1].Region != "us-east-1" || r.Events[1].CustomEvents != 2_000_000 ||
			math.Abs(r.Events[0].Cost+r.Events[1].Cost-2.00001) > 1e-9 || math.Abs(r.Cost-2.00001) > 1e-9 {
			t.Fatalf("March: %+v", r)
		}
		if r := report(t, m, "2026-03", "", "f", meter.DefaultPrices()); len(r.Events) != 0 {
			t.Errorf("a function's bill shows events: %+v", r.Events)
		}
	}
}

// report is m's Report, which must not fail.
func report(t *testing.T, m *meter.Meter, month, region, function string, prices meter.Prices) meter.Report {
	t.Helper()
	r, err := m.Report(context.Background(), month, region, function, prices)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
