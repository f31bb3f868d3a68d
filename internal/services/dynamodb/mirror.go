package dynamodb

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"

	"github.com/nubo-dev/nubo/internal/store"
)

// mirror makes what the service keeps in memory follow a batch another
// node committed, now applied to the key space: tables' definitions,
// counts, streams' last sequence numbers and open shards, and the
// streams' waiters. Idempotency tokens and items are read from the key
// space, which holds them already. The caller holds the replica's gate
// exclusively: no operation is under way.
func (s *Service) mirror(ctx context.Context, b *store.Batch) {
	streams := map[uint64]bool{}
	shards := map[uint64]bool{}
	for _, op := range b.Ops {
		if len(op.Key) == 0 || op.End != nil {
			continue // range deletions drop what the other keys' changes say
		}
		switch op.Key[0] {
		case prefixMeta:
			if op.Delete {
				s.mirrorDrop(op.Key)
				continue
			}
			var m tableMeta
			if err := json.Unmarshal(op.Value, &m); err != nil {
				s.log.Error("dynamodb: unreadable table metadata from the cluster's log", "err", err)
				continue
			}
			s.mirrorMeta(m)
		case prefixCounts:
			if !op.Delete && len(op.Key) == 9 {
				s.mirrorCounts(binary.BigEndian.Uint64(op.Key[1:]), op.Value)
			}
		case prefixRecord:
			if !op.Delete && len(op.Key) == 17 {
				streams[binary.BigEndian.Uint64(op.Key[1:9])] = true
				s.mirrorSeq(binary.BigEndian.Uint64(op.Key[1:9]), binary.BigEndian.Uint64(op.Key[9:]))
			}
		case prefixShard:
			if len(op.Key) == 17 {
				shards[binary.BigEndian.Uint64(op.Key[1:9])] = true
			}
		}
	}
	for id := range shards {
		s.commit.mu.Lock()
		delete(s.commit.shards, id)
		err := s.commit.loadShard(ctx, id)
		s.commit.mu.Unlock()
		if err != nil {
			s.log.Error("dynamodb: read a stream's shards", "err", err)
		}
	}
	for id := range streams {
		s.commit.waiters.wake(id)
	}
}

// mirrorMeta takes a table's new definition: a new table, or a change of
// one (the same id), or a table re-created under a deleted one's name.
func (s *Service) mirrorMeta(m tableMeta) {
	ref := tableRef{m.Account, m.Region, m.Name}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.tables[ref]; t != nil {
		if t.meta.ID == m.ID {
			nt := openTable(m)
			t.mu.Lock()
			t.meta, t.key, t.indexes = nt.meta, nt.key, nt.indexes
			t.mu.Unlock()
			return
		}
		s.forgetLocked(ref, t)
	}
	t := openTable(m)
	s.commit.mu.Lock()
	s.commit.counts[t] = counts{}
	s.commit.mu.Unlock()
	s.tables[ref] = t
}

// mirrorDrop forgets the table whose metadata key was deleted.
func (s *Service) mirrorDrop(key []byte) {
	parts := bytes.SplitN(key[1:], []byte{0}, 3)
	if len(parts) != 3 {
		return
	}
	ref := tableRef{string(parts[0]), string(parts[1]), string(parts[2])}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.tables[ref]; t != nil {
		s.forgetLocked(ref, t)
	}
}

// forgetLocked drops a deleted table; the caller holds s.mu.
func (s *Service) forgetLocked(ref tableRef, t *table) {
	t.mu.Lock()
	t.deleted = true
	t.mu.Unlock()
	delete(s.tables, ref)
	s.commit.drop(t)
}

// mirrorCounts takes a table's counts.
func (s *Service) mirrorCounts(id uint64, v []byte) {
	cs := counts{}
	if err := json.Unmarshal(v, &cs); err != nil {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, t := range s.tables {
		if t.meta.ID == id {
			s.commit.mu.Lock()
			s.commit.counts[t] = cs
			s.commit.mu.Unlock()
			return
		}
	}
}

// mirrorSeq takes a stream's record seq.
func (s *Service) mirrorSeq(stream, seq uint64) {
	s.commit.mu.Lock()
	defer s.commit.mu.Unlock()
	s.commit.seqs[stream] = max(s.commit.seqs[stream], seq)
}
