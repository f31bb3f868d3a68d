package dynamodb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
	"github.com/nubo-dev/nubo/internal/store/pebblestore"
)

var scope = Scope{Account: "000000000000", Region: "us-east-1"}

// clock is a settable clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func open(t testing.TB, dir string, c *clock) *Service {
	t.Helper()
	db, err := pebblestore.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := New(context.Background(), db, Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newService(t testing.TB) (*Service, *clock) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	return open(t, t.TempDir(), c), c
}

func js[T any](t testing.TB, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return v
}

// must returns v, failing the test (by a panic) on an error.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func wantErr(t testing.TB, err error, code *awserr.Code, msg string) {
	t.Helper()
	var e *awserr.Error
	if !errors.As(err, &e) || e.Code != code || (msg != "" && e.Message != msg) {
		t.Fatalf("error = %v, want %s: %s", err, code.Name, msg)
	}
}

// tableCreator is a Service, or a cluster node's routed CreateTable.
type tableCreator interface {
	CreateTable(ctx context.Context, scope Scope, in *CreateTableInput) (*TableOutput, error)
}

func createTable(t testing.TB, s tableCreator, name string) {
	t.Helper()
	must(s.CreateTable(context.Background(), scope, js[*CreateTableInput](t, `{
		"TableName": "`+name+`", "BillingMode": "PAY_PER_REQUEST",
		"AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}, {"AttributeName": "g", "AttributeType": "S"}],
		"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
		"GlobalSecondaryIndexes": [{"IndexName": "byG", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}],
		"StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}}`)))
}

func put(t testing.TB, s *Service, item string) {
	t.Helper()
	must(s.PutItem(context.Background(), scope, &PutItemInput{TableName: "tab1", Item: js[Item](t, item)}))
}

func TestTables(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	createTable(t, s, "tab1")
	_, err := s.CreateTable(ctx, scope, &CreateTableInput{TableName: "tab1", BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: []AttributeDefinition{{"pk", "S"}}, KeySchema: []KeySchemaElement{{"pk", "HASH"}}})
	wantErr(t, err, ErrResourceInUse, "Table already exists: tab1")
	_, err = s.DescribeTable(ctx, scope, &DescribeTableInput{TableName: "nope"})
	wantErr(t, err, ErrResourceNotFound, "Requested resource not found: Table: nope not found")
	_, err = s.CreateTable(ctx, scope, &CreateTableInput{TableName: "tab2", BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: []AttributeDefinition{{"pk", "S"}, {"x", "S"}}, KeySchema: []KeySchemaElement{{"pk", "HASH"}}})
	wantErr(t, err, ErrValidation, "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions")
	put(t, s, `{"pk": {"S": "a"}, "sk": {"N": "1"}, "g": {"S": "x"}}`)
	d := must(s.DescribeTable(ctx, scope, &DescribeTableInput{TableName: "tab1"})).Table
	if d.TableStatus != "ACTIVE" || d.ItemCount != 1 || d.TableSizeBytes == 0 || d.GlobalSecondaryIndexes[0].ItemCount != 1 || d.LatestStreamArn == "" {
		t.Errorf("description: %+v", d)
	}
	l := must(s.ListTables(ctx, scope, &ListTablesInput{}))
	if len(l.TableNames) != 1 || l.TableNames[0] != "tab1" {
		t.Errorf("ListTables = %v", l.TableNames)
	}
	must(s.DeleteTable(ctx, scope, &DeleteTableInput{TableName: "tab1"}))
	_, err = s.GetItem(ctx, scope, &GetItemInput{TableName: "tab1", Key: js[Item](t, `{"pk": {"S": "a"}, "sk": {"N": "1"}}`)})
	wantErr(t, err, ErrResourceNotFound, "Requested resource not found")
}

