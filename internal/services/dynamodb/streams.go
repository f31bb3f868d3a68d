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
	stream uint64
	rec    Record
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
	w.records = append(w.records, pendingRecord{stream: sm.ID, rec: r})
}

func streamARN(t *table, sm streamMeta) string {
	return tableARN(t.meta) + "/stream/" + sm.Label
}

func shardID(sm streamMeta) string {
	return fmt.Sprintf("shardId-%020d-%08x", int64(sm.Created*1000), uint32(sm.ID))
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

// DescribeStream describes a stream and its shard.
func (s *Service) DescribeStream(ctx context.Context, scope Scope, in *DescribeStreamInput) (*DescribeStreamOutput, error) {
	t, sm, err := s.findStream(scope, in.StreamArn)
	if err != nil {
		return nil, err
	}
	first, last, err := s.seqRange(ctx, sm.ID)
	if err != nil {
		return nil, err
	}
	status := "ENABLED"
	rng := &SequenceNumberRange{}
	if first > 0 {
		rng.StartingSequenceNumber = formatSeq(first)
	}
	if sm.Disabled != 0 {
		status = "DISABLED"
		if last > 0 {
			rng.EndingSequenceNumber = formatSeq(last)
		}
	}
	d := StreamDescription{
		StreamArn: streamARN(t, sm), StreamLabel: sm.Label, StreamStatus: status, StreamViewType: sm.ViewType,
		CreationRequestDateTime: sm.Created, TableName: t.meta.Name, KeySchema: t.meta.KeySchema,
		Shards: []Shard{{ShardId: shardID(sm), SequenceNumberRange: rng}},
	}
	if in.ExclusiveStartShardId == d.Shards[0].ShardId {
		d.Shards = []Shard{}
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

// iterator is a shard iterator's content.
type iterator struct {
	Stream uint64 `json:"s"`
	Next   uint64 `json:"n"`
	Issued int64  `json:"t"`
	ARN    string `json:"a"`
}

func (s *Service) encodeIterator(it iterator) string {
	it.Issued = s.now().UnixMilli()
	v, _ := json.Marshal(it)
	return base64.RawURLEncoding.EncodeToString(v)
}

// GetShardIterator returns an iterator at a position of a shard.
func (s *Service) GetShardIterator(ctx context.Context, scope Scope, in *GetShardIteratorInput) (*GetShardIteratorOutput, error) {
	_, sm, err := s.findStream(scope, in.StreamArn)
	if err != nil {
		return nil, err
	}
	if in.ShardId != shardID(sm) {
		return nil, awserr.New(ErrResourceNotFound, "Requested resource not found: Shard does not exist")
	}
	first, last, err := s.seqRange(ctx, sm.ID)
	if err != nil {
		return nil, err
	}
	it := iterator{Stream: sm.ID, ARN: in.StreamArn}
	switch in.ShardIteratorType {
	case "TRIM_HORIZON":
		it.Next = max(first, 1)
	case "LATEST":
		it.Next = s.nextSeq(sm.ID, last)
	case "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER":
		seq, err := strconv.ParseUint(in.SequenceNumber, 10, 64)
		if err != nil || in.SequenceNumber == "" {
			return nil, validation("Invalid SequenceNumber: %s", in.SequenceNumber)
		}
		if first > 0 && seq < first || first == 0 && seq <= last {
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

// nextSeq is the sequence number the stream's next record will have.
func (s *Service) nextSeq(stream, last uint64) uint64 {
	s.commit.mu.Lock()
	defer s.commit.mu.Unlock()
	return max(s.commit.seqs[stream], last) + 1
}

// GetRecords reads records from an iterator's position, at most Limit
// (1,000 by default) and at most 1 MB.
func (s *Service) GetRecords(ctx context.Context, scope Scope, in *GetRecordsInput) (*GetRecordsOutput, error) {
	raw, err := base64.RawURLEncoding.DecodeString(in.ShardIterator)
	var it iterator
	if err != nil || json.Unmarshal(raw, &it) != nil || it.Stream == 0 {
		return nil, validation("Invalid ShardIterator")
	}
	if s.now().Sub(time.UnixMilli(it.Issued)) > iteratorLifetime {
		return nil, awserr.New(ErrExpiredIterator, "Iterator expired. The iterator was created at time %s while right now it is %s. The iterator is valid for 15 minutes.", time.UnixMilli(it.Issued).UTC().Format(time.RFC1123), s.now().UTC().Format(time.RFC1123))
	}
	t, sm, err := s.findStream(scope, it.ARN)
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
	out := &GetRecordsOutput{Records: []Record{}}
	size := 0
	var scanErr error
	err = s.db.Scan(ctx, recordKey(it.Stream, it.Next), recordKey(it.Stream+1, 0), false, func(k, v []byte) bool {
		var r Record
		if scanErr = json.Unmarshal(v, &r); scanErr != nil {
			return false
		}
		out.Records = append(out.Records, r)
		it.Next = binary.BigEndian.Uint64(k[9:]) + 1
		size += len(v)
		return len(out.Records) < limit && size < 1<<20
	})
	if err == nil {
		err = scanErr
	}
	if err != nil {
		return nil, err
	}
	_ = t
	if sm.Disabled != 0 && len(out.Records) == 0 {
		return out, nil // a closed shard read to its end
	}
	out.NextShardIterator = s.encodeIterator(it)
	return out, nil
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
