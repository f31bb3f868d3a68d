package logs_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/services/logs"
	"github.com/nubo-dev/nubo/internal/store"
)

// failing is a stream that refuses writes and purges while fail is set,
// as the store does on a full disk (purges) or a broken one.
type failing struct {
	store.Stream
	fail atomic.Bool
}

var errFull = fmt.Errorf("%w: disk full", store.ErrUnavailable)

func (f *failing) Append(subject string, data []byte) error {
	if f.fail.Load() {
		return errFull
	}
	return f.Stream.Append(subject, data)
}

func (f *failing) Store(ctx context.Context, subject string, data []byte) error {
	if f.fail.Load() {
		return errFull
	}
	return f.Stream.Store(ctx, subject, data)
}

func (f *failing) Purge(ctx context.Context, filter string, keepFrom time.Time) error {
	if f.fail.Load() {
		return errFull
	}
	return f.Stream.Purge(ctx, filter, keepFrom)
}

func storedBytes(t *testing.T, s *logs.Store, group string) int64 {
	t.Helper()
	for _, g := range s.Groups(group) {
		if g.Name == group {
			return g.StoredBytes
		}
	}
	t.Fatalf("group %s is gone", group)
	return 0
}

// A PutLogEvents whose events are not stored fails, and the counters
// count only what is stored (issue 14: 100 calls answered 200 and
// storedBytes grew by 80,000,000 while nothing was stored).
func TestPutThatIsNotStoredFails(t *testing.T) {
	ctx := context.Background()
	f := openStore(t, t.TempDir())
	fs := &failing{Stream: f.stream}
	c := &clock{now: time.Now()}
	s, err := logs.Open(ctx, fs, f.kv, logs.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateGroup(ctx, "/app"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateStream(ctx, "/app", "s"); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "/app", "s", events(c.Now().UnixMilli(), "stored")); err != nil {
		t.Fatal(err)
	}
	fs.fail.Store(true)
	for i := 0; i < 5; i++ {
		if err := s.Put(ctx, "/app", "s", events(c.Now().UnixMilli(), "not stored")); !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("put on a full store: got %v, want ErrUnavailable", err)
		}
	}
	s.Append("/app", "s", events(c.Now().UnixMilli(), "appended, not stored"))
	s.Flush(ctx)
	if got := storedBytes(t, s, "/app"); got != int64(len("stored")) {
		t.Errorf("storedBytes after refused writes: %d, want %d", got, len("stored"))
	}
	fs.fail.Store(false)
	if err := s.Put(ctx, "/app", "s", events(c.Now().UnixMilli(), "again")); err != nil {
		t.Fatal(err)
	}
}

// A DeleteLogGroup that fails leaves the group, in memory and after a
// restart; one that succeeds stays done after a restart, even if the
// purged events come back.
func TestDeleteGroupHappensOrNot(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	f := openStore(t, dir)
	fs := &failing{Stream: f.stream}
	c := &clock{now: time.Now()}
	s, err := logs.Open(ctx, fs, f.kv, logs.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	s.Append("/aws/lambda/fn", "s", events(c.Now().UnixMilli(), "line"))
	flush(t, s)
	fs.fail.Store(true)
	if err := s.DeleteGroup(ctx, "/aws/lambda/fn"); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("delete on a failing store: got %v, want ErrUnavailable", err)
	}
	if _, err := s.Group("/aws/lambda/fn"); err != nil {
		t.Fatalf("the group is gone after a failed delete: %v", err)
	}
	s2, err := logs.Open(ctx, f.stream, f.kv, logs.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Group("/aws/lambda/fn"); err != nil {
		t.Fatalf("the group is gone after a failed delete and a restart: %v", err)
	}

	fs.fail.Store(false)
	if err := s.DeleteGroup(ctx, "/aws/lambda/fn"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Group("/aws/lambda/fn"); !errors.Is(err, logs.ErrGroupNotFound) {
		t.Fatalf("after the delete: %v", err)
	}
	// As if a crash had undone a purge: events stored before their
	// group's records were deleted.
	s.Append("/aws/lambda/gone", "s", events(c.Now().UnixMilli(), "line"))
	flush(t, s)
	for _, key := range []string{store.Key("s", "/aws/lambda/gone", "s"), store.Key("g", "/aws/lambda/gone")} {
		if err := f.kv.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
	}
	c.add(time.Second)
	s3, err := logs.Open(ctx, f.stream, f.kv, logs.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{"/aws/lambda/fn", "/aws/lambda/gone"} {
		if _, err := s3.Group(g); !errors.Is(err, logs.ErrGroupNotFound) {
			t.Errorf("deleted group %s came back: %v", g, err)
		}
	}
}
