package natsstore

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/nubo-dev/nubo/internal/store"
)

// Queues taken over at once (a cluster node's death hands all its queues
// to the survivors) each scan the log for their rows: one replay of the
// log per Scan, or one shared by the Scans that wait together.
func BenchmarkLogScanConcurrent(b *testing.B) {
	ctx := context.Background()
	s := openTest(b, b.TempDir())
	defer s.Close()
	tb, err := s.LogTable(ctx, "LSCAN", "lscan")
	if err != nil {
		b.Fatal(err)
	}
	const queues, rows = 50, 20000
	value := make([]byte, 200)
	var pending []store.Pending
	for i := range rows {
		pending = append(pending, tb.Write(store.Row{Key: fmt.Sprintf("q%d.m.%d", i%queues, i), Value: value}))
	}
	for _, p := range pending {
		if err := p.Wait(ctx); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		var wg sync.WaitGroup
		for q := range queues {
			wg.Go(func() {
				n := 0
				if err := tb.Scan(ctx, fmt.Sprintf("q%d", q), func(store.Row) bool { n++; return true }); err != nil || n != rows/queues {
					b.Errorf("scan q%d: %d rows, %v", q, n, err)
				}
			})
		}
		wg.Wait()
	}
}

// Scans at once of several prefixes, nested or not, each get their rows
// (in the order of their last writes) from the replays they share.
func TestLogScanShared(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	defer s.Close()
	tb := openLogTable(t, s, "LSHARE")
	for i := range 300 {
		if err := tb.Write(store.Row{Key: fmt.Sprintf("q%d.m.%d", i%3, i), Value: []byte("v")}).Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := tb.Write(store.Row{Key: "q1", Value: []byte("a key, not under q1")}).Wait(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"": 301, "q0": 100, "q1": 100, "q1.m": 100, "q2.m": 100, "q3": 0, "q1.m.1": 0}
	var wg sync.WaitGroup
	for round := range 10 {
		for prefix, n := range want {
			wg.Go(func() {
				var keys []string
				if err := tb.Scan(ctx, prefix, func(r store.Row) bool { keys = append(keys, r.Key); return true }); err != nil {
					t.Error(err)
				}
				if len(keys) != n {
					t.Errorf("round %d: scan %q: %d rows, want %d", round, prefix, len(keys), n)
				}
				if prefix == "q1" && len(keys) > 1 && keys[0] != "q1.m.1" {
					t.Errorf("scan q1 starts with %s, want q1.m.1 (the first written)", keys[0])
				}
			})
		}
	}
	wg.Wait()
}
