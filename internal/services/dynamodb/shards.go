package dynamodb

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sync"
	"time"
)

// A stream's records are split into shards by sequence number, as
// DynamoDB Streams does: a shard is open until it is older than the
// rollover interval (4 hours, Options.ShardRollover) when the next record
// comes; that record starts a new shard whose parent is the old one, which
// is then closed. A shard is stored when its first record is, in the same
// batch ('h' stream-id first-sequence -> shardMeta), so a shard is a range
// of sequence numbers [first, next shard's first) and never empty. A
// stream with no record yet shows the one open shard its first record
// will start.

// shardMeta is a stored shard.
type shardMeta struct {
	ID      string `json:"id"`
	Parent  string `json:"parent,omitempty"`
	Created int64  `json:"created"` // Unix ms
	First   uint64 `json:"-"`
}

// shardInfo is a shard as readers see it: its records are [First, End),
// End 0 while it is open.
type shardInfo struct {
	shardMeta
	End uint64
}

func shardKey(stream, first uint64) []byte {
	k := binary.BigEndian.AppendUint64([]byte{prefixShard}, stream)
	return binary.BigEndian.AppendUint64(k, first)
}

// newShardID names a shard as AWS does: shardId-<20 digits>-<8 hex>.
func newShardID(stream uint64, createdMs int64, first uint64) string {
	h := fnv.New32a()
	binary.Write(h, binary.BigEndian, [2]uint64{stream, first})
	return fmt.Sprintf("shardId-%020d-%08x", createdMs, h.Sum32())
}

// openShard is the committer's view of a stream's open shard.
type openShard struct {
	id      string
	created int64
}

// startShard tells whether the record of stream with sequence seq starts
// a shard, and returns the shard to store with it: the stream's first
// (named after the stream's creation, streamCreated) or the child of a
// shard older than the rollover. pending holds the shards started by the
// batch being built; the caller holds c.mu.
func (c *committer) startShard(stream uint64, streamCreated int64, seq uint64, now time.Time, pending map[uint64]openShard) *shardMeta {
	cur, ok := pending[stream]
	if !ok {
		cur, ok = c.shards[stream]
	}
	switch {
	case !ok:
		cur = openShard{id: newShardID(stream, streamCreated, 0), created: streamCreated}
		pending[stream] = cur
		return &shardMeta{ID: cur.id, Created: cur.created, First: seq}
	case now.UnixMilli()-cur.created < c.rollover.Milliseconds():
		return nil
	}
	next := openShard{id: newShardID(stream, now.UnixMilli(), seq), created: now.UnixMilli()}
	pending[stream] = next
	return &shardMeta{ID: next.id, Parent: cur.id, Created: next.created, First: seq}
}

// loadShard reads a stream's open (last) shard.
func (c *committer) loadShard(ctx context.Context, stream uint64) error {
	var sh *shardMeta
	err := c.db.Scan(ctx, shardKey(stream, 0), shardKey(stream+1, 0), true, func(k, v []byte) bool {
		sh = &shardMeta{}
		json.Unmarshal(v, sh)
		return false
	})
	if err == nil && sh != nil {
		c.shards[stream] = openShard{id: sh.ID, created: sh.Created}
	}
	return err
}

// shardsOf lists a stream's shards, oldest first; the last is open unless
// the stream is disabled.
func (s *Service) shardsOf(ctx context.Context, sm streamMeta) ([]shardInfo, error) {
	var out []shardInfo
	err := s.db.Scan(ctx, shardKey(sm.ID, 0), shardKey(sm.ID+1, 0), false, func(k, v []byte) bool {
		var sh shardMeta
		if json.Unmarshal(v, &sh) == nil {
			sh.First = binary.BigEndian.Uint64(k[9:])
			if n := len(out); n > 0 {
				out[n-1].End = sh.First
			}
			out = append(out, shardInfo{shardMeta: sh})
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		created := int64(sm.Created * 1000)
		out = append(out, shardInfo{shardMeta: shardMeta{ID: newShardID(sm.ID, created, 0), Created: created, First: 1}})
	}
	if sm.Disabled != 0 {
		_, last, err := s.seqRange(ctx, sm.ID)
		if err != nil {
			return nil, err
		}
		out[len(out)-1].End = max(last+1, out[len(out)-1].First)
	}
	return out, nil
}

// findShard is the shard of sm called id.
func (s *Service) findShard(ctx context.Context, sm streamMeta, id string) (shardInfo, bool, error) {
	shards, err := s.shardsOf(ctx, sm)
	if err != nil {
		return shardInfo{}, false, err
	}
	for _, sh := range shards {
		if sh.ID == id {
			return sh, true, nil
		}
	}
	return shardInfo{}, false, nil
}

// waiters lets readers of a stream wait for its next records.
type waiters struct {
	mu sync.Mutex
	ch map[uint64]chan struct{}
}

// wait returns a channel closed when stream gets records after now.
func (w *waiters) wait(stream uint64) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ch == nil {
		w.ch = map[uint64]chan struct{}{}
	}
	c := w.ch[stream]
	if c == nil {
		c = make(chan struct{})
		w.ch[stream] = c
	}
	return c
}

// wake tells the waiters of stream that it has new records.
func (w *waiters) wake(stream uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c := w.ch[stream]; c != nil {
		close(c)
		delete(w.ch, stream)
	}
}

// trimShards adds to w the deletion of the closed shards all of whose
// records are before first (trimmed).
func (s *Service) trimShards(ctx context.Context, w *write, sm streamMeta, first uint64) {
	shards, err := s.shardsOf(ctx, sm)
	if err != nil {
		return // the next sweep tries again
	}
	for _, sh := range shards {
		if sh.End != 0 && sh.End <= first {
			w.batch.Delete(shardKey(sm.ID, sh.First))
		}
	}
}
