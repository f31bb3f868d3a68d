package dynamodb

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// write is one operation's change: its storage operations, the changes of
// its tables' counts, and the stream records it makes (their sequence
// numbers are given at commit, in commit order).
type write struct {
	batch   store.Batch
	deltas  map[*table]counts
	records []pendingRecord
	// done receives the write's result, or lead when its writer is to
	// commit the queue.
	done chan result
}

type result struct {
	err  error
	lead bool
}

func newWrite() *write { return &write{deltas: map[*table]counts{}, done: make(chan result, 1)} }

// count adds n items of size bytes to index no of t.
func (w *write) count(t *table, no uint16, n, bytes int64) {
	c := w.deltas[t]
	if c == nil {
		c = counts{}
		w.deltas[t] = c
	}
	v := c[no]
	c[no] = [2]int64{v[0] + n, v[1] + bytes}
}

// committer groups concurrent writes into one batch and one synced
// commit: the first writer to find no commit under way commits everything
// queued, while the others wait; once its group is stored it hands the
// lead to the first writer queued meanwhile, which commits the next group,
// and so on. (A leader that kept committing until the queue emptied would
// answer its own client only when the load paused.) It owns the counts
// and the stream sequence numbers, which it advances only for batches
// that were stored.
type committer struct {
	db store.Ordered
	// rep, in a cluster, stores batches through the log first.
	rep *replica

	mu      sync.Mutex
	queue   []*write
	leading bool
	counts  map[*table]counts
	seqs    map[uint64]uint64
	// shards are the streams' open shards; rollover is how old a shard
	// grows before the next record starts another (shards.go).
	shards   map[uint64]openShard
	rollover time.Duration
	now      func() time.Time
	// waiters are woken when their stream has new records.
	waiters waiters
}

func (c *committer) init(db store.Ordered, now func() time.Time, rollover time.Duration) {
	c.db, c.counts, c.seqs, c.shards = db, map[*table]counts{}, map[uint64]uint64{}, map[uint64]openShard{}
	c.now, c.rollover = now, rollover
}

// load reads a table's counts and its streams' last sequence numbers.
func (c *committer) load(ctx context.Context, t *table) error {
	v, err := c.db.Get(ctx, countsKey(t.meta.ID))
	cs := counts{}
	switch {
	case err == nil:
		if err := json.Unmarshal(v, &cs); err != nil {
			return err
		}
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	streams := append([]streamMeta(nil), t.meta.OldStreams...)
	if t.meta.Stream != nil {
		streams = append(streams, *t.meta.Stream)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[t] = cs
	for _, sm := range streams {
		last := uint64(0)
		err := c.db.Scan(ctx, recordKey(sm.ID, 0), recordKey(sm.ID+1, 0), true, func(k, _ []byte) bool {
			last = binary.BigEndian.Uint64(k[9:])
			return false
		})
		if err != nil {
			return err
		}
		c.seqs[sm.ID] = last
		if err := c.loadShard(ctx, sm.ID); err != nil {
			return err
		}
	}
	return nil
}

// counts returns a table's counts.
func (c *committer) get(t *table) counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := counts{}
	for k, v := range c.counts[t] {
		out[k] = v
	}
	return out
}

// drop forgets a deleted table.
func (c *committer) drop(t *table) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.counts, t)
}

// Commit stores w durably, with every write queued beside it.
func (c *committer) Commit(ctx context.Context, w *write) error {
	c.mu.Lock()
	c.queue = append(c.queue, w)
	if c.leading {
		c.mu.Unlock()
		if r := <-w.done; !r.lead {
			return r.err
		}
		c.mu.Lock()
	}
	c.leading = true
	group := c.queue
	c.queue = nil
	c.flushLocked(group)
	if len(c.queue) > 0 {
		c.queue[0].done <- result{lead: true}
	} else {
		c.leading = false
	}
	c.mu.Unlock()
	return (<-w.done).err
}

// flushLocked builds one batch of group, stores it with c.mu released, and
// answers each write.
func (c *committer) flushLocked(group []*write) {
	var b store.Batch
	newCounts := map[*table]counts{}
	newSeqs := map[uint64]uint64{}
	newShards := map[uint64]openShard{}
	now := c.now()
	for _, w := range group {
		b.Ops = append(b.Ops, w.batch.Ops...)
		for t, d := range w.deltas {
			cur := newCounts[t]
			if cur == nil {
				cur = counts{}
				for k, v := range c.counts[t] {
					cur[k] = v
				}
				newCounts[t] = cur
			}
			for no, v := range d {
				o := cur[no]
				cur[no] = [2]int64{o[0] + v[0], o[1] + v[1]}
			}
		}
		for _, r := range w.records {
			seq, ok := newSeqs[r.stream]
			if !ok {
				seq = c.seqs[r.stream]
			}
			seq++
			newSeqs[r.stream] = seq
			if started := c.startShard(r.stream, r.created, seq, now, newShards); started != nil {
				v, _ := json.Marshal(started)
				b.Set(shardKey(r.stream, seq), v)
			}
			b.Set(recordKey(r.stream, seq), r.encode(seq))
		}
	}
	for t, cs := range newCounts {
		v, _ := json.Marshal(cs)
		b.Set(countsKey(t.meta.ID), v)
	}
	c.mu.Unlock()
	// The group's writers wait on this commit, whatever became of the
	// context of the one that leads it.
	err := c.apply(context.Background(), &b)
	c.mu.Lock()
	if err == nil {
		for t, cs := range newCounts {
			c.counts[t] = cs
		}
		for id, seq := range newSeqs {
			c.seqs[id] = seq
		}
		for id, sh := range newShards {
			c.shards[id] = sh
		}
	}
	for _, w := range group {
		w.done <- result{err: err}
	}
	if err == nil {
		for id := range newSeqs {
			c.waiters.wake(id)
		}
	}
}

// apply stores a group's batch: on a single node in the key space, in a
// cluster through the log (replica.go).
func (c *committer) apply(ctx context.Context, b *store.Batch) error {
	if c.rep != nil {
		return c.rep.commit(ctx, c.db, b)
	}
	return c.db.Apply(ctx, b)
}
