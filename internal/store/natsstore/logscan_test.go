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
