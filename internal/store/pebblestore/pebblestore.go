// Package pebblestore is store.Ordered on Pebble (CockroachDB's LSM
// engine): a local, ordered, crash-safe key space in one directory. Pebble
// is used because DynamoDB's data is ordered and indexed (range scans at
// O(log n + k) for Query, atomic multi-key batches for transactions and
// index updates) and Pebble gives that with a write-ahead log that is
// synced before a write is acknowledged; concurrent synced writes share
// one fsync (Pebble's commit pipeline is a group commit).
package pebblestore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"

	"github.com/nubo-dev/nubo/internal/store"
)

// CacheSize is the block cache of each key space (Pebble's default is 8
// MB), MemTableSize the size of its memtables (4 MB).
const (
	CacheSize    = 64 << 20
	MemTableSize = 16 << 20
)

// DB is an open Pebble key space.
type DB struct {
	db *pebble.DB
}

var _ store.Ordered = (*DB)(nil)

// Open opens (creating if need be) the key space in dir.
func Open(dir string, log *slog.Logger) (*DB, error) {
	if log == nil {
		log = slog.Default()
	}
	opts := &pebble.Options{Logger: logger{log}, CacheSize: CacheSize, MemTableSize: MemTableSize}
	for i := range opts.Levels {
		// A write reads its item first, and most often finds none: a
		// filter answers that without the table's blocks.
		opts.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	db, err := pebble.Open(dir, opts)
	if err != nil {
		return nil, fmt.Errorf("open pebble %s: %w", dir, err)
	}
	return &DB{db: db}, nil
}

// Close closes the key space.
func (d *DB) Close() error { return d.db.Close() }

// Apply writes b atomically with a synced write-ahead log.
func (d *DB) Apply(ctx context.Context, b *store.Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	pb := d.db.NewBatch()
	defer pb.Close()
	for _, op := range b.Ops {
		var err error
		switch {
		case op.End != nil:
			err = pb.DeleteRange(op.Key, op.End, nil)
		case op.Delete:
			err = pb.Delete(op.Key, nil)
		default:
			err = pb.Set(op.Key, op.Value, nil)
		}
		if err != nil {
			return fmt.Errorf("batch: %w", err)
		}
	}
	if err := pb.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Get reads key.
func (d *DB) Get(ctx context.Context, key []byte) ([]byte, error) { return get(d.db, key) }

// Scan iterates [lower, upper).
func (d *DB) Scan(ctx context.Context, lower, upper []byte, reverse bool, fn func(k, v []byte) bool) error {
	return scan(ctx, d.db, lower, upper, reverse, fn)
}

// Snapshot returns a consistent view.
func (d *DB) Snapshot() store.Snapshot { return snapshot{d.db.NewSnapshot()} }

type snapshot struct{ s *pebble.Snapshot }

func (s snapshot) Get(ctx context.Context, key []byte) ([]byte, error) { return get(s.s, key) }
func (s snapshot) Scan(ctx context.Context, lower, upper []byte, reverse bool, fn func(k, v []byte) bool) error {
	return scan(ctx, s.s, lower, upper, reverse, fn)
}
func (s snapshot) Close() error { return s.s.Close() }

// getter is what *pebble.DB and *pebble.Snapshot share for reads.
type getter interface {
	Get(key []byte) ([]byte, io.Closer, error)
}

type pebbleReader interface {
	NewIterWithContext(ctx context.Context, o *pebble.IterOptions) (*pebble.Iterator, error)
}

func get(r getter, key []byte) ([]byte, error) {
	v, c, err := r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	out := append([]byte(nil), v...)
	return out, c.Close()
}

func scan(ctx context.Context, r pebbleReader, lower, upper []byte, reverse bool, fn func(k, v []byte) bool) error {
	it, err := r.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return err
	}
	ok := it.First
	next := it.Next
	if reverse {
		ok, next = it.Last, it.Prev
	}
	for valid := ok(); valid; valid = next() {
		v, err := it.ValueAndErr()
		if err != nil {
			it.Close()
			return err
		}
		if !fn(it.Key(), v) {
			break
		}
		if err := ctx.Err(); err != nil {
			it.Close()
			return err
		}
	}
	if err := it.Error(); err != nil {
		it.Close()
		return err
	}
	return it.Close()
}

// logger sends Pebble's messages to slog.
type logger struct{ log *slog.Logger }

func (l logger) Infof(format string, args ...any) {
	l.log.Debug(fmt.Sprintf(format, args...), "component", "pebble")
}
func (l logger) Errorf(format string, args ...any) {
	l.log.Error(fmt.Sprintf(format, args...), "component", "pebble")
}
func (l logger) Fatalf(format string, args ...any) {
	l.log.Error(fmt.Sprintf(format, args...), "component", "pebble")
	panic(fmt.Sprintf(format, args...))
}
