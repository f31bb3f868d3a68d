package dynamodb

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/pebblestore"
)

// TestClusterTruncateLog: the holder truncates the log up to what every
// member applied; a stopped member holds truncation at its last applied
// entry, catches up when it returns, and truncation resumes; a node with
// no data refuses to join the truncated log.
func TestClusterTruncateLog(t *testing.T) {
	ctx := context.Background()
	nodes := startDDBStep(t, 3, 5)
	createTable(t, routedService{nodes[0]}, "tab1")
	var holder, other *ddbNode
	for _, n := range nodes {
		switch {
		case n.s.group.Holds(resource):
			holder = n
		case other == nil:
			other = n
		}
	}
	log := holder.s.rep.log
	bounds := func() (uint64, uint64) {
		first, last, err := log.Bounds(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return first, last
	}
	write := func(from, to int) {
		for i := from; i < to; i++ {
			if _, err := holder.put(ctx, scope, &PutItemInput{TableName: "tab1", Item: key("k", i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// reported waits until the holder sees every member's heartbeat
	// report at least entry want applied.
	reported := func(want uint64) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for holder.s.lowestApplied() < want {
			if time.Now().After(deadline) {
				t.Fatalf("members report %d applied after 30 s, want %d", holder.s.lowestApplied(), want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	truncate := func() {
		t.Helper()
		if err := holder.s.truncate(ctx); err != nil {
			t.Fatal(err)
		}
	}

	write(0, 20)
	_, last := bounds()
	reported(last)
	truncate()
	if first, _ := bounds(); first != last+1 {
		t.Fatalf("first entry after truncation = %d, want %d", first, last+1)
	}

	// A stopped member keeps what it has not applied.
	other.shutdown()
	stopped := last
	write(20, 40)
	truncate()
	if first, _ := bounds(); first != stopped+1 {
		t.Fatalf("first entry with a member down = %d, want %d (its last applied + 1)", first, stopped+1)
	}
	other.start(t)
	other.catchUp(t)
	_, last = bounds()
	if got := other.s.rep.appliedNow(); got != last {
		t.Fatalf("restarted member applied %d, want %d", got, last)
	}
	got := must(other.s.GetItem(ctx, scope, &GetItemInput{TableName: "tab1", Key: key("k", 39)}))
	if got.Item == nil {
		t.Fatal("the restarted member does not have an item written while it was down")
	}
	reported(last)
	truncate()
	if first, _ := bounds(); first != last+1 {
		t.Fatalf("first entry after the member returned = %d, want %d", first, last+1)
	}

	// A member forgotten while down no longer holds truncation back, and
	// is refused when it returns.
	other.shutdown()
	write(40, 60)
	forget(t, holder, other.st.Name)
	_, last = bounds()
	truncate()
	if first, _ := bounds(); first != last+1 {
		t.Fatalf("first entry with the stopped member forgotten = %d, want %d", first, last+1)
	}
	mustRefuse(t, holder, other, "record was removed")

	// A node with no data cannot replay the truncated log.
	if err := os.RemoveAll(other.dir); err != nil {
		t.Fatal(err)
	}
	other.dir = filepath.Join(t.TempDir(), "fresh")
	mustRefuse(t, holder, other, "no DynamoDB data")
}

// forget forgets node name once holder sees it dead.
func forget(t *testing.T, holder *ddbNode, name string) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := holder.c.Forget(ctx, name)
		if err == nil {
			return
		}
		if !strings.Contains(err.Error(), "alive") || time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// mustRefuse starts n, which must be refused with a message that holds
// want, and leave no heartbeat behind.
func mustRefuse(t *testing.T, holder, n *ddbNode, want string) {
	t.Helper()
	err := n.open(t)
	if err == nil {
		n.shutdown()
	}
	if !errors.Is(err, errTruncated) || !strings.Contains(err.Error(), want) {
		t.Fatalf("%s started on the truncated log: %v, want it refused (%q)", n.st.Name, err, want)
	}
	if err := holder.c.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, m := range holder.c.Nodes() {
		if m.Name == n.st.Name {
			t.Fatalf("the refused node %s left its heartbeat", n.st.Name)
		}
	}
}

// gapLog is a log truncated up to entry 5 between a node's check of its
// bounds (which still start at 1) and its reading.
type gapLog struct{}

func (gapLog) Append(context.Context, []byte, uint64) (uint64, error) { return 0, store.ErrRevision }
func (gapLog) Bounds(context.Context) (uint64, uint64, error)         { return 1, 6, nil }
func (gapLog) Truncate(context.Context, uint64) error                 { return nil }
func (gapLog) Read(ctx context.Context, from uint64, fn func(uint64, []byte) error) error {
	for seq := max(from, 5); seq <= 6; seq++ {
		if err := fn(seq, nil); err != nil {
			return err
		}
	}
	<-ctx.Done()
	return ctx.Err()
}

// TestFollowTruncatedUnderIt: a node that finds the entries it must apply
// gone stops following and never catches up (it cannot hold DynamoDB).
func TestFollowTruncatedUnderIt(t *testing.T) {
	db, err := pebblestore.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := New(ctx, db, Options{Log: gapLog{}, SweepInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	defer func() { cancel(); <-done }()
	if err := s.rep.catchUp(ctx); !errors.Is(err, errTruncated) || !strings.Contains(err.Error(), "applied entries up to 0 and the log now starts at 5") {
		t.Fatalf("catchUp on a log truncated past this node = %v, want errTruncated", err)
	}
}
