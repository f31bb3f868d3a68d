package cluster

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// streamMappingOnce creates a table with a stream through n1 and maps the
// stream to the recording function through n1, puts items through n2,
// and waits until each item's record reached the function exactly once:
// one node of three reads the mapping. The mapping, deleted through n2,
// is then gone from n3 too.
func (f *fixture) streamMappingOnce(t *testing.T) {
	ctx := context.Background()
	n1, n2, n3 := f.h.nodes[0], f.h.nodes[1], f.h.nodes[2]
	const table, items = "mapped", 20
	d, err := f.h.dynamodb(n1).CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String(table),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
		StreamSpecification:  &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeKeysOnly}})
	if err != nil {
		t.Fatalf("create table through n1: %v", err)
	}
	m, err := f.h.lambda(n1).CreateEventSourceMapping(ctx, &lambda.CreateEventSourceMappingInput{FunctionName: aws.String("rec"),
		EventSourceArn: d.TableDescription.LatestStreamArn, StartingPosition: ltypes.EventSourcePositionTrimHorizon, BatchSize: aws.Int32(5)})
	if err != nil {
		t.Fatalf("create the stream's mapping through n1: %v", err)
	}
	for i := range items {
		if _, err := f.h.dynamodb(n2).PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table),
			Item: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "mapped-" + strconv.Itoa(i)}}}); err != nil {
			t.Fatalf("put item %d through n2: %v", i, err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		runs := map[string]int{}
		for v, rs := range f.read(t) {
			if strings.HasPrefix(v, "stream-") {
				runs[v] = len(rs)
			}
		}
		if len(runs) >= items {
			time.Sleep(time.Second) // a record delivered twice would show now
			for v, rs := range f.read(t) {
				if strings.HasPrefix(v, "stream-") && len(rs) != 1 {
					t.Errorf("stream record %s reached the function %d times", v, len(rs))
				}
			}
			if len(runs) != items {
				t.Errorf("%d stream records reached the function, want %d", len(runs), items)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d stream records reached the function within 20 s", len(runs), items)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := f.h.lambda(n2).DeleteEventSourceMapping(ctx, &lambda.DeleteEventSourceMappingInput{UUID: m.UUID}); err != nil {
		t.Fatalf("delete the mapping through n2: %v", err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, err := f.h.lambda(n3).GetEventSourceMapping(ctx, &lambda.GetEventSourceMappingInput{UUID: m.UUID})
		var gone *ltypes.ResourceNotFoundException
		if errors.As(err, &gone) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the mapping deleted through n2 is still on n3 after 10 s: %v", err)
		}
	}
}