func TestItems(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	createTable(t, s, "tab1")
	key := js[Item](t, `{"pk": {"S": "a"}, "sk": {"N": "1"}}`)
	put(t, s, `{"pk": {"S": "a"}, "sk": {"N": "1"}, "n": {"N": "5"}, "l": {"L": [{"S": "x"}]}}`)
	_, err := s.PutItem(ctx, scope, &PutItemInput{TableName: "tab1", Item: js[Item](t, `{"pk": {"S": "a"}, "sk": {"N": "1"}}`), ConditionExpression: "attribute_not_exists(pk)", ReturnValuesOnConditionCheckFailure: "ALL_OLD"})
	var e *awserr.Error
	if !errors.As(err, &e) || e.Code != ErrConditionalCheckFailed || e.Fields["Item"] == nil {
		t.Fatalf("conditional put: %v", err)
	}
	_, err = s.PutItem(ctx, scope, &PutItemInput{TableName: "tab1", Item: js[Item](t, `{"pk": {"S": "a"}}`)})
	wantErr(t, err, ErrValidation, "One or more parameter values were invalid: Missing the key sk in the item")
	_, err = s.PutItem(ctx, scope, &PutItemInput{TableName: "tab1", Item: js[Item](t, `{"pk": {"S": ""}, "sk": {"N": "1"}}`)})
	wantErr(t, err, ErrValidation, "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk")
	_, err = s.PutItem(ctx, scope, &PutItemInput{TableName: "tab1", Item: js[Item](t, `{"pk": {"N": "1"}, "sk": {"N": "1"}}`)})
	wantErr(t, err, ErrValidation, "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N")
	_, err = s.GetItem(ctx, scope, &GetItemInput{TableName: "tab1", Key: js[Item](t, `{"pk": {"S": "a"}}`)})
	wantErr(t, err, ErrValidation, "The provided key element does not match the schema")

	out := must(s.UpdateItem(ctx, scope, &UpdateItemInput{TableName: "tab1", Key: key,
		UpdateExpression: "SET n = n + :one, l = list_append(l, :l) REMOVE gone", ConditionExpression: "n = :five",
		ExpressionAttributeValues: js[map[string]AttributeValue](t, `{":one": {"N": "1"}, ":five": {"N": "5"}, ":l": {"L": [{"N": "2"}]}}`),
		ReturnValues:              "UPDATED_NEW"}))
	if got := string(attr.MarshalItemJSON(out.Attributes)); got != `{"l":{"L":[{"S":"x"},{"N":"2"}]},"n":{"N":"6"}}` {
		t.Errorf("UPDATED_NEW = %s", got)
	}
	_, err = s.UpdateItem(ctx, scope, &UpdateItemInput{TableName: "tab1", Key: key, UpdateExpression: "SET pk = :v", ExpressionAttributeValues: js[map[string]AttributeValue](t, `{":v": {"S": "b"}}`)})
	wantErr(t, err, ErrValidation, "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key")
	_, err = s.UpdateItem(ctx, scope, &UpdateItemInput{TableName: "tab1", Key: key, UpdateExpression: "SET n = :v", ExpressionAttributeValues: js[map[string]AttributeValue](t, `{":v": {"S": "b"}, ":w": {"S": "c"}}`)})
	wantErr(t, err, ErrValidation, "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}")
	got := must(s.GetItem(ctx, scope, &GetItemInput{TableName: "tab1", Key: key, ProjectionExpression: "#n, l[1]", ExpressionAttributeNames: map[string]string{"#n": "n"}}))
	if g := string(attr.MarshalItemJSON(got.Item)); g != `{"l":{"L":[{"N":"2"}]},"n":{"N":"6"}}` {
		t.Errorf("projection = %s", g)
	}
	// Legacy parameters.
	must(s.UpdateItem(ctx, scope, &UpdateItemInput{TableName: "tab1", Key: key,
		AttributeUpdates: map[string]AttributeValueUpdate{"n": {Action: "ADD", Value: ptr(attr.Num("10"))}},
		Expected:         map[string]ExpectedAttributeValue{"n": {Value: ptr(attr.Num("6"))}}}))
	got = must(s.GetItem(ctx, scope, &GetItemInput{TableName: "tab1", Key: key, AttributesToGet: []string{"n"}}))
	if g := string(attr.MarshalItemJSON(got.Item)); g != `{"n":{"N":"16"}}` {
		t.Errorf("legacy update = %s", g)
	}
	del := must(s.DeleteItem(ctx, scope, &DeleteItemInput{TableName: "tab1", Key: key, ReturnValues: "ALL_OLD"}))
	if del.Attributes["n"].S != "16" {
		t.Errorf("ALL_OLD = %v", del.Attributes)
	}
	if g := must(s.GetItem(ctx, scope, &GetItemInput{TableName: "tab1", Key: key})); g.Item != nil {
		t.Errorf("deleted item still there: %v", g.Item)
	}
}

func ptr[T any](v T) *T { return &v }

