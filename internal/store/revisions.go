package store

import (
	"context"
	"math"
	"sync"
)

// Revisions is, for an in-memory index of a watched KV that its node also
// writes itself, the revision of each key the index holds, so that the
// index follows the other nodes' writes without ever going back: the
// watch delivers the node's own writes too, later than the node applied
// them, and a change older than one the node applied (or a deletion it
// made) is skipped. Its zero value is ready. The index holds one lock of
// its own around each of its writes (the store's write, then Wrote or
// Deleted and its change of the index) and around each watched change
// (Fresh, then applying it), so that the watch never delivers a write
// between the store taking it and the index recording it.
type Revisions struct {
	mu   sync.Mutex
	revs map[string]uint64
	// follow is Follow's watch, for Sync; set by Expect in a cluster.
	follow *Following
}

// deleting marks a key the node deleted itself whose deletion the watch
// has not delivered yet: every change delivered before it is older.
const deleting = math.MaxUint64

// Wrote records that the index holds key's value of revision rev (what
// Put, Create or Update returned).
func (r *Revisions) Wrote(key string, rev uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.revs == nil {
		r.revs = map[string]uint64{}
	}
	if cur, ok := r.revs[key]; !ok || cur == deleting || rev > cur {
		r.revs[key] = rev
	}
}

// Deleted records that the node deleted key and dropped it from the
// index.
func (r *Revisions) Deleted(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.revs == nil {
		r.revs = map[string]uint64{}
	}
	r.revs[key] = deleting
}

// Fresh reports whether a watched change is newer than what the index
// holds of its key, and records it as held if so.
func (r *Revisions) Fresh(ch Change) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.revs == nil {
		r.revs = map[string]uint64{}
	}
	cur, ok := r.revs[ch.Key]
	switch {
	case ok && cur == deleting:
		if ch.Deleted { // the node's own deletion, applied already
			r.revs[ch.Key] = ch.Revision
		}
		return false
	case ok && ch.Revision <= cur:
		return false
	}
	r.revs[ch.Key] = ch.Revision
	return true
}

// Follow watches kv until ctx ends and applies each change newer than what
// the index holds, under mu, the index's own lock.
func (r *Revisions) Follow(ctx context.Context, kv Watchable, mu sync.Locker, apply func(Change)) error {
	f, err := kv.Watch(ctx, "", func(ch Change) {
		mu.Lock()
		defer mu.Unlock()
		if r.Fresh(ch) {
			apply(ch)
		}
	})
	if err == nil {
		r.Watching(f)
	}
	return err
}

// Watching gives Sync the watch that keeps the index, for an index that
// watches kv itself rather than through Follow.
func (r *Revisions) Watching(f Follower) {
	r.Expect()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.follow.Started(f)
}

// Expect tells the index, in a node of a cluster, that Follow will run:
// until it does, Sync waits for it (Following.Sync).
func (r *Revisions) Expect() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.follow == nil {
		r.follow = NewFollowing()
	}
}

// Sync returns once the index holds every change stored before the call,
// wherever it was made (at once on a single node, which follows nothing).
// An operation called on one node right after another node's write sees
// it, as a client that sends its next call to another node expects.
func (r *Revisions) Sync(ctx context.Context) error {
	r.mu.Lock()
	w := r.follow
	r.mu.Unlock()
	return w.Sync(ctx)
}
