package dynamodb

import (
	"context"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/store/pebblestore"
)

// TestShardRollover checks that a stream's shard closes once it is older
// than the rollover, that its child names it as parent, that readers of
// the closed shard reach its end, and that all of it survives a restart.
func TestShardRollover(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	ctx := context.Background()
	db, err := pebblestore.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := must(New(ctx, db, Options{Now: c.now, ShardRollover: time.Hour}))
	createTable(t, s, "tab1")
	arn := must(s.DescribeTable(ctx, scope, &DescribeTableInput{TableName: "tab1"})).Table.LatestStreamArn
	empty := must(s.DescribeStream(ctx, scope, &DescribeStreamInput{StreamArn: arn})).StreamDescription.Shards
	put(t, s, `{"pk": {"S": "a"}, "sk": {"N": "1"}}`)
	put(t, s, `{"pk": {"S": "a"}, "sk": {"N": "2"}}`)
	c.add(2 * time.Hour)
	put(t, s, `{"pk": {"S": "a"}, "sk": {"N": "3"}}`)
	db.Close()
	db, err = pebblestore.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s = must(New(ctx, db, Options{Now: c.now, ShardRollover: time.Hour}))
	put(t, s, `{"pk": {"S": "a"}, "sk": {"N": "4"}}`) // the open shard is still the second
	shards := must(s.DescribeStream(ctx, scope, &DescribeStreamInput{StreamArn: arn})).StreamDescription.Shards
	if len(empty) != 1 || len(shards) != 2 || shards[0].ShardId != empty[0].ShardId {
		t.Fatalf("shards = %+v (before any record: %+v)", shards, empty)
	}
	if shards[1].ParentShardId != shards[0].ShardId || shards[0].SequenceNumberRange.EndingSequenceNumber != formatSeq(2) ||
		shards[1].SequenceNumberRange.StartingSequenceNumber != formatSeq(3) || shards[1].SequenceNumberRange.EndingSequenceNumber != "" {
		t.Fatalf("shards = %+v %+v", shards[0], shards[1])
	}
	read := func(shard string) (int, bool) {
		it := must(s.GetShardIterator(ctx, scope, &GetShardIteratorInput{StreamArn: arn, ShardId: shard, ShardIteratorType: "TRIM_HORIZON"}))
		out := must(s.GetRecords(ctx, scope, &GetRecordsInput{ShardIterator: it.ShardIterator}))
		return len(out.Records), out.NextShardIterator != ""
	}
	if n, more := read(shards[0].ShardId); n != 2 || more {
		t.Errorf("closed shard: %d records, more = %v", n, more)
	}
	if n, more := read(shards[1].ShardId); n != 2 || !more {
		t.Errorf("open shard: %d records, more = %v", n, more)
	}
}