func TestQueryAndScan(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	createTable(t, s, "tab1")
	nums := []string{"-10", "-1.5", "0", "0.25", "1", "2", "10", "1e3"}
	for i, n := range nums {
		put(t, s, fmt.Sprintf(`{"pk": {"S": "p"}, "sk": {"N": "%s"}, "g": {"S": "g%d"}, "i": {"N": "%d"}}`, n, i%2, i))
	}
	put(t, s, `{"pk": {"S": "other"}, "sk": {"N": "5"}}`)
	q := func(cond, values string, fwd bool, limit int, esk Item) *QueryOutput {
		in := &QueryInput{TableName: "tab1", KeyConditionExpression: cond, ExpressionAttributeValues: js[map[string]AttributeValue](t, values), ScanIndexForward: &fwd, ExclusiveStartKey: esk}
		if limit > 0 {
			in.Limit = &limit
		}
		return must(s.Query(ctx, scope, in))
	}
	sks := func(o *QueryOutput) (out []string) {
		for _, it := range o.Items() {
			out = append(out, it["sk"].S)
		}
		return out
	}
	tests := []struct {
		cond, values string
		want         string
	}{
		{"pk = :p", `{":p": {"S": "p"}}`, "[-10 -1.5 0 0.25 1 2 10 1000]"},
		{"pk = :p AND sk < :v", `{":p": {"S": "p"}, ":v": {"N": "0.25"}}`, "[-10 -1.5 0]"},
		{"pk = :p AND sk <= :v", `{":p": {"S": "p"}, ":v": {"N": "0.25"}}`, "[-10 -1.5 0 0.25]"},
		{"pk = :p AND sk > :v", `{":p": {"S": "p"}, ":v": {"N": "2"}}`, "[10 1000]"},
		{"pk = :p AND sk >= :v", `{":p": {"S": "p"}, ":v": {"N": "2"}}`, "[2 10 1000]"},
		{"pk = :p AND sk = :v", `{":p": {"S": "p"}, ":v": {"N": "1.0"}}`, "[1]"},
		{"pk = :p AND sk BETWEEN :a AND :b", `{":p": {"S": "p"}, ":a": {"N": "-1.5"}, ":b": {"N": "1"}}`, "[-1.5 0 0.25 1]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(sks(q(tt.cond, tt.values, true, 0, nil))); got != tt.want {
			t.Errorf("%s = %s, want %s", tt.cond, got, tt.want)
		}
	}
	// Reverse, paged by 3.
	var all []string
	var esk Item
	for page := 0; ; page++ {
		o := q("pk = :p", `{":p": {"S": "p"}}`, false, 3, esk)
		all = append(all, sks(o)...)
		if esk = o.LastEvaluatedKey; esk == nil || page > 5 {
			break
		}
	}
	if fmt.Sprint(all) != "[1000 10 2 1 0.25 0 -1.5 -10]" {
		t.Errorf("reverse pages = %v", all)
	}
	// Filter, count and the index.
	o := must(s.Query(ctx, scope, &QueryInput{TableName: "tab1", KeyConditionExpression: "pk = :p", FilterExpression: "i >= :three", Select: "COUNT",
		ExpressionAttributeValues: js[map[string]AttributeValue](t, `{":p": {"S": "p"}, ":three": {"N": "3"}}`)}))
	if o.Count != 5 || o.ScannedCount != 8 || o.Items() != nil {
		t.Errorf("filtered count = %d/%d", o.Count, o.ScannedCount)
	}
	o = must(s.Query(ctx, scope, &QueryInput{TableName: "tab1", IndexName: "byG", KeyConditionExpression: "g = :g", ExpressionAttributeValues: js[map[string]AttributeValue](t, `{":g": {"S": "g1"}}`)}))
	if fmt.Sprint(sks(o)) != "[-1.5 0.25 2 1000]" || o.Items()[0]["i"].T != attr.Invalid {
		t.Errorf("index query = %v %v", sks(o), o.Items())
	}
	_, err := s.Query(ctx, scope, &QueryInput{TableName: "tab1", KeyConditionExpression: "sk = :v", ExpressionAttributeValues: js[map[string]AttributeValue](t, `{":v": {"N": "1"}}`)})
	wantErr(t, err, ErrValidation, "Query condition missed key schema element: pk")
	// Parallel scan: the segments together hold every item once.
	seen := map[string]bool{}
	for seg := 0; seg < 4; seg++ {
		o := must(s.Scan(ctx, scope, &ScanInput{TableName: "tab1", Segment: ptr(seg), TotalSegments: ptr(4)}))
		for _, it := range o.Items() {
			k := it["pk"].S + "/" + it["sk"].S
			if seen[k] {
				t.Errorf("%s in two segments", k)
			}
			seen[k] = true
		}
	}
	if len(seen) != 9 {
		t.Errorf("segments hold %d items, want 9", len(seen))
	}
}

