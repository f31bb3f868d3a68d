package dynamodb

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/store"
)

// In a cluster (Options.Log set) every node keeps its own key space, and
// a commit goes to the replicated log first: the committer appends its
// batch, naming the last entry this node has applied (store.Log refuses
// the append when another node appended since), then applies it here with
// the entry's number in the same batch (appliedKey). Every node reads the
// log in order and applies the entries it did not write (follow), and
// what the service keeps in memory follows them (mirror.go). A condition
// is thus only ever stored by a node whose key space held every earlier
// entry when it evaluated it: of two nodes that write the same item at
// once, one append fails, and its writers are told to try again.

// entryChunk is the most of a batch one entry carries: NATS refuses
// messages over its max_payload (1 MiB unless raised), and a group of
// writes (a transaction of 4 MB, 25 items of 400 KB and their indexes) is
// larger; such a batch is appended in pieces, applied once the last one
// is read.
const entryChunk = 960 << 10

// The first byte of an entry says which part of a batch it carries.
const (
	entryWhole byte = iota + 1
	entryFirst
	entryMore
	entryLast
)

// appliedKey holds the number of the last entry whose batch is applied.
var appliedKey = []byte{prefixApplied}

// errRefused marks a commit refused because another node appended first:
// its writes were evaluated without that entry, and may be run again.
var errRefused = errors.New("dynamodb: another node appended to the log first")

// refused is errRefused as the InternalServerError (which the SDKs retry)
// a client sees when running it again did not help.
type refused struct{ aws *awserr.Error }

func (r *refused) Error() string   { return r.aws.Error() }
func (r *refused) Unwrap() []error { return []error{r.aws, errRefused} }

func errConflict() error {
	return &refused{awserr.New(ErrInternalServer, "Another node of the cluster wrote to DynamoDB at the same time; nothing was changed. Please try again.")}
}

// replica is this node's place in the log.
type replica struct {
	log store.Log
	// gate is held shared by every operation that reads in order to write
	// (cluster.go) and exclusively while another node's entry is applied,
	// so that no evaluation spans an entry it did not see.
	gate sync.RWMutex

	mu sync.Mutex
	// applied is the last entry applied here; tail the last entry known
	// to this node (an incomplete batch's pieces may follow applied).
	applied, tail uint64
	// committing is set while the committer appends and applies: the
	// entries it appends are its own.
	committing bool
	// moved is closed (and replaced) when tail moves.
	moved   chan struct{}
	settled *sync.Cond
	// pending are the pieces of a batch read so far.
	pending []byte
	// lost is set (errTruncated) once the log was found to have dropped
	// entries this node had not applied: it can no longer hold DynamoDB.
	lost error
}

func newReplica(ctx context.Context, log store.Log, db store.OrderedReader) (*replica, error) {
	r := &replica{log: log, moved: make(chan struct{})}
	r.settled = sync.NewCond(&r.mu)
	v, err := db.Get(ctx, appliedKey)
	switch {
	case err == nil && len(v) == 8:
		r.applied = binary.BigEndian.Uint64(v)
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	r.tail = r.applied
	return r, nil
}

// errDivergent refuses a node that joins a cluster whose log has entries
// with tables of its own from before.
var errDivergent = errors.New("dynamodb: this node's data directory has DynamoDB tables from before it joined the cluster, and the cluster has tables of its own: they cannot be merged. Move <data-dir>/dynamodb away (its tables are then the cluster's), or start the cluster from this node")

// join brings a node's data from before the cluster into the cluster, the
// first time it starts in one (no entry applied): into an empty log as one
// batch (in pieces), so that the other nodes apply it; with a log that has
// entries already, the node is refused (errDivergent) rather than serve
// tables the others do not have.
func (r *replica) join(ctx context.Context, db store.Ordered) error {
	if r.applied > 0 {
		return nil
	}
	var b store.Batch
	err := db.Scan(ctx, nil, nil, false, func(k, v []byte) bool {
		b.Set(append([]byte(nil), k...), append([]byte(nil), v...))
		return true
	})
	if err != nil || b.Len() == 0 {
		return err
	}
	if err := r.commit(ctx, db, &b); err != nil {
		if errors.Is(err, errRefused) {
			return errDivergent
		}
		return fmt.Errorf("copy the tables into the cluster's log: %w", err)
	}
	return nil
}

// commit appends b to the log after the last entry this node knows, and
// applies it to db.
func (r *replica) commit(ctx context.Context, db store.Ordered, b *store.Batch) error {
	r.mu.Lock()
	after := r.tail
	r.committing = true
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.committing = false
		r.settled.Broadcast()
		r.mu.Unlock()
	}()
	seq, err := r.append(ctx, b.AppendBinary(nil), after)
	if errors.Is(err, store.ErrRevision) {
		return errConflict()
	}
	if err != nil {
		return err
	}
	b.Set(appliedKey, binary.BigEndian.AppendUint64(nil, seq))
	// Were this to fail, the entry is stored all the same: follow applies
	// it here once it reads it (applied stays behind).
	if err := db.Apply(ctx, b); err != nil {
		return err
	}
	r.advance(seq, true)
	return nil
}

