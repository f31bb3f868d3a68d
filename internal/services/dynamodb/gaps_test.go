package dynamodb

import (
	"context"
	"fmt"
	"strings"
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

// TestCreating checks that a table reports CREATING for CreatingFor, then
// ACTIVE.
func TestCreating(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	db, err := pebblestore.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	s := must(New(ctx, db, Options{Now: c.now, CreatingFor: time.Second}))
	createTable(t, s, "tab1")
	status := func() string {
		return must(s.DescribeTable(ctx, scope, &DescribeTableInput{TableName: "tab1"})).Table.TableStatus
	}
	if got := status(); got != "CREATING" {
		t.Errorf("status at once = %s", got)
	}
	c.add(time.Second)
	if got := status(); got != "ACTIVE" {
		t.Errorf("status after a second = %s", got)
	}
}

// TestBatchGetUnprocessed checks that BatchGetItem stops at 16 MB and
// returns the rest of the keys as UnprocessedKeys.
func TestBatchGetUnprocessed(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	createTable(t, s, "tab1")
	big := strings.Repeat("x", 390*1024)
	in := &BatchGetItemInput{RequestItems: map[string]KeysAndAttributes{"tab1": {}}}
	for i := range 50 {
		put(t, s, fmt.Sprintf(`{"pk": {"S": "p"}, "sk": {"N": "%d"}, "v": {"S": "%s"}}`, i, big))
		ka := in.RequestItems["tab1"]
		ka.Keys = append(ka.Keys, js[Item](t, fmt.Sprintf(`{"pk": {"S": "p"}, "sk": {"N": "%d"}}`, i)))
		in.RequestItems["tab1"] = ka
	}
	out := must(s.BatchGetItem(ctx, scope, in))
	got, left := len(out.Responses["tab1"]), len(out.UnprocessedKeys["tab1"].Keys)
	if got+left != 50 || got != 16*1024/390+1 {
		t.Errorf("%d items returned, %d keys unprocessed", got, left)
	}
}
