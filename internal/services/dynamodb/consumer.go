package dynamodb

import (
	"context"
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
