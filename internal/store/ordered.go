package store

import "context"

// Ordered is a durable key space of byte keys kept in byte order: what
// DynamoDB's items, indexes and streams need (point reads, range scans in
// either direction at O(log n + k), atomic multi-key writes). It is written
// only through Batches, so that one Batch is also the unit a cluster
// replicates (see docs/architecture.md).
type Ordered interface {
	OrderedReader
	// Apply stores every operation of b atomically, and durably (synced to
	// disk) before it returns: after a crash either all of b is there or
	// none of it, and none of it is lost once Apply returned nil.
	Apply(ctx context.Context, b *Batch) error
	// Snapshot is a consistent read-only view of the key space as it is
	// now; the caller closes it.
	Snapshot() Snapshot
	Close() error
}

// OrderedReader reads an Ordered key space or a Snapshot of it.
type OrderedReader interface {
	// Get returns a copy of the value stored at key, or ErrNotFound.
	Get(ctx context.Context, key []byte) ([]byte, error)
	// Scan calls fn with each key in [lower, upper) (a nil upper is no
	// bound), ascending, or descending when reverse is set, until fn
	// returns false. key and value are valid only during the call.
	Scan(ctx context.Context, lower, upper []byte, reverse bool, fn func(key, value []byte) bool) error
}

// Snapshot is a consistent view of an Ordered key space.
type Snapshot interface {
	OrderedReader
	Close() error
}

// BatchOp is one operation of a Batch: a Set of Key to Value, a Delete of
// Key, or (when End is set) a deletion of every key in [Key, End).
type BatchOp struct {
	Key    []byte
	Value  []byte
	End    []byte
	Delete bool
}

// Batch is a set of writes applied together. It is plain data so that it
// can be logged and replayed elsewhere.
type Batch struct {
	Ops []BatchOp
}

// Set stores value at key.
func (b *Batch) Set(key, value []byte) { b.Ops = append(b.Ops, BatchOp{Key: key, Value: value}) }

// Delete removes key.
func (b *Batch) Delete(key []byte) { b.Ops = append(b.Ops, BatchOp{Key: key, Delete: true}) }

// DeleteRange removes every key in [lower, upper).
func (b *Batch) DeleteRange(lower, upper []byte) {
	b.Ops = append(b.Ops, BatchOp{Key: lower, End: upper, Delete: true})
}

// Len is the number of operations in b.
func (b *Batch) Len() int { return len(b.Ops) }
