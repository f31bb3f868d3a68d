package natsstore

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

func scanAll(t *testing.T, tb store.Table, prefix string) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := tb.Scan(context.Background(), prefix, func(r store.Row) bool {
		got[r.Key] = string(r.Value)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestTable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	tb, err := s.Table(ctx, "TTEST", "tt")
	if err != nil {
		t.Fatal(err)
	}
	rows := []store.Row{
		{Key: store.Key("q1", "a"), Value: []byte("a1")},
		{Key: store.Key("q1", "b"), Value: []byte("b1")},
		{Key: store.Key("q2", "a"), Value: []byte("x")},
		{Key: store.Key("q1", "a"), Value: []byte("a2")},
		{Key: store.Key("q1", "gone"), Value: []byte("soon"), TTL: time.Second},
	}
	first := tb.Write(rows...)
	// A later Write is stored after an earlier one: the delete wins.
	if err := tb.Write(store.Row{Key: store.Key("q1", "b")}).Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if err := first.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	got := scanAll(t, tb, "q1")
	if len(got) != 2 || got["q1.a"] != "a2" || got["q1.gone"] != "soon" {
		t.Fatalf("scan q1: %v", got)
	}
	time.Sleep(1500 * time.Millisecond)
	if got := scanAll(t, tb, "q1"); len(got) != 1 || got["q1.a"] != "a2" {
		t.Fatalf("scan q1 after ttl: %v", got)
	}
	s.Close()

	s = openTest(t, dir)
	defer s.Close()
	tb, err = s.Table(ctx, "TTEST", "tt")
	if err != nil {
		t.Fatal(err)
	}
	if got := scanAll(t, tb, ""); len(got) != 2 || got["q1.a"] != "a2" || got["q2.a"] != "x" {
		t.Fatalf("scan after restart: %v", got)
	}
	if err := tb.Purge(ctx, "q1"); err != nil {
		t.Fatal(err)
	}
	if got := scanAll(t, tb, ""); len(got) != 1 || got["q2.a"] != "x" {
		t.Fatalf("scan after purge: %v", got)
	}
}

func BenchmarkTableWrite(b *testing.B) {
	ctx := context.Background()
	s := openTest(&testing.T{}, b.TempDir())
	defer s.Close()
	tb, err := s.Table(ctx, "TBENCH", "tb")
	if err != nil {
		b.Fatal(err)
	}
	body := make([]byte, 200)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rows := make([]store.Row, 10)
		for j := range rows {
			rows[j] = store.Row{Key: fmt.Sprintf("q.%d-%d", i, j), Value: body}
		}
		if err := tb.Write(rows...).Wait(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTableWriteParallel(b *testing.B) {
	ctx := context.Background()
	s := openTest(&testing.T{}, b.TempDir())
	defer s.Close()
	tb, err := s.Table(ctx, "TBENCH", "tb")
	if err != nil {
		b.Fatal(err)
	}
	body := make([]byte, 200)
	b.SetParallelism(16)
	var n atomicCounter
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.next()
			rows := make([]store.Row, 10)
			for j := range rows {
				rows[j] = store.Row{Key: fmt.Sprintf("q.%d-%d", i, j), Value: body}
			}
			if err := tb.Write(rows...).Wait(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

type atomicCounter struct{ n atomic.Int64 }

func (c *atomicCounter) next() int64 { return c.n.Add(1) }
