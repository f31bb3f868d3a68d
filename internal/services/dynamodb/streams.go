package dynamodb

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
)

// Stream records are kept 24 hours; shard iterators live 15 minutes.
const (
	streamRetention  = 24 * time.Hour
	iteratorLifetime = 15 * time.Minute
)

// pendingRecord is a stream record waiting for its sequence number.
type pendingRecord struct {
	stream  uint64
	created int64 // the stream's creation, Unix ms: its first shard's name
	rec     Record
}

func (p pendingRecord) encode(seq uint64) []byte {
	r := p.rec
	d := *r.Dynamodb
	d.SequenceNumber = formatSeq(seq)
	r.Dynamodb = &d
	r.EventID = fmt.Sprintf("%016x%016x", p.stream, seq)
	v, _ := json.Marshal(r)
	return v
}

// formatSeq writes a sequence number as AWS does: 21 digits.
func formatSeq(seq uint64) string { return fmt.Sprintf("%021d", seq) }

// record adds to w the stream record of a change of an item of t, when t
// has a stream. old or new is nil for an insert or a removal; service
// marks a deletion by TTL.
func (s *Service) record(w *write, t *table, key, old, new Item, service bool) {
	sm := t.meta.Stream
	if sm == nil || sm.Disabled != 0 {
		return
	}
	d := &StreamRecord{ApproximateCreationDateTime: float64(s.now().Unix()), Keys: key, StreamViewType: sm.ViewType}
	name := "MODIFY"
	switch {
	case old == nil:
		name = "INSERT"
	case new == nil:
		name = "REMOVE"
	}
	if sm.ViewType == "NEW_IMAGE" || sm.ViewType == "NEW_AND_OLD_IMAGES" {
		d.NewImage = new
	}
	if sm.ViewType == "OLD_IMAGE" || sm.ViewType == "NEW_AND_OLD_IMAGES" {
		d.OldImage = old
	}
	d.SizeBytes = int64(attr.ItemSize(key) + attr.ItemSize(d.NewImage) + attr.ItemSize(d.OldImage))
	r := Record{AwsRegion: t.meta.Region, Dynamodb: d, EventName: name, EventSource: "aws:dynamodb", EventVersion: "1.1"}
	if service {
		r.UserIdentity = &Identity{PrincipalId: "dynamodb.amazonaws.com", Type: "Service"}
	}
	w.records = append(w.records, pendingRecord{stream: sm.ID, created: int64(sm.Created * 1000), rec: r})
}

func streamARN(t *table, sm streamMeta) string {
	return tableARN(t.meta) + "/stream/" + sm.Label
}

// findStream resolves a stream ARN to its table and stream.
func (s *Service) findStream(scope Scope, streamArn string) (*table, streamMeta, error) {
	notFound := awserr.New(ErrResourceNotFound, "Requested resource not found: Stream: %s not found", streamArn)
	a, err := arn.Parse(streamArn)
	if err != nil {
		return nil, streamMeta{}, validation("Invalid StreamArn")
	}
	parts := strings.Split(a.Resource, "/")
	if len(parts) != 4 || parts[0] != "table" || parts[2] != "stream" {
		return nil, streamMeta{}, validation("Invalid StreamArn")
	}
	t := s.lookup(Scope{Account: a.Account, Region: a.Region}, parts[1])
	if t == nil {
		return nil, streamMeta{}, notFound
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, sm := range t.streams() {
		if sm.Label == parts[3] {
			return t, sm, nil
		}
	}
	return nil, streamMeta{}, notFound
}

// streams are a table's streams, oldest first.
func (t *table) streams() []streamMeta {
	out := append([]streamMeta(nil), t.meta.OldStreams...)
	if t.meta.Stream != nil {
		out = append(out, *t.meta.Stream)
	}
	return out
}

// ListStreams lists the streams of a table, or of every table of scope.
func (s *Service) ListStreams(ctx context.Context, scope Scope, in *ListStreamsInput) (*ListStreamsOutput, error) {
	limit := 100
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 100 {
			return nil, validation("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100", *in.Limit)
		}
		limit = *in.Limit
	}
	var all []Stream
	for _, t := range s.allTables() {
		if t.meta.Account != scope.Account || t.meta.Region != scope.Region || (in.TableName != "" && t.meta.Name != in.TableName) {
			continue
		}
		t.mu.RLock()
		for _, sm := range t.streams() {
			all = append(all, Stream{StreamArn: streamARN(t, sm), TableName: t.meta.Name, StreamLabel: sm.Label})
		}
		t.mu.RUnlock()
	}
	out := &ListStreamsOutput{Streams: []Stream{}}
	started := in.ExclusiveStartStreamArn == ""
	for _, st := range all {
		if !started {
			started = st.StreamArn == in.ExclusiveStartStreamArn
			continue
		}
		if len(out.Streams) == limit {
			out.LastEvaluatedStreamArn = out.Streams[limit-1].StreamArn
			break
		}
		out.Streams = append(out.Streams, st)
	}
	return out, nil
}

