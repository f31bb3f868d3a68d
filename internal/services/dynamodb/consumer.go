package dynamodb

import (
	"context"
	"encoding/binary"
	"encoding/json"
)

// The Go API of streams for nubo's own consumers (Lambda's event source
// mappings): shards by sequence number, reads from any sequence number,
// and a wait for new records, so a consumer is woken by a write instead of
// polling.

// StreamShard is a shard: its records are [First, End), End 0 while open.
type StreamShard struct {
	ID, Parent string
	First, End uint64
}

// StreamShards lists the shards of the stream streamArn, oldest first.
func (s *Service) StreamShards(ctx context.Context, streamArn string) ([]StreamShard, error) {
	_, sm, err := s.findStream(Scope{}, streamArn)
	if err != nil && s.rep != nil {
		// In a cluster a table created through this node was stored by
		// the holder, and may not be applied here yet.
		if err := s.rep.catchUp(ctx); err != nil {
			return nil, err
		}
		_, sm, err = s.findStream(Scope{}, streamArn)
	}
	if err != nil {
		return nil, err
	}
	shards, err := s.shardsOf(ctx, sm)
	if err != nil {
		return nil, err
	}
	out := make([]StreamShard, len(shards))
	for i, sh := range shards {
		out[i] = StreamShard{ID: sh.ID, Parent: sh.Parent, First: sh.First, End: sh.End}
	}
	return out, nil
}

// StreamRead reads up to limit records of a shard from sequence number
// from on (those trimmed are gone); next is where the next read starts.
func (s *Service) StreamRead(ctx context.Context, streamArn string, sh StreamShard, from uint64, limit int) (recs []SeqRecord, next uint64, err error) {
	_, sm, err := s.findStream(Scope{}, streamArn)
	if err != nil {
		return nil, from, err
	}
	return s.readShard(ctx, sm.ID, shardInfo{shardMeta: shardMeta{ID: sh.ID, First: sh.First}, End: sh.End}, from, limit)
}

// StreamNext is the sequence number the next record of the stream will
// have (where LATEST starts).
func (s *Service) StreamNext(streamArn string) (uint64, error) {
	_, sm, err := s.findStream(Scope{}, streamArn)
	if err != nil {
		return 0, err
	}
	s.commit.mu.Lock()
	defer s.commit.mu.Unlock()
	return s.commit.seqs[sm.ID] + 1, nil
}

// StreamWait returns a channel closed when the stream gets new records.
func (s *Service) StreamWait(streamArn string) (<-chan struct{}, error) {
	_, sm, err := s.findStream(Scope{}, streamArn)
	if err != nil {
		return nil, err
	}
	return s.commit.waiters.wait(sm.ID), nil
}

// SeqRecord is a stream record with its sequence number.
type SeqRecord struct {
	Seq uint64
	Record
}

// readShard reads up to limit records (and 1 MB) of a shard from seq on;
// next is the sequence number after the last one read.
func (s *Service) readShard(ctx context.Context, stream uint64, sh shardInfo, seq uint64, limit int) ([]SeqRecord, uint64, error) {
	upper := recordKey(stream+1, 0)
	if sh.End != 0 {
		upper = recordKey(stream, sh.End)
	}
	var out []SeqRecord
	size := 0
	next := seq
	var decodeErr error
	err := s.db.Scan(ctx, recordKey(stream, seq), upper, false, func(k, v []byte) bool {
		r := SeqRecord{Seq: binary.BigEndian.Uint64(k[9:])}
		if decodeErr = json.Unmarshal(v, &r.Record); decodeErr != nil {
			return false
		}
		out = append(out, r)
		next = r.Seq + 1
		size += len(v)
		return len(out) < limit && size < 1<<20
	})
	if err == nil {
		err = decodeErr
	}
	return out, next, err
}
