package dynamodb

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"testing"
)

// TestKeyLocks runs requests over overlapping keys, given in any order
// and with duplicates: each key's critical sections never overlap (the
// race detector watches the counters), nothing deadlocks, and no lock is
// left in the table.
func TestKeyLocks(t *testing.T) {
	var l keyLocks
	counts := make([]int, 8)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				a, b := (g+i)%8, (g*3+i*5)%8
				unlock := l.lock([]byte(fmt.Sprint(b)), []byte(fmt.Sprint(a)), []byte(fmt.Sprint(b)))
				counts[a]++
				if b != a {
					counts[b]++
				}
				unlock()
			}
		}()
	}
	wg.Wait()
	want := make([]int, 8)
	for g := range 8 {
		for i := range 200 {
			a, b := (g+i)%8, (g*3+i*5)%8
			want[a]++
			if b != a {
				want[b]++
			}
		}
	}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("counts %v, want %v", counts, want)
	}
	if len(l.held) != 0 {
		t.Errorf("%d locks left held", len(l.held))
	}
}

// TestConcurrentWrites writes from many goroutines at once, puts and
// transactions, some on the same items: every write is stored, counted
// and streamed, with stream sequence numbers 1..n and no gap.
func TestConcurrentWrites(t *testing.T) {
	s, _ := newService(t)
	createTable(t, s, "tab1")
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				put(t, s, fmt.Sprintf(`{"pk": {"S": "p%d-%d"}, "sk": {"N": "1"}}`, g, i))
				in := &TransactWriteItemsInput{}
				for j := range 3 {
					// Every goroutine writes items 0..2 of partition "shared".
					in.TransactItems = append(in.TransactItems, TransactWriteItem{Put: &TransactAction{TableName: "tab1",
						Item: js[Item](t, fmt.Sprintf(`{"pk": {"S": "shared"}, "sk": {"N": "%d"}, "by": {"N": "%d"}}`, j, g))}})
				}
				must(s.TransactWriteItems(ctx, scope, in))
			}
		}()
	}
	wg.Wait()
	d := must(s.DescribeTable(ctx, scope, &DescribeTableInput{TableName: "tab1"})).Table
	if d.ItemCount != 16*10+3 {
		t.Errorf("ItemCount = %d, want %d", d.ItemCount, 16*10+3)
	}
	stream := s.lookup(scope, "tab1").meta.Stream.ID
	var seqs []uint64
	err := s.db.Scan(ctx, recordKey(stream, 0), recordKey(stream+1, 0), false, func(k, _ []byte) bool {
		seqs = append(seqs, binary.BigEndian.Uint64(k[9:]))
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := 16 * 10 * 4; len(seqs) != want || seqs[0] != 1 || seqs[len(seqs)-1] != uint64(want) {
		t.Errorf("%d stream records, %v...%v; want 1..%d", len(seqs), seqs[:1], seqs[len(seqs)-1:], want)
	}
}