// append stores data as one entry, or in pieces, after entry after; it
// returns the number of the (last) entry.
func (r *replica) append(ctx context.Context, data []byte, after uint64) (uint64, error) {
	if len(data) <= entryChunk {
		return r.log.Append(ctx, append([]byte{entryWhole}, data...), after)
	}
	for off := 0; ; off += entryChunk {
		end := min(off+entryChunk, len(data))
		kind := entryMore
		switch {
		case off == 0:
			kind = entryFirst
		case end == len(data):
			kind = entryLast
		}
		seq, err := r.log.Append(ctx, append([]byte{kind}, data[off:end]...), after)
		if err != nil || kind == entryLast {
			return seq, err
		}
		after = seq
	}
}

// advance records that entry seq is known here, and applied if applied.
func (r *replica) advance(seq uint64, applied bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if applied {
		r.applied = max(r.applied, seq)
	}
	if seq > r.tail {
		r.tail = seq
		close(r.moved)
		r.moved = make(chan struct{})
	}
}

// lose records that this node cannot follow the log, and wakes catchUp.
func (r *replica) lose(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lost = err
	close(r.moved)
	r.moved = make(chan struct{})
}

// catchUp returns once this node has applied every entry stored before
// it was called: what a node must do before it holds the tables.
func (r *replica) catchUp(ctx context.Context) error {
	_, last, err := r.log.Bounds(ctx)
	if err != nil {
		return err
	}
	for {
		r.mu.Lock()
		tail, moved, lost := r.tail, r.moved, r.lost
		r.mu.Unlock()
		if lost != nil {
			return lost
		}
		if tail >= last {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-moved:
		}
	}
}

// follow applies the log's entries from the first this node has not
// applied, until ctx ends; a failed read is retried. It stops for good
// when the log no longer holds that entry (truncated by a holder that had
// not seen this node start yet), and the node never holds DynamoDB.
func (s *Service) follow(ctx context.Context) {
	r := s.rep
	for ctx.Err() == nil {
		r.mu.Lock()
		from := r.applied + 1
		r.pending = nil
		r.mu.Unlock()
		next := from
		err := r.log.Read(ctx, from, func(seq uint64, data []byte) error {
			if seq > next {
				return fmt.Errorf("%w: this node applied entries up to %d and the log now starts at %d; stop it, move <data-dir>/dynamodb away, copy a stopped member's in its place and start it again", errTruncated, next-1, seq)
			}
			next = seq + 1
			return s.take(ctx, seq, data)
		})
		if errors.Is(err, errTruncated) {
			s.log.Error("dynamodb: this node cannot follow the cluster's log", "err", err)
			r.lose(err)
			return
		}
		if err != nil && ctx.Err() == nil {
			s.log.Warn("dynamodb: read the cluster's log", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

// take handles entry seq: skipped when this node wrote it (or applied it
// already), kept when it is a piece of a batch, applied otherwise.
func (s *Service) take(ctx context.Context, seq uint64, data []byte) error {
	r := s.rep
	r.mu.Lock()
	for seq > r.applied && r.committing { // it may be the committer's own
		r.settled.Wait()
	}
	if seq <= r.applied || len(data) == 0 {
		r.mu.Unlock()
		r.advance(seq, false)
		return nil
	}
	kind, body := data[0], data[1:]
	apply := false
	switch kind {
	case entryWhole:
		r.pending, apply = nil, true
	case entryFirst:
		r.pending = append(make([]byte, 0, 2*len(body)), body...)
	case entryMore, entryLast:
		if r.pending == nil { // the rest of a batch whose start came before this node's reading
			break
		}
		r.pending = append(r.pending, body...)
		if kind == entryLast {
			body, r.pending, apply = r.pending, nil, true
		}
	default:
		r.pending = nil
	}
	r.mu.Unlock()
	if !apply {
		r.advance(seq, false)
		return nil
	}
	b, err := store.DecodeBatch(body)
	if err != nil {
		s.log.Error("dynamodb: an entry of the cluster's log does not decode; skipped", "seq", seq, "err", err)
		r.advance(seq, false)
		return nil
	}
	return s.applyEntry(ctx, seq, b)
}

// applyEntry applies another node's batch with no operation under way
// here, and makes what the service keeps in memory follow it.
func (s *Service) applyEntry(ctx context.Context, seq uint64, b *store.Batch) error {
	r := s.rep
	r.gate.Lock()
	defer r.gate.Unlock()
	b.Set(appliedKey, binary.BigEndian.AppendUint64(nil, seq))
	if err := s.db.Apply(ctx, b); err != nil {
		return err
	}
	s.mirror(ctx, b)
	r.advance(seq, true)
	return nil
}
