package natsstore

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

func openLogTable(t *testing.T, s *Store, name string) *logTable {
	t.Helper()
	tb, err := s.LogTable(context.Background(), name, strings.ToLower(name))
	if err != nil {
		t.Fatal(err)
	}
	return tb.(*logTable)
}

// A log table keeps the last write of each key, in the order of the
// Writes, forgets rows whose TTL passed, and reads back the same after a
// restart; Purge removes a prefix.
func TestLogTable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	tb := openLogTable(t, s, "LTEST")
	now := time.Now()
	tb.clock = func() time.Time { return now }
	first := tb.Write(
		store.Row{Key: store.Key("q1", "a"), Value: []byte("a1")},
		store.Row{Key: store.Key("q1", "b"), Value: []byte("b1")},
		store.Row{Key: store.Key("q2", "a"), Value: []byte("x")},
		store.Row{Key: store.Key("q1", "a"), Value: []byte("a2")},
		store.Row{Key: store.Key("q1", "gone"), Value: []byte("soon"), TTL: time.Minute},
	)
	// A later Write is stored after an earlier one: the delete wins.
	if err := tb.Write(store.Row{Key: store.Key("q1", "b")}).Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if err := first.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if got := scanAll(t, tb, "q1"); len(got) != 2 || got["q1.a"] != "a2" || got["q1.gone"] != "soon" {
		t.Fatalf("scan q1: %v", got)
	}
	var order []string
	tb.Scan(ctx, "", func(r store.Row) bool { order = append(order, r.Key); return true })
	if fmt.Sprint(order) != "[q2.a q1.a q1.gone]" {
		t.Errorf("scan order: %v, want the order of the last writes", order)
	}
	tb.clock = func() time.Time { return now.Add(time.Minute) }
	if got := scanAll(t, tb, "q1"); len(got) != 1 || got["q1.a"] != "a2" {
		t.Fatalf("scan q1 after the ttl: %v", got)
	}
	s.Close()

	s = openTest(t, dir)
	defer s.Close()
	tb = openLogTable(t, s, "LTEST")
	tb.clock = func() time.Time { return now.Add(time.Minute) }
	if got := scanAll(t, tb, ""); len(got) != 2 || got["q1.a"] != "a2" || got["q2.a"] != "x" {
		t.Fatalf("scan after restart: %v", got)
	}
	if err := tb.Purge(ctx, "q1"); err != nil {
		t.Fatal(err)
	}
	if got := scanAll(t, tb, ""); len(got) != 1 || got["q2.a"] != "x" {
		t.Fatalf("scan after purge: %v", got)
	}
	// A Write of nothing is stored at once, whatever else is queued.
	if err := tb.Write().Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if err := tb.Write(store.Row{Key: "q1.a", Value: []byte("again")}).Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if got := scanAll(t, tb, "q1"); len(got) != 1 || got["q1.a"] != "again" {
		t.Fatalf("a row written after a purge: %v", got)
	}
}

// Writes made while others are being stored share JetStream messages, and
// a Write larger than a group is split over several and waits for all.
func TestLogTableGroupCommit(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	defer s.Close()
	tb := openLogTable(t, s, "LGROUP")
	const writers, each = 32, 50
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if err := tb.Write(store.Row{Key: fmt.Sprintf("k.%d-%d", w, i), Value: []byte("v")}).Wait(ctx); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	st, err := s.js.Stream(ctx, tb.stream(0))
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := info.State.Msgs; n >= writers*each {
		t.Errorf("%d writes took %d messages; want fewer", writers*each, n)
	}
	big := bytes.Repeat([]byte("b"), tb.groupMax/2)
	if err := tb.Write(store.Row{Key: "big.1", Value: big}, store.Row{Key: "big.2", Value: big}, store.Row{Key: "big.3", Value: big}).Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if got := scanAll(t, tb, ""); len(got) != writers*each+3 || got["big.3"] != string(big) {
		t.Errorf("after the writes: %d rows", len(got))
	}
}

// A log table that grows past compactAt with mostly deleted rows is
// rewritten into a new generation while writers go on; the rows (and a
// TTL) are as the writes left them, then and after a restart, and the old
// generations are gone.
func TestLogTableCompaction(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	s.logCompactAt = 32 << 10
	tb := openLogTable(t, s, "LCOMPACT")
	if err := tb.Write(store.Row{Key: "ttl", Value: []byte("later"), TTL: time.Hour}).Wait(ctx); err != nil {
		t.Fatal(err)
	}
	// Each writer owns its keys, so that the last write of each is known.
	const writers = 8
	wants := make([]map[string]string, writers)
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wants[w] = map[string]string{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for i := 0; i < 1500; i++ {
				k := store.Key("w"+fmt.Sprint(w), fmt.Sprint(rng.IntN(40)))
				row := store.Row{Key: k}
				if rng.IntN(3) > 0 {
					row.Value = fmt.Appendf(nil, "%d %0200d", i, i)
				}
				if err := tb.Write(row).Wait(ctx); err != nil {
					t.Error(err)
					return
				}
				if row.Value == nil {
					delete(wants[w], k)
				} else {
					wants[w][k] = string(row.Value)
				}
			}
		}()
	}
	wg.Wait()
	want := map[string]string{"ttl": "later"}
	for _, m := range wants {
		for k, v := range m {
			want[k] = v
		}
	}
	check := func(when string, tb *logTable) {
		t.Helper()
		got := scanAll(t, tb, "")
		if len(got) != len(want) {
			t.Fatalf("%s: %d rows, want %d", when, len(got), len(want))
		}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("%s: row %s is %.20q, want %.20q", when, k, got[k], v)
			}
		}
	}
	check("after the writes", tb)
	// Let a rewrite under way finish, so that the restart finds one
	// generation.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		tb.mu.Lock()
		busy := tb.compacting
		tb.mu.Unlock()
		if !busy {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a rewrite did not finish in 20 s")
		}
	}
	s.Close()
	s = openTest(t, dir)
	defer s.Close()
	tb = openLogTable(t, s, "LCOMPACT")
	check("after a restart", tb)
	if len(tb.gens) != 1 || tb.gens[0] == 0 {
		t.Fatalf("generations %v after the restart: want one, rewritten", tb.gens)
	}
	names, err := s.streamNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for n := range names {
		if strings.HasPrefix(n, "LCOMPACT_") && n != tb.stream(tb.gens[0]) {
			t.Errorf("stream %s of an old generation is still there", n)
		}
	}
}

