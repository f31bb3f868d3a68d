package store

import (
	"context"
	"errors"
)

// What several nodes sharing one store need beyond the single-node
// interfaces: following a KV's changes, talking to each other, and a
// replicated log with a single writer. natsstore implements all three; a
// single node uses none of them.

// ErrNoResponders is returned by Bus.Request when nobody serves the
// subject (the node it names is gone).
var ErrNoResponders = errors.New("store: no responders")

// Change is one change of a watched key: its new value and the revision
// that wrote it, or its deletion.
type Change struct {
	Key      string
	Value    []byte
	Revision uint64
	Deleted  bool
}

// Watchable is a KV whose changes can be followed.
type Watchable interface {
	KV
	// Watch calls fn with the current value of every key under prefix
	// (a Key; "" for all), then with every later change, in revision
	// order, from one goroutine, until ctx ends. It returns once the
	// current values were delivered.
	Watch(ctx context.Context, prefix string, fn func(Change)) (Follower, error)
}

// Follower is a running Watch.
type Follower interface {
	// Sync returns once every change stored before it was called has been
	// delivered, so that what the watcher built reflects every write
	// acknowledged anywhere before the call (read-your-writes across
	// nodes).
	Sync(ctx context.Context) error
}

// Bus carries requests between the nodes sharing a store.
type Bus interface {
	// Serve answers the requests sent to subject until ctx ends, each in
	// a goroutine of its own. It returns once it is subscribed; done
	// returns once ctx ended and every handler returned.
	Serve(ctx context.Context, subject string, handle func(ctx context.Context, data []byte) []byte) (done func(), err error)
	// Request sends data to subject and returns the answer, or
	// ErrNoResponders when nobody serves subject.
	Request(ctx context.Context, subject string, data []byte) ([]byte, error)
}

// Log is a replicated, append-only sequence of entries numbered from 1,
// written by one writer at a time: Append names the last entry the writer
// knows, so that a writer that lost its turn fails instead of forking the
// log.
type Log interface {
	// Append stores data as entry after+1 and returns its number, or
	// ErrRevision when the log's last entry is not after.
	Append(ctx context.Context, data []byte, after uint64) (uint64, error)
	// Read calls fn with every entry from from on, in order, then waits
	// for new ones until ctx ends or fn returns an error.
	Read(ctx context.Context, from uint64, fn func(seq uint64, data []byte) error) error
	// Bounds are the first and last entries stored: first > last when
	// there is none, first > 1 once the log was truncated.
	Bounds(ctx context.Context) (first, last uint64, err error)
	// Truncate drops the entries before keep.
	Truncate(ctx context.Context, keep uint64) error
}
