package cluster

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// ddbTable is the table the DynamoDB steps share; ddbItems how many items
// are put through the node killOne kills.
const (
	ddbTable = "orders"
	ddbItems = 50
)

// dynamodb is a DynamoDB client of nd that retries as the SDKs do (up to
// 10 attempts): DynamoDB is served by one node, and a request that comes
// while it moves between nodes (its holder died, or hands it to the node
// preferred once that one settled) is answered 503, to be retried.
func (h *harness) dynamodb(nd *node) *dynamodb.Client { return dynamodb.NewFromConfig(h.retrying(nd)) }

func (h *harness) retrying(nd *node) aws.Config {
	cfg := h.config(nd)
	cfg.Retryer = func() aws.Retryer { return retry.AddWithMaxAttempts(retry.NewStandard(), 10) }
	return cfg
}

// ddbHolder is the node that holds DynamoDB while every node lives: the
// one with the highest FNV-1a hash of node, group ("dynamodb") and
// resource ("all"), as nubo's groups place resources. With nodes n1, n2
// and n3 it is n3, the node killOne kills.
func ddbHolder(nodes []*node) *node {
	var best *node
	bestHash := uint64(0)
	for _, n := range nodes {
		h := fnv.New64a()
		h.Write([]byte(n.name + "\x00dynamodb\x00all"))
		if v := h.Sum64(); best == nil || v > bestHash {
			best, bestHash = n, v
		}
	}
	return best
}

func ddbKey(pk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}}
}

// dynamodbEveryNode creates a table (with a stream) through n1, puts
// items through n3, the node killOne kills and DynamoDB's holder, and
// reads each through n2 with ConsistentRead; conditional puts of one key
// through n1 and n2 at once: exactly one wins each round.
func (f *fixture) dynamodbEveryNode(t *testing.T) {
	ctx := context.Background()
	n1, n2, n3 := f.h.nodes[0], f.h.nodes[1], f.h.nodes[2]
	if ddbHolder(f.h.nodes) != n3 {
		t.Fatalf("DynamoDB's holder is %s, not n3: the kill would not take it down", ddbHolder(f.h.nodes).name)
	}
	_, err := f.h.dynamodb(n1).CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String(ddbTable),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
		StreamSpecification:  &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage}})
	if err != nil {
		t.Fatalf("create table through n1: %v", err)
	}
	for i := range ddbItems {
		item := ddbKey("item-" + strconv.Itoa(i))
		item["n"] = &types.AttributeValueMemberN{Value: strconv.Itoa(i)}
		if _, err := f.h.dynamodb(n3).PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(ddbTable), Item: item}); err != nil {
			t.Fatalf("put item %d through n3: %v", i, err)
		}
		out, err := f.h.dynamodb(n2).GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(ddbTable), Key: ddbKey("item-" + strconv.Itoa(i)),
			ConsistentRead: aws.Bool(true)})
		if err != nil || out.Item == nil {
			t.Fatalf("read item %d through n2 right after its put through n3: %v, %v", i, out, err)
		}
	}
	for r := range 10 {
		won := 0
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, nd := range []*node{n1, n2} {
			wg.Go(func() {
				_, err := f.h.dynamodb(nd).PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(ddbTable),
					Item: ddbKey(fmt.Sprintf("race-%d", r)), ConditionExpression: aws.String("attribute_not_exists(pk)")})
				var failed *types.ConditionalCheckFailedException
				switch {
				case err == nil:
					mu.Lock()
					won++
					mu.Unlock()
				case !errors.As(err, &failed):
					t.Errorf("conditional put through %s: %v", nd.name, err)
				}
			})
		}
		wg.Wait()
		if won != 1 {
			t.Fatalf("round %d: %d conditional puts of one key won, want 1", r, won)
		}
	}
}

// dynamodbAfterKill reads, through each survivor, every item put through
// the killed node (DynamoDB's holder) before it died (ConsistentRead):
// another node took DynamoDB over from the log; it writes through them,
// and reads the table's stream through both: the same records, one per
// write, in order.
func (f *fixture) dynamodbAfterKill(t *testing.T) {
	if f.killed == 0 {
		t.Skip("no node was killed")
	}
	ctx := context.Background()
	survivors := f.h.nodes[:2]
	for _, nd := range survivors {
		c := f.h.dynamodb(nd)
		for i := range ddbItems {
			out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(ddbTable), Key: ddbKey("item-" + strconv.Itoa(i)),
				ConsistentRead: aws.Bool(true)})
			if err != nil || out.Item == nil {
				t.Fatalf("item %d put through the killed node, read through %s: %v, %v", i, nd.name, out, err)
			}
		}
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(ddbTable), Item: ddbKey("after-" + nd.name)}); err != nil {
			t.Fatalf("put through %s after the kill: %v", nd.name, err)
		}
	}
	// ddbItems puts, 10 conditional puts won, one put through each survivor.
	want := ddbItems + 10 + len(survivors)
	var first []string
	for _, nd := range survivors {
		seqs := f.streamSeqs(t, nd)
		if len(seqs) != want {
			t.Fatalf("%s reads %d stream records, want %d", nd.name, len(seqs), want)
		}
		if first == nil {
			first = seqs
			continue
		}
		for i := range seqs {
			if seqs[i] != first[i] {
				t.Fatalf("record %d: %s reads %s, %s read %s", i, nd.name, seqs[i], survivors[0].name, first[i])
			}
		}
	}
}

// streamSeqs reads the table's stream through nd from its start: the
// records' sequence numbers, in order.
func (f *fixture) streamSeqs(t *testing.T, nd *node) []string {
	ctx := context.Background()
	d, err := f.h.dynamodb(nd).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(ddbTable)})
	if err != nil {
		t.Fatalf("describe table through %s: %v", nd.name, err)
	}
	c := dynamodbstreams.NewFromConfig(f.h.retrying(nd))
	s, err := c.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: d.Table.LatestStreamArn})
	if err != nil {
		t.Fatalf("describe stream through %s: %v", nd.name, err)
	}
	var seqs []string
	for _, sh := range s.StreamDescription.Shards {
		it, err := c.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: d.Table.LatestStreamArn,
			ShardId: sh.ShardId, ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon})
		if err != nil {
			t.Fatalf("shard iterator through %s: %v", nd.name, err)
		}
		for iter := it.ShardIterator; iter != nil; {
			out, err := c.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				t.Fatalf("get records through %s: %v", nd.name, err)
			}
			for _, r := range out.Records {
				seqs = append(seqs, aws.ToString(r.Dynamodb.SequenceNumber))
			}
			if len(out.Records) == 0 {
				break
			}
			iter = out.NextShardIterator
		}
	}
	return seqs
}