// The rows of a table kept per key move into a log table, TTLs and
// deletions kept, and the old table's streams are gone.
func TestMoveTable(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	defer s.Close()
	old, err := s.Table(ctx, "MOLD", "mold")
	if err != nil {
		t.Fatal(err)
	}
	err = old.Write(
		store.Row{Key: "q.a", Value: []byte("a")},
		store.Row{Key: "q.b", Value: []byte("b")},
		store.Row{Key: "q.d", Value: []byte("dedup"), TTL: time.Hour},
		store.Row{Key: "q.b"},
	).Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tb := openLogTable(t, s, "MNEW")
	for i := 0; i < 2; i++ { // the second finds nothing to move
		if err := s.MoveTable(ctx, "MOLD", "mold", tb); err != nil {
			t.Fatal(err)
		}
	}
	if got := scanAll(t, tb, ""); len(got) != 2 || got["q.a"] != "a" || got["q.d"] != "dedup" {
		t.Fatalf("moved rows: %v", got)
	}
	tb.clock = func() time.Time { return time.Now().Add(time.Hour) }
	if got := scanAll(t, tb, ""); len(got) != 1 {
		t.Errorf("the row with a TTL lost it: %v", got)
	}
	names, err := s.streamNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for n := range names {
		if strings.HasPrefix(n, "MOLD") {
			t.Errorf("stream %s of the moved table is still there", n)
		}
	}
}

// FuzzLogGroup: any bytes decode without panicking, and what appendOp
// writes decodes to the same ops.
func FuzzLogGroup(f *testing.F) {
	f.Add([]byte{logVersion, opSet, 1, 'k', 1, 'v'}, "key", []byte("value"), int64(0))
	f.Add([]byte{logVersion, opExpiring, 1, 'k', 200, 1, 1, 'v'}, "a.b", []byte(""), int64(1700000000000))
	f.Add([]byte{logVersion, opPurge, 0}, "", []byte("x"), int64(5))
	f.Fuzz(func(t *testing.T, raw []byte, key string, value []byte, expires int64) {
		decodeGroup(raw, func(logOp) {})
		if expires < 0 {
			expires = -expires
		}
		b := appendOp([]byte{logVersion}, key, value, expires)
		b = appendPurge(b, key)
		var ops []logOp
		if err := decodeGroup(b, func(op logOp) { ops = append(ops, op) }); err != nil {
			t.Fatalf("decode what appendOp wrote: %v", err)
		}
		if len(ops) != 2 || ops[0].key != key || !bytes.Equal(ops[0].value, value) || ops[1].kind != opPurge || ops[1].key != key {
			t.Fatalf("round trip: %+v", ops)
		}
		if len(value) > 0 && expires > 0 && ops[0].expires != expires {
			t.Fatalf("expiry %d read back as %d", expires, ops[0].expires)
		}
		if ops[0].size+ops[1].size != len(b)-1 {
			t.Fatalf("sizes %d+%d of %d bytes", ops[0].size, ops[1].size, len(b)-1)
		}
	})
}

// A log that only grows is not rewritten; one whose rows are mostly
// overwritten, deleted or purged is.
func TestLogTableRewritesWhatIsGone(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	defer s.Close()
	s.logCompactAt = 256 << 10
	tb := openLogTable(t, s, "LGONE")
	value := bytes.Repeat([]byte("v"), 200)
	write := func(keys ...string) {
		t.Helper()
		rows := make([]store.Row, len(keys))
		for i, k := range keys {
			rows[i] = store.Row{Key: k, Value: value}
		}
		if err := tb.Write(rows...).Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	generation := func() int {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		return tb.gens[len(tb.gens)-1]
	}
	// Enough rows past compactAt that the index's sample of them (one in
	// 16) is sure to estimate them within a factor of two.
	for i := 0; i < 3000; i += 100 {
		keys := make([]string, 100)
		for j := range keys {
			keys[j] = fmt.Sprintf("grow.%d", i+j)
		}
		write(keys...)
	}
	if g := generation(); g != 0 {
		t.Fatalf("a log that only grew was rewritten (generation %d)", g)
	}
	if err := tb.Purge(ctx, "grow"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); generation() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("a log of purged rows was not rewritten")
		}
	}
	write("after.purge")
	if got := scanAll(t, tb, ""); len(got) != 1 || got["after.purge"] != string(value) {
		t.Fatalf("after the rewrite: %d rows", len(got))
	}
}
