package server_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

func (n *nubo) dynamodbClient() *dynamodb.Client {
	return dynamodb.NewFromConfig(aws.Config{
		Region:       n.region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String("http://" + n.addr),
	})
}

func (n *nubo) streamsClient() *dynamodbstreams.Client {
	return dynamodbstreams.NewFromConfig(aws.Config{
		Region:       n.region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String("http://" + n.addr),
	})
}

// order is an item as an application would model it, marshalled by the
// SDK's attributevalue package.
type order struct {
	Customer string            `dynamodbav:"customer"`
	ID       int               `dynamodbav:"id"`
	Total    float64           `dynamodbav:"total"`
	Status   string            `dynamodbav:"status"`
	Tags     []string          `dynamodbav:"tags,stringset,omitempty"`
	Meta     map[string]string `dynamodbav:"meta,omitempty"`
	Lines    []line            `dynamodbav:"lines,omitempty"`
}

type line struct {
	SKU string `dynamodbav:"sku"`
	Qty int    `dynamodbav:"qty"`
}

// createOrders creates the orders table (customer, id) with a GSI by
// status and a stream, and waits for it as the SDK's waiter does.
func createOrders(t *testing.T, c *dynamodb.Client, name string) *dynamodb.CreateTableOutput {
	t.Helper()
	ctx := context.Background()
	out, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("customer"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeN},
			{AttributeName: aws.String("status"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("customer"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("id"), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:  aws.String("byStatus"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("status"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("id"), KeyType: types.KeyTypeRange}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	w := dynamodb.NewTableExistsWaiter(c, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay = 10 * time.Millisecond })
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 30*time.Second); err != nil {
		t.Fatalf("wait for table: %v", err)
	}
	return out
}

func putOrder(t *testing.T, c *dynamodb.Client, table string, o order) {
	t.Helper()
	item, err := attributevalue.MarshalMap(o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatalf("PutItem: %v", err)
	}
}

// TestDynamoDBSDK runs a Go application's everyday flow with
// aws-sdk-go-v2: the attributevalue and expression packages, paginators,
// conditional writes and their errors, batches, transactions, the table
// waiters. The SDK verifies every response's x-amz-crc32.
func TestDynamoDBSDK(t *testing.T) {
	n := sharedNubo(t)
	c := n.dynamodbClient()
	ctx := context.Background()
	created := createOrders(t, c, "orders")
	if created.TableDescription.TableStatus != types.TableStatusCreating {
		t.Errorf("CreateTable status = %s", created.TableDescription.TableStatus)
	}
	for i := 1; i <= 30; i++ {
		status := "open"
		if i%3 == 0 {
			status = "shipped"
		}
		putOrder(t, c, "orders", order{Customer: "ada", ID: i, Total: float64(i) * 1.5, Status: status,
			Tags: []string{"a", fmt.Sprint("t", i)}, Meta: map[string]string{"src": "web"}, Lines: []line{{"x", i}}})
	}
	// Query with a key condition and a filter built by the expression
	// package, paged three at a time.
	keyCond := expression.Key("customer").Equal(expression.Value("ada")).And(expression.Key("id").Between(expression.Value(5), expression.Value(20)))
	filter := expression.Name("total").GreaterThan(expression.Value(10))
	proj := expression.NamesList(expression.Name("id"), expression.Name("total"), expression.Name("lines[0].qty"))
	e, err := expression.NewBuilder().WithKeyCondition(keyCond).WithFilter(filter).WithProjection(proj).Build()
	if err != nil {
		t.Fatal(err)
	}
	p := dynamodb.NewQueryPaginator(c, &dynamodb.QueryInput{TableName: aws.String("orders"), KeyConditionExpression: e.KeyCondition(),
		FilterExpression: e.Filter(), ProjectionExpression: e.Projection(), ExpressionAttributeNames: e.Names(),
		ExpressionAttributeValues: e.Values(), Limit: aws.Int32(3), ScanIndexForward: aws.Bool(false)})
	var ids []int
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []order
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &got); err != nil {
			t.Fatal(err)
		}
		for _, o := range got {
			ids = append(ids, o.ID)
		}
	}
	if fmt.Sprint(ids) != "[20 19 18 17 16 15 14 13 12 11 10 9 8 7]" {
		t.Errorf("query ids = %v", ids)
	}
	// The GSI.
	q, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("orders"), IndexName: aws.String("byStatus"),
		KeyConditionExpression: aws.String("#s = :s"), ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: "shipped"}}, Select: types.SelectCount})
	if err != nil || q.Count != 10 {
		t.Fatalf("GSI query: %v, %+v", err, q)
	}
	// A conditional update with the expression builder.
	upd := expression.Set(expression.Name("status"), expression.Value("paid")).Add(expression.Name("version"), expression.Value(1)).
		Set(expression.Name("lines"), expression.ListAppend(expression.Name("lines"), expression.Value([]line{{"y", 2}})))
	cond := expression.Name("status").Equal(expression.Value("open"))
	e, _ = expression.NewBuilder().WithUpdate(upd).WithCondition(cond).Build()
	key := map[string]types.AttributeValue{"customer": &types.AttributeValueMemberS{Value: "ada"}, "id": &types.AttributeValueMemberN{Value: "1"}}
	u, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("orders"), Key: key, UpdateExpression: e.Update(),
		ConditionExpression: e.Condition(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(), ReturnValues: types.ReturnValueAllNew})
	if err != nil {
		t.Fatalf("UpdateItem: %v", err)
	}
	var updated order
	attributevalue.UnmarshalMap(u.Attributes, &updated)
	if updated.Status != "paid" || len(updated.Lines) != 2 {
		t.Errorf("updated = %+v", updated)
	}
	// The same condition fails now, with the item when asked.
	_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("orders"), Key: key, UpdateExpression: e.Update(),
		ConditionExpression: e.Condition(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) || ccf.Item["status"].(*types.AttributeValueMemberS).Value != "paid" {
		t.Fatalf("UpdateItem: %v, want ConditionalCheckFailedException with the item", err)
	}
	// Validation errors and missing tables have their types.
	_, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("nope"), Key: key})
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Errorf("GetItem of a missing table: %v", err)
	}
	// Batches and transactions.
	b, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"orders": {Keys: []map[string]types.AttributeValue{key}}}})
	if err != nil || len(b.Responses["orders"]) != 1 || len(b.UnprocessedKeys) != 0 {
		t.Fatalf("BatchGetItem: %v %+v", err, b)
	}
	_, err = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("orders"), Item: map[string]types.AttributeValue{"customer": &types.AttributeValueMemberS{Value: "bob"}, "id": &types.AttributeValueMemberN{Value: "1"}}}},
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String("orders"), Key: key, ConditionExpression: aws.String("attribute_not_exists(customer)")}},
	}})
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) || len(tce.CancellationReasons) != 2 || aws.ToString(tce.CancellationReasons[1].Code) != "ConditionalCheckFailed" {
		t.Fatalf("TransactWriteItems: %v", err)
	}
	// A scan in parallel segments sees every item once.
	total := 0
	for seg := int32(0); seg < 4; seg++ {
		sp := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String("orders"), Segment: aws.Int32(seg), TotalSegments: aws.Int32(4), Limit: aws.Int32(7)})
		for sp.HasMorePages() {
			page, err := sp.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			total += int(page.Count)
		}
	}
	if total != 30 {
		t.Errorf("scan saw %d items", total)
	}
	// The stream has every write, read with the streams client.
	d, _ := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("orders")})
	sc := n.streamsClient()
	ds, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: d.Table.LatestStreamArn})
	if err != nil {
		t.Fatalf("DescribeStream: %v", err)
	}
	it, err := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: d.Table.LatestStreamArn,
		ShardId: ds.StreamDescription.Shards[0].ShardId, ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatalf("GetShardIterator: %v", err)
	}
	recs, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil || len(recs.Records) != 31 || recs.Records[30].EventName != stypes.OperationTypeModify {
		t.Fatalf("GetRecords: %v, %d records", err, len(recs.Records))
	}
	// Deleting the table; the waiter sees it go.
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("orders")}); err != nil {
		t.Fatal(err)
	}
	gone := dynamodb.NewTableNotExistsWaiter(c, func(o *dynamodb.TableNotExistsWaiterOptions) { o.MinDelay = 10 * time.Millisecond })
	if err := gone.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("orders")}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
}
