package dynamodbapi

import (
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/services/dynamodb"
	"github.com/nubo-dev/nubo/internal/store/pebblestore"
	"github.com/nubo-dev/nubo/internal/wire"
)

func newAPI(t testing.TB) http.Handler {
	db, err := pebblestore.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc, err := dynamodb.New(context.Background(), db, dynamodb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rt := wire.NewRouter("us-east-1", log)
	rt.Handle(New(svc, "000000000000", nil, log))
	return rt
}

func call(h http.Handler, target, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	r.Header.Set("X-Amz-Target", target)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestWire checks the shapes DynamoDB's clients parse: __type with
// DynamoDB's namespace, x-amz-crc32 of every body, a Streams operation
// under its own prefix, a body that is not the operation's shape.
func TestWire(t *testing.T) {
	h := newAPI(t)
	tests := []struct {
		target, body string
		status       int
		want         string
	}{
		{"DynamoDB_20120810.CreateTable", `{"TableName": "tab1", "BillingMode": "PAY_PER_REQUEST", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"}}`, 200, `"TableStatus":"CREATING"`},
		{"DynamoDB_20120810.GetItem", `{"TableName": "nope", "Key": {"pk": {"S": "a"}}}`, 400, `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}`},
		{"DynamoDB_20120810.PutItem", `{"TableName": "tab1", "Item": {"pk": {"S": "a"}, "n": {"N": "1.50"}}}`, 200, `{}`},
		{"DynamoDB_20120810.GetItem", `{"TableName": "tab1", "Key": {"pk": {"S": "a"}}}`, 200, `{"Item":{"n":{"N":"1.5"},"pk":{"S":"a"}}}`},
		{"DynamoDB_20120810.PutItem", `{"TableName": "tab1", "Item": {"pk": {"S": "a"}}, "ConditionExpression": "attribute_not_exists(pk)", "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}`, 400, `"Item":{"n":{"N":"1.5"},"pk":{"S":"a"}}`},
		{"DynamoDB_20120810.PutItem", `{"TableName": 5}`, 400, `"__type":"com.amazon.coral.service#SerializationException"`},
		{"DynamoDBStreams_20120810.ListStreams", `{}`, 200, `"TableName":"tab1"`},
		{"DynamoDB_20120810.ExecuteStatement", `{"Statement": "SELECT * FROM \"tab1\" WHERE pk = ?", "Parameters": [{"S": "a"}]}`, 200, `"Items":[{"n":{"N":"1.5"},"pk":{"S":"a"}}]`},
	}
	for _, tt := range tests {
		w := call(h, tt.target, tt.body)
		if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.want) {
			t.Errorf("%s %s: %d %s, want %d with %s", tt.target, tt.body, w.Code, w.Body, tt.status, tt.want)
		}
		if got, want := w.Header().Get("X-Amz-Crc32"), strconv.FormatUint(uint64(crc32.ChecksumIEEE(w.Body.Bytes())), 10); got != want {
			t.Errorf("%s: x-amz-crc32 %s, want %s", tt.target, got, want)
		}
	}
}

// BenchmarkWireGetItem is the CPU of a GetItem through the wire layer,
// without the network.
func BenchmarkWireGetItem(b *testing.B) {
	h := newAPI(b)
	call(h, "DynamoDB_20120810.CreateTable", `{"TableName": "tab1", "BillingMode": "PAY_PER_REQUEST", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}`)
	call(h, "DynamoDB_20120810.PutItem", `{"TableName": "tab1", "Item": {"pk": {"S": "a"}, "sk": {"N": "0"}, "v": {"S": "`+strings.Repeat("x", 100)+`"}}}`)
	b.ResetTimer()
	defer reportCPU(b)()
	for range b.N {
		if w := call(h, "DynamoDB_20120810.GetItem", `{"TableName": "tab1", "Key": {"pk": {"S": "a"}}}`); w.Code != 200 {
			b.Fatal(w.Body)
		}
	}
}

// BenchmarkWireQuery100 is the CPU of a Query of 100 items through the
// wire layer.
func BenchmarkWireQuery100(b *testing.B) {
	h := newAPI(b)
	call(h, "DynamoDB_20120810.CreateTable", `{"TableName": "tab1", "BillingMode": "PAY_PER_REQUEST", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}], "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]}`)
	for i := range 100 {
		call(h, "DynamoDB_20120810.PutItem", fmt.Sprintf(`{"TableName": "tab1", "Item": {"pk": {"S": "q"}, "sk": {"N": "%d"}, "v": {"S": "%s"}}}`, i, strings.Repeat("x", 100)))
	}
	b.ResetTimer()
	defer reportCPU(b)()
	for range b.N {
		if w := call(h, "DynamoDB_20120810.Query", `{"TableName": "tab1", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "q"}}}`); w.Code != 200 {
			b.Fatal(w.Body)
		}
	}
}

// BenchmarkWirePutItem is a synced PutItem through the wire layer.
func BenchmarkWirePutItem(b *testing.B) {
	h := newAPI(b)
	call(h, "DynamoDB_20120810.CreateTable", `{"TableName": "tab1", "BillingMode": "PAY_PER_REQUEST", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}], "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]}`)
	b.ResetTimer()
	defer reportCPU(b)()
	for i := range b.N {
		if w := call(h, "DynamoDB_20120810.PutItem", fmt.Sprintf(`{"Item":{"pk":{"S":"p0-%d"},"sk":{"N":"0"},"v":{"S":"%s"}},"TableName":"tab1"}`, i, strings.Repeat("x", 100))); w.Code != 200 {
			b.Fatal(w.Body)
		}
	}
}

// BenchmarkWireTransact10 is a synced TransactWriteItems of 10 puts
// through the wire layer.
func BenchmarkWireTransact10(b *testing.B) {
	h := newAPI(b)
	call(h, "DynamoDB_20120810.CreateTable", `{"TableName": "tab1", "BillingMode": "PAY_PER_REQUEST", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}], "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]}`)
	b.ResetTimer()
	defer reportCPU(b)()
	for i := range b.N {
		var items []string
		for j := range 10 {
			items = append(items, fmt.Sprintf(`{"Put":{"Item":{"pk":{"S":"t0-%d"},"sk":{"N":"%d"},"v":{"S":"%s"}},"TableName":"tab1"}}`, i, j, strings.Repeat("x", 100)))
		}
		if w := call(h, "DynamoDB_20120810.TransactWriteItems", `{"TransactItems":[`+strings.Join(items, ",")+`]}`); w.Code != 200 {
			b.Fatal(w.Body)
		}
	}
}

// reportCPU reports the process's CPU time per operation, which unlike
// ns/op does not grow with the machine's load nor count fsync's wait.
func reportCPU(b *testing.B) func() {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() { b.ReportMetric(float64(cpu()-start)/float64(b.N), "cpu-ns/op") }
}