func TestTransactions(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	createTable(t, s, "tab1")
	put(t, s, `{"pk": {"S": "acct"}, "sk": {"N": "1"}, "bal": {"N": "10"}}`)
	tx := func(amount string, token string) error {
		_, err := s.TransactWriteItems(ctx, scope, js[*TransactWriteItemsInput](t, `{"ClientRequestToken": "`+token+`", "TransactItems": [
			{"Update": {"TableName": "tab1", "Key": {"pk": {"S": "acct"}, "sk": {"N": "1"}}, "UpdateExpression": "SET bal = bal - :a", "ConditionExpression": "bal >= :a", "ExpressionAttributeValues": {":a": {"N": "`+amount+`"}}}},
			{"Put": {"TableName": "tab1", "Item": {"pk": {"S": "log"}, "sk": {"N": "`+amount+`"}}}},
			{"ConditionCheck": {"TableName": "tab1", "Key": {"pk": {"S": "cfg"}, "sk": {"N": "1"}}, "ConditionExpression": "attribute_not_exists(frozen)"}}]}`))
		return err
	}
	if err := tx("4", "tok1"); err != nil {
		t.Fatal(err)
	}
	if err := tx("4", "tok1"); err != nil { // idempotent: not applied twice
		t.Fatal(err)
	}
	err := tx("7", "tok2")
	var e *awserr.Error
	if !errors.As(err, &e) || e.Code != ErrTransactionCanceled || e.Message != "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None, None]" {
		t.Fatalf("cancelled: %v", err)
	}
	if r := e.Fields["CancellationReasons"].([]CancellationReason); len(r) != 3 || r[0].Code != "ConditionalCheckFailed" {
		t.Errorf("reasons = %+v", r)
	}
	_, err = s.TransactWriteItems(ctx, scope, js[*TransactWriteItemsInput](t, `{"ClientRequestToken": "tok1", "TransactItems": [{"Delete": {"TableName": "tab1", "Key": {"pk": {"S": "acct"}, "sk": {"N": "1"}}}}]}`))
	wantErr(t, err, ErrIdempotentParameterMismatch, "")
	got := must(s.TransactGetItems(ctx, scope, js[*TransactGetItemsInput](t, `{"TransactItems": [
		{"Get": {"TableName": "tab1", "Key": {"pk": {"S": "acct"}, "sk": {"N": "1"}}}},
		{"Get": {"TableName": "tab1", "Key": {"pk": {"S": "log"}, "sk": {"N": "7"}}}},
		{"Get": {"TableName": "tab1", "Key": {"pk": {"S": "log"}, "sk": {"N": "4"}}}}]}`)))
	if got.Responses[0].Item["bal"].S != "6" || got.Responses[1].Item != nil || got.Responses[2].Item == nil {
		t.Errorf("after transactions: %+v", got.Responses)
	}
	_, err = s.TransactWriteItems(ctx, scope, js[*TransactWriteItemsInput](t, `{"TransactItems": [
		{"Delete": {"TableName": "tab1", "Key": {"pk": {"S": "acct"}, "sk": {"N": "1"}}}},
		{"ConditionCheck": {"TableName": "tab1", "Key": {"pk": {"S": "acct"}, "sk": {"N": "1"}}, "ConditionExpression": "attribute_exists(bal)"}}]}`))
	wantErr(t, err, ErrValidation, "Transaction request cannot include multiple operations on one item")
}

