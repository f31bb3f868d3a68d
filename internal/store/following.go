package store

import (
	"context"
	"sync"
	"time"
)

// startWait bounds how long Following.Sync waits for its watch to start.
const startWait = 10 * time.Second

// Following is the watch that keeps a clustered node's in-memory index in
// step with a KV, for the node's reads to Sync with. A node serves as soon
// as it starts, before its services' watches run: a read that arrives
// then waits for the watch (for up to 10 s, then a 503 to try again), so
// that it too sees every write acknowledged anywhere before it. A nil
// Following (a single node, which follows nothing) syncs at once.
type Following struct {
	once  sync.Once
	ready chan struct{}
	f     Follower
}

// NewFollowing returns a Following whose watch has not started.
func NewFollowing() *Following { return &Following{ready: make(chan struct{})} }

// Started gives the running watch; only its first call counts.
func (w *Following) Started(f Follower) {
	w.once.Do(func() {
		w.f = f
		close(w.ready)
	})
}

// Running reports whether the watch has started.
func (w *Following) Running() bool {
	if w == nil {
		return false
	}
	select {
	case <-w.ready:
		return true
	default:
		return false
	}
}

// Sync returns once the watch has delivered every change stored before
// the call.
func (w *Following) Sync(ctx context.Context) error {
	if w == nil {
		return nil
	}
	t := time.NewTimer(startWait)
	defer t.Stop()
	select {
	case <-w.ready:
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return Unavailable("this node is still starting")
	}
	return w.f.Sync(ctx)
}