// DescribeStream describes a stream and its shards (Limit of them, 100 by
// default, after ExclusiveStartShardId).
func (s *Service) DescribeStream(ctx context.Context, scope Scope, in *DescribeStreamInput) (*DescribeStreamOutput, error) {
	t, sm, err := s.findStream(scope, in.StreamArn)
	if err != nil {
		return nil, err
	}
	limit := 100
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 100 {
			return nil, validation("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100", *in.Limit)
		}
		limit = *in.Limit
	}
	shards, err := s.shardsOf(ctx, sm)
	if err != nil {
		return nil, err
	}
	status := "ENABLED"
	if sm.Disabled != 0 {
		status = "DISABLED"
	}
	d := StreamDescription{
		StreamArn: streamARN(t, sm), StreamLabel: sm.Label, StreamStatus: status, StreamViewType: sm.ViewType,
		CreationRequestDateTime: sm.Created, TableName: t.meta.Name, KeySchema: t.meta.KeySchema, Shards: []Shard{},
	}
	started := in.ExclusiveStartShardId == ""
	for _, sh := range shards {
		if !started {
			started = sh.ID == in.ExclusiveStartShardId
			continue
		}
		if len(d.Shards) == limit {
			d.LastEvaluatedShardId = d.Shards[limit-1].ShardId
			break
		}
		rng := &SequenceNumberRange{StartingSequenceNumber: formatSeq(sh.First)}
		if sh.End != 0 {
			rng.EndingSequenceNumber = formatSeq(sh.End - 1)
		}
		d.Shards = append(d.Shards, Shard{ShardId: sh.ID, ParentShardId: sh.Parent, SequenceNumberRange: rng})
	}
	return &DescribeStreamOutput{StreamDescription: d}, nil
}

// seqRange is the first and last sequence number stored for a stream (0
// when it has none).
func (s *Service) seqRange(ctx context.Context, stream uint64) (first, last uint64, err error) {
	lo, hi := recordKey(stream, 0), recordKey(stream+1, 0)
	err = s.db.Scan(ctx, lo, hi, false, func(k, _ []byte) bool {
		first = binary.BigEndian.Uint64(k[9:])
		return false
	})
	if err == nil {
		err = s.db.Scan(ctx, lo, hi, true, func(k, _ []byte) bool {
			last = binary.BigEndian.Uint64(k[9:])
			return false
		})
	}
	return first, last, err
}

// iterator is a shard iterator's content: the stream, the shard (by its
// first sequence number) and the next sequence number to read.
type iterator struct {
	Stream uint64 `json:"s"`
	Shard  uint64 `json:"h"`
	Next   uint64 `json:"n"`
	Issued int64  `json:"t"`
	ARN    string `json:"a"`
}

func (s *Service) encodeIterator(it iterator) string {
	it.Issued = s.now().UnixMilli()
	v, _ := json.Marshal(it)
	return base64.RawURLEncoding.EncodeToString(v)
}

// IteratorStream is the ARN of the stream a shard iterator reads, "" for
// a string that is not an iterator: GetRecords is authorised on it.
func IteratorStream(shardIterator string) string {
	raw, err := base64.RawURLEncoding.DecodeString(shardIterator)
	var it iterator
	if err != nil || json.Unmarshal(raw, &it) != nil {
		return ""
	}
	return it.ARN
}

// GetShardIterator returns an iterator at a position of a shard.
func (s *Service) GetShardIterator(ctx context.Context, scope Scope, in *GetShardIteratorInput) (*GetShardIteratorOutput, error) {
	_, sm, err := s.findStream(scope, in.StreamArn)
	if err != nil {
		return nil, err
	}
	sh, ok, err := s.findShard(ctx, sm, in.ShardId)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, awserr.New(ErrResourceNotFound, "Requested resource not found: Shard does not exist")
	}
	first, _, err := s.seqRange(ctx, sm.ID)
	if err != nil {
		return nil, err
	}
	it := iterator{Stream: sm.ID, Shard: sh.First, ARN: in.StreamArn}
	switch in.ShardIteratorType {
	case "TRIM_HORIZON":
		it.Next = max(first, sh.First)
	case "LATEST":
		it.Next = s.nextSeq(sm.ID, sh)
	case "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER":
		seq, err := strconv.ParseUint(in.SequenceNumber, 10, 64)
		if err != nil || in.SequenceNumber == "" || seq < sh.First || sh.End != 0 && seq >= sh.End {
			return nil, validation("Invalid SequenceNumber: %s for shard %s", in.SequenceNumber, in.ShardId)
		}
		if seq < first {
			return nil, awserr.New(ErrTrimmedDataAccess, "Attempted to access data that has been trimmed: %s", in.SequenceNumber)
		}
		if in.ShardIteratorType == "AFTER_SEQUENCE_NUMBER" {
			seq++
		}
		it.Next = seq
	default:
		return nil, validation("1 validation error detected: Value '%s' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]", in.ShardIteratorType)
	}
	return &GetShardIteratorOutput{ShardIterator: s.encodeIterator(it)}, nil
}