func TestStreamsAndTTL(t *testing.T) {
	s, c := newService(t)
	ctx := context.Background()
	createTable(t, s, "tab1")
	must(s.UpdateTimeToLive(ctx, scope, &UpdateTimeToLiveInput{TableName: "tab1", TimeToLiveSpecification: TimeToLiveSpecification{AttributeName: "exp", Enabled: true}}))
	exp := c.now().Add(time.Hour).Unix()
	put(t, s, fmt.Sprintf(`{"pk": {"S": "a"}, "sk": {"N": "1"}, "exp": {"N": "%d"}}`, exp))
	put(t, s, `{"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"S": "two"}, "exp": {"N": "`+fmt.Sprint(exp)+`"}}`)
	put(t, s, `{"pk": {"S": "b"}, "sk": {"N": "1"}}`)
	c.add(2 * time.Hour)
	if err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	streams := must(s.ListStreams(ctx, scope, &ListStreamsInput{TableName: "tab1"})).Streams
	if len(streams) != 1 {
		t.Fatalf("streams = %v", streams)
	}
	desc := must(s.DescribeStream(ctx, scope, &DescribeStreamInput{StreamArn: streams[0].StreamArn})).StreamDescription
	it := must(s.GetShardIterator(ctx, scope, &GetShardIteratorInput{StreamArn: desc.StreamArn, ShardId: desc.Shards[0].ShardId, ShardIteratorType: "TRIM_HORIZON"}))
	recs := must(s.GetRecords(ctx, scope, &GetRecordsInput{ShardIterator: it.ShardIterator}))
	var names []string
	for _, r := range recs.Records {
		names = append(names, r.EventName)
	}
	if fmt.Sprint(names) != "[INSERT MODIFY INSERT REMOVE]" {
		t.Fatalf("events = %v", names)
	}
	last := recs.Records[3]
	if last.UserIdentity == nil || last.UserIdentity.PrincipalId != "dynamodb.amazonaws.com" || last.Dynamodb.OldImage["v"].S != "two" {
		t.Errorf("TTL deletion record = %+v", last)
	}
	if recs.Records[1].Dynamodb.OldImage == nil || recs.Records[1].Dynamodb.SequenceNumber <= recs.Records[0].Dynamodb.SequenceNumber {
		t.Errorf("modify record = %+v", recs.Records[1].Dynamodb)
	}
	// AFTER_SEQUENCE_NUMBER and an empty read from the end.
	it = must(s.GetShardIterator(ctx, scope, &GetShardIteratorInput{StreamArn: desc.StreamArn, ShardId: desc.Shards[0].ShardId, ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: recs.Records[2].Dynamodb.SequenceNumber}))
	if r := must(s.GetRecords(ctx, scope, &GetRecordsInput{ShardIterator: it.ShardIterator})); len(r.Records) != 1 || r.Records[0].EventName != "REMOVE" {
		t.Errorf("after seq: %+v", r.Records)
	}
	c.add(20 * time.Minute)
	_, err := s.GetRecords(ctx, scope, &GetRecordsInput{ShardIterator: recs.NextShardIterator})
	wantErr(t, err, ErrExpiredIterator, "")
	// 24 hours later the records are trimmed.
	c.add(25 * time.Hour)
	if err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	it = must(s.GetShardIterator(ctx, scope, &GetShardIteratorInput{StreamArn: desc.StreamArn, ShardId: desc.Shards[0].ShardId, ShardIteratorType: "TRIM_HORIZON"}))
	if r := must(s.GetRecords(ctx, scope, &GetRecordsInput{ShardIterator: it.ShardIterator})); len(r.Records) != 0 {
		t.Errorf("records after retention: %d", len(r.Records))
	}
}

func TestRestartAndBackfill(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	ctx := context.Background()
	db, err := pebblestore.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := must(New(ctx, db, Options{Now: c.now}))
	createTable(t, s, "tab1")
	for i := range 10 {
		put(t, s, fmt.Sprintf(`{"pk": {"S": "p%d"}, "sk": {"N": "%d"}, "h": {"S": "h%d"}}`, i, i, i%3))
	}
	must(s.UpdateTable(ctx, scope, js[*UpdateTableInput](t, `{"TableName": "tab1", "AttributeDefinitions": [{"AttributeName": "h", "AttributeType": "S"}],
		"GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "byH", "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}}]}`)))
	// A transaction with a ClientRequestToken is remembered across a
	// restart: replayed, it is not applied again (its condition would fail).
	once := func() error {
		_, err := s.TransactWriteItems(ctx, scope, js[*TransactWriteItemsInput](t, `{"ClientRequestToken": "tok", "TransactItems": [
			{"Put": {"TableName": "tab1", "Item": {"pk": {"S": "once"}, "sk": {"N": "1"}}, "ConditionExpression": "attribute_not_exists(pk)"}}]}`))
		return err
	}
	if err := once(); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s = open(t, dir, c)
	if err := once(); err != nil {
		t.Errorf("replayed token after a restart: %v", err)
	}
	c.add(11 * time.Minute)
	if err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	wantErr(t, once(), ErrTransactionCanceled, "")
	o := must(s.Query(ctx, scope, &QueryInput{TableName: "tab1", IndexName: "byH", KeyConditionExpression: "h = :h", ExpressionAttributeValues: js[map[string]AttributeValue](t, `{":h": {"S": "h0"}}`)}))
	if o.Count != 4 {
		t.Errorf("backfilled index holds %d items of h0, want 4", o.Count)
	}
	d := must(s.DescribeTable(ctx, scope, &DescribeTableInput{TableName: "tab1"})).Table
	if d.ItemCount != 11 {
		t.Errorf("ItemCount after restart = %d", d.ItemCount)
	}
}
