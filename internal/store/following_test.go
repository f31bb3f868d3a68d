package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

type syncCount struct{ n int }

func (s *syncCount) Sync(context.Context) error { s.n++; return nil }

// A read that arrives before the watch runs waits for it, then syncs.
func TestFollowingWaitsForItsWatch(t *testing.T) {
	if err := (*Following)(nil).Sync(context.Background()); err != nil {
		t.Fatalf("a single node's sync: %v", err)
	}
	w := NewFollowing()
	if w.Running() {
		t.Fatal("running before it started")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := w.Sync(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("sync before the watch, its context ended: %v", err)
	}
	f := &syncCount{}
	done := make(chan error)
	go func() { done <- w.Sync(context.Background()) }()
	time.Sleep(10 * time.Millisecond)
	w.Started(f)
	w.Started(&syncCount{}) // only the first counts
	if err := <-done; err != nil || f.n != 1 || !w.Running() {
		t.Fatalf("sync after the watch started: %v, %d syncs of it, running %v", err, f.n, w.Running())
	}
}