// nextSeq is the sequence number of the shard's next record: past its
// end when it is closed.
func (s *Service) nextSeq(stream uint64, sh shardInfo) uint64 {
	if sh.End != 0 {
		return sh.End
	}
	s.commit.mu.Lock()
	defer s.commit.mu.Unlock()
	return max(s.commit.seqs[stream]+1, sh.First)
}

// GetRecords reads records from an iterator's position, at most Limit
// (1,000 by default) and at most 1 MB. A closed shard read to its end has
// no NextShardIterator.
func (s *Service) GetRecords(ctx context.Context, scope Scope, in *GetRecordsInput) (*GetRecordsOutput, error) {
	raw, err := base64.RawURLEncoding.DecodeString(in.ShardIterator)
	var it iterator
	if err != nil || json.Unmarshal(raw, &it) != nil || it.Stream == 0 {
		return nil, validation("Invalid ShardIterator")
	}
	if s.now().Sub(time.UnixMilli(it.Issued)) > iteratorLifetime {
		return nil, awserr.New(ErrExpiredIterator, "Iterator expired. The iterator was created at time %s while right now it is %s. The iterator is valid for 15 minutes.", time.UnixMilli(it.Issued).UTC().Format(time.RFC1123), s.now().UTC().Format(time.RFC1123))
	}
	_, sm, err := s.findStream(scope, it.ARN)
	if err != nil {
		return nil, err
	}
	limit := 1000
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 1000 {
			return nil, validation("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000", *in.Limit)
		}
		limit = *in.Limit
	}
	sh, err := s.shardAt(ctx, sm, it.Shard)
	if err != nil {
		return nil, err
	}
	recs, next, err := s.readShard(ctx, sm.ID, sh, it.Next, limit)
	if err != nil {
		return nil, err
	}
	out := &GetRecordsOutput{Records: make([]Record, 0, len(recs))}
	for _, r := range recs {
		out.Records = append(out.Records, r.Record)
	}
	if sh.End != 0 && next >= sh.End {
		return out, nil // a closed shard read to its end
	}
	it.Next = next
	out.NextShardIterator = s.encodeIterator(it)
	return out, nil
}

// shardAt is the shard of sm that starts at first.
func (s *Service) shardAt(ctx context.Context, sm streamMeta, first uint64) (shardInfo, error) {
	shards, err := s.shardsOf(ctx, sm)
	if err != nil {
		return shardInfo{}, err
	}
	for _, sh := range shards {
		if sh.First == first {
			return sh, nil
		}
	}
	return shardInfo{}, awserr.New(ErrTrimmedDataAccess, "Attempted to access data that has been trimmed")
}

// trimStreams drops a table's stream records older than 24 hours, and
// streams disabled more than 24 hours ago.
func (s *Service) trimStreams(ctx context.Context, t *table) error {
	t.mu.RLock()
	streams := t.streams()
	t.mu.RUnlock()
	cutoff := s.now().Add(-streamRetention)
	for _, sm := range streams {
		var end []byte
		err := s.db.Scan(ctx, recordKey(sm.ID, 0), recordKey(sm.ID+1, 0), false, func(k, v []byte) bool {
			var r Record
			if json.Unmarshal(v, &r) == nil && r.Dynamodb != nil && time.Unix(int64(r.Dynamodb.ApproximateCreationDateTime), 0).After(cutoff) {
				return false
			}
			end = append(end[:0], k...)
			return true
		})
		if err != nil {
			return err
		}
		if end != nil {
			w := newWrite()
			w.batch.DeleteRange(recordKey(sm.ID, 0), append(end, 0))
			s.trimShards(ctx, w, sm, binary.BigEndian.Uint64(end[9:])+1)
			if err := s.commit.Commit(ctx, w); err != nil {
				return err
			}
		}
	}
	return s.dropOldStreams(ctx, t, cutoff)
}

// dropOldStreams forgets streams disabled before cutoff.
func (s *Service) dropOldStreams(ctx context.Context, t *table, cutoff time.Time) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	keep := t.meta.OldStreams[:0:0]
	for _, sm := range t.meta.OldStreams {
		if time.UnixMilli(int64(sm.Disabled * 1000)).After(cutoff) {
			keep = append(keep, sm)
		}
	}
	if len(keep) == len(t.meta.OldStreams) || t.deleted {
		return nil
	}
	m := t.meta
	m.OldStreams = keep
	return s.saveMeta(ctx, t, m, nil)
}
