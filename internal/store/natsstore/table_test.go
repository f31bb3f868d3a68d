package natsstore

import (
	"context"
	"fmt"
	"strings"
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
		{Key: store.Key("q1", "gone"), Value: []byte("soon"), TTL: 3 * time.Second},
	}
	written := time.Now()
	first := tb.Write(rows...)
	// A later Write is stored after an earlier one: the delete wins.
	if err := tb.Write(store.Row{Key: store.Key("q1", "b")}).Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if err := first.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	got := scanAll(t, tb, "q1")
	if time.Since(written) < 3*time.Second { // else the row may be gone already, on a loaded machine
		if len(got) != 2 || got["q1.a"] != "a2" || got["q1.gone"] != "soon" {
			t.Fatalf("scan q1: %v", got)
		}
	}
	// The server's TTL timer removes the row: at 3 s, later on a loaded
	// machine.
	time.Sleep(time.Until(written.Add(3 * time.Second)))
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		got := scanAll(t, tb, "q1")
		if len(got) == 1 && got["q1.a"] == "a2" {
			break
		}
		if _, waiting := got["q1.gone"]; !waiting || time.Now().After(deadline) {
			t.Fatalf("scan q1 after ttl: %v", got)
		}
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

// A shard with more markers than rows is rewritten into a new generation
// that keeps every row (and what is left of a TTL); the next open finds it.
func TestTableCompaction(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	s.compactAt = 20
	tb, err := s.Table(ctx, "TCOMPACT", "tc")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for i := 0; i < 400; i++ {
		k := store.Key("k", fmt.Sprint(i))
		if err := tb.Write(store.Row{Key: k, Value: []byte(fmt.Sprint("v", i))}).Wait(ctx); err != nil {
			t.Fatal(err)
		}
		want[k] = fmt.Sprint("v", i)
	}
	// A minute: the 300 writes below may take seconds on a loaded machine.
	if err := tb.Write(store.Row{Key: "ttl", Value: []byte("brief"), TTL: time.Minute}).Wait(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 400; i += 4 {
		for j := i; j < i+3; j++ {
			k := store.Key("k", fmt.Sprint(j))
			if err := tb.Write(store.Row{Key: k}).Wait(ctx); err != nil {
				t.Fatal(err)
			}
			delete(want, k)
		}
	}
	gen := func() int {
		total := 0
		for _, sh := range tb.(*table).shards {
			sh.mu.RLock()
			total += sh.gen
			sh.mu.RUnlock()
		}
		return total
	}
	for deadline := time.Now().Add(10 * time.Second); gen() < tableShards; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("shards rewritten: %d generations in all, want at least one each", gen())
		}
	}
	got := scanAll(t, tb, "")
	if got["ttl"] != "brief" {
		t.Errorf("the row with a TTL did not survive the rewrite: %v", got["ttl"])
	}
	delete(got, "ttl")
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after the rewrite: %d rows, want %d", len(got), len(want))
	}
	s.Close()
	s = openTest(t, dir)
	defer s.Close()
	tb, err = s.Table(ctx, "TCOMPACT", "tc")
	if err != nil {
		t.Fatal(err)
	}
	got = scanAll(t, tb, "")
	delete(got, "ttl")
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after reopening: %d rows, want %d", len(got), len(want))
	}
	names, err := s.streamNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for n := range names {
		if !strings.Contains(n, "_g") && strings.HasPrefix(n, "TCOMPACT") {
			t.Errorf("stream %s of an old generation is still there", n)
		}
	}
}

// FuzzMsgTTL: any Nats-TTL header reads as a duration without panicking,
// and what nats.go writes reads back.
func FuzzMsgTTL(f *testing.F) {
	for _, s := range []string{"5m0s", "300", "1s", "", "-1", "never", "9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		d := msgTTL(h)
		if d > 0 && msgTTL(d.String()) != d {
			t.Errorf("msgTTL(%q) = %v, which does not read back", h, d)
		}
	})
}

// The scans' fallbacks, which read from the stream's leader when the
// replica a consumer reads stays behind, see what the consumers see.
func TestLeaderReads(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	tb, err := s.Table(ctx, "TLEAD", "tl")
	if err != nil {
		t.Fatal(err)
	}
	rows := []store.Row{
		{Key: store.Key("q1", "a"), Value: []byte("a1")},
		{Key: store.Key("q1", "b"), Value: []byte("b1")},
		{Key: store.Key("q2", "a"), Value: []byte("x")},
		{Key: store.Key("q1", "a"), Value: []byte("a2")},
		{Key: store.Key("q1", "b")},
	}
	for _, r := range rows {
		if err := tb.Write(r).Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	sh := tb.(*table).shardOf(store.Key("q1", "a"))
	got, err := scanLeader(ctx, s, sh.st, sh.prefix, "q1")
	if err != nil || len(got) != 1 || got[0].Key != "q1.a" || string(got[0].Value) != "a2" {
		t.Fatalf("scanLeader q1: %v, %v", got, err)
	}

	lt, err := s.LogTable(ctx, "TLLOG", "tllog")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := lt.Write(r).Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var groups int
	if err := lt.(*logTable).replayLeader(ctx, 0, 0, uint64(len(rows)), func([]byte) error { groups++; return nil }); err != nil {
		t.Fatal(err)
	}
	if groups != len(rows) {
		t.Fatalf("replayLeader read %d groups, want %d", groups, len(rows))
	}
}
