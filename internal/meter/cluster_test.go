package meter_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/meter"
	"github.com/nubo-dev/nubo/internal/store"
)

func openNode(t testing.TB, s store.Stream, node string) *meter.Meter {
	t.Helper()
	m, err := meter.Open(context.Background(), s, meter.Options{Node: node, SnapshotEvery: time.Hour,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func flush(t testing.TB, ms ...*meter.Meter) {
	t.Helper()
	for _, m := range ms {
		if err := m.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

const region = "us-east-1"

// meterEverything meters one round of every kind of usage on m.
func meterEverything(m *meter.Meter) {
	use(m, now, "f", "x86_64", 128, 1, 2)
	use(m, now, "g", "arm64", 256, 10)
	m.AddDynamoDB(now, region, "table", 1, 2)
	m.AddDynamoDBStorage(now, region, "table", 1<<30, time.Hour)
	m.AddEvents(now, region, 3)
	m.AddAPIRequest(now, region, "api")
	m.AddS3Request(now, region, "bucket", false)
	m.AddS3Storage(now, region, "bucket", 1<<30, time.Hour)
	m.AddStates(now, region, "machine", meter.StatesUsage{Transitions: 4, Requests: 1, MBMs: 640})
}

// checkBill checks that m's Report holds the single node's usage from
// before the cluster (one f invocation of 7 ms, one tier-1 request of the
// bucket) and n rounds of meterEverything.
func checkBill(t *testing.T, m *meter.Meter, n int64, when string) {
	t.Helper()
	r := report(t, m, "2026-03", "", "", meter.DefaultPrices())
	fail := func(what string, got any) { t.Errorf("%s: %s = %+v", when, what, got) }
	if len(r.Functions) != 2 {
		t.Fatalf("%s: functions %+v", when, r.Functions)
	}
	if f := r.Functions[0]; f.Requests != 1+2*n || f.BilledMs != 7+3*n || f.MBMs != (7+3*n)*128 || len(f.Lines) != 1 {
		fail("f", f)
	}
	if g := r.Functions[1]; g.Requests != n || g.MBMs != 10*256*n {
		fail("g", g)
	}
	hours := float64(n) / (31 * 24) // of a GB, in March's GB-months
	if len(r.DynamoDB) != 1 || r.DynamoDB[0].ReadRequestUnits != float64(n) || r.DynamoDB[0].WriteRequestUnits != float64(2*n) ||
		math.Abs(r.DynamoDB[0].GBMonths-hours) > 1e-12 {
		fail("DynamoDB", r.DynamoDB)
	}
	if len(r.Events) != 1 || r.Events[0].CustomEvents != 3*n {
		fail("events", r.Events)
	}
	if len(r.APIs) != 1 || r.APIs[0].Requests != n || r.APIRequests != n {
		fail("APIs", r.APIs)
	}
	if len(r.S3) != 1 || r.S3[0].Tier1Requests != 1 || r.S3[0].Tier2Requests != n || math.Abs(r.S3[0].GBMonths-hours) > 1e-12 {
		fail("S3", r.S3)
	}
	if len(r.StateMachines) != 1 || r.StateMachines[0].StatesUsage != (meter.StatesUsage{Transitions: 4 * n, Requests: n, MBMs: 640 * n}) {
		fail("state machines", r.StateMachines)
	}
}

// TestClusterBillsEveryNodeOnce meters on two nodes of one stream, which
// snapshot in any order and any number of times: the bill either gives
// is the sum of both, with the single node's usage from before the
// cluster counted once, and a node that restarts keeps its part.
func TestClusterBillsEveryNodeOnce(t *testing.T) {
	ctx := context.Background()
	s := openStream(t)
	single := open(t, s)
	use(single, now, "f", "x86_64", 128, 7)
	single.AddS3Request(now, region, "bucket", true)
	flush(t, single)

	a, b := openNode(t, s, "a"), openNode(t, s, "b")
	if r := report(t, a, "2026-03", "", "", meter.DefaultPrices()); r.Requests != 1 || len(r.S3) != 1 {
		t.Errorf("joined: the single node's usage is %+v", r)
	}
	var n int64
	for i, order := range [][]*meter.Meter{{a, b}, {b, a}, {a, a, b}, {b, b, a, b}} {
		meterEverything(a)
		meterEverything(b)
		n += 2
		flush(t, order...)
		checkBill(t, a, n, fmt.Sprintf("round %d on a", i))
		checkBill(t, b, n, fmt.Sprintf("round %d on b", i))
	}
	// What a metered and has not stored is in its own bill already.
	use(a, now, "g", "arm64", 256, 10)
	if g := report(t, a, "2026-03", "", "g", meter.DefaultPrices()); g.Requests != n+1 {
		t.Errorf("a's unstored invocation: g = %+v", g.Functions)
	}
	flush(t, a)

	again := openNode(t, s, "a")
	use(again, now, "g", "arm64", 256, 10) // the second on top of a's
	if g := report(t, again, "2026-03", "", "g", meter.DefaultPrices()); g.Requests != n+2 {
		t.Errorf("a restarted: g = %+v", g.Functions)
	}
	// The restarted node snapshots what it loaded and what it metered since.
	flush(t, again)
	use(b, now, "f", "x86_64", 128, 0)
	flush(t, b)
	if r := report(t, b, "2026-03", "", "", meter.DefaultPrices()); r.Functions[0].Requests != 2+2*n || r.Functions[1].Requests != n+2 {
		t.Errorf("after a restarted, on b: %+v", r.Functions)
	}

	// A month's bill reads that month's subjects.
	use(b, now.Add(time.Second), "f", "x86_64", 128, 1) // April
	flush(t, b)
	if r := report(t, a, "2026-04", "", "", meter.DefaultPrices()); r.Requests != 1 {
		t.Errorf("April on a: %+v", r.Functions)
	}

	subjects, err := s.Subjects(ctx, meter.Prefix+".>")
	if err != nil {
		t.Fatal(err)
	}
	legacy := 0
	for subject, count := range subjects {
		if count != 1 {
			t.Errorf("%s holds %d messages after snapshots, want 1", subject, count)
		}
		if !strings.HasPrefix(subject, "meter.node.a.") && !strings.HasPrefix(subject, "meter.node.b.") {
			legacy++
		}
	}
	if legacy != 2 { // f's and the bucket's
		t.Errorf("%d subjects of the single node left, want 2: %v", legacy, subjects)
	}
}

// BenchmarkClusterReport measures Report in a cluster of 3 nodes that
// each ran 500 functions this month (snapshotted, with one more
// invocation of each appended since).
func BenchmarkClusterReport(b *testing.B) {
	s := openStream(b)
	var nodes []*meter.Meter
	for _, node := range []string{"n1", "n2", "n3"} {
		m := openNode(b, s, node)
		for i := range 500 {
			use(m, now, fmt.Sprintf("function-%d", i), "x86_64", 128, 100, 200)
		}
		flush(b, m)
		for i := range 500 {
			use(m, now, fmt.Sprintf("function-%d", i), "x86_64", 128, 50)
		}
		nodes = append(nodes, m)
	}
	// The invocations since the snapshots are stored within storeEvery.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		subjects, err := s.Subjects(context.Background(), meter.Prefix+".>")
		var total uint64
		for _, n := range subjects {
			total += n
		}
		if err != nil || total == 3000 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d messages stored, want 3000", total)
		}
	}
	for b.Loop() {
		r, err := nodes[0].Report(context.Background(), "2026-03", "", "", meter.DefaultPrices())
		if err != nil {
			b.Fatal(err)
		}
		if len(r.Functions) != 500 {
			b.Fatalf("%d functions", len(r.Functions))
		}
	}
}
