package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/nubo-dev/nubo/internal/testnet"
)

// keySink counts the items whose records reach a function.
type keySink struct {
	mu   sync.Mutex
	seen map[string]int
}

func (k *keySink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var ev streamEvent
	json.Unmarshal(body, &ev)
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, rec := range ev.Records {
		k.seen[fmt.Sprint(rec.Dynamodb.Keys["pk"]["S"])]++
	}
}

func (k *keySink) count() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.seen)
}

// TestDynamoDBStreamSurvivesKill9 writes items through the API into a
// table whose stream then drives a function, kills nubo with SIGKILL while
// the mapping works through them, restarts it and checks that every
// acknowledged write is in the table and that every record reached the
// function: the mapping resumed from its checkpoint, skipping nothing.
func TestDynamoDBStreamSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test: skipped with -short")
	}
	t.Parallel()
	const items = 600
	dir := t.TempDir()
	bin := nuboBinary(t)
	sink := &keySink{seen: map[string]int{}}
	srv := httptest.NewServer(sink)
	defer srv.Close()
	addr := testnet.Addr(t)
	p := startProcess(t, bin, filepath.Join(dir, "data"), addr)
	n := &nubo{addr: addr, region: region, client: lambdaClient(addr, region)}
	c := n.dynamodbClient()
	ctx := context.Background()
	streamARN := createStreamTable(t, c, "crash")
	in := createInput(t, "crashfn")
	in.Code.ZipFile = ddbFunctionZip(t)
	in.Environment = &ltypes.Environment{Variables: map[string]string{"SINK": srv.URL}}
	if _, err := n.client.CreateFunction(ctx, in); err != nil {
		t.Fatal(err)
	}
	n.waitActive(t, "crashfn")
	for i := 0; i < items; i += 25 {
		var reqs []types.WriteRequest
		for j := i; j < i+25; j++ {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: fmt.Sprint("item-", j)}}}})
		}
		if _, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"crash": reqs}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := n.client.CreateEventSourceMapping(ctx, &lambda.CreateEventSourceMappingInput{FunctionName: aws.String("crashfn"),
		EventSourceArn: aws.String(streamARN), StartingPosition: ltypes.EventSourcePositionTrimHorizon, BatchSize: aws.Int32(5)}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); sink.count() < items/4; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d records reached the function", sink.count())
		}
	}
	p.kill()
	t.Logf("killed nubo with -9 after %d of %d records reached the function", sink.count(), items)
	startProcess(t, bin, filepath.Join(dir, "data"), addr)
	out, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("crash"), Select: "COUNT"})
	if err != nil || out.Count != items {
		t.Fatalf("after kill -9 the table holds %d of %d acknowledged items (%v)", out.Count, items, err)
	}
	for deadline := time.Now().Add(2 * time.Minute); sink.count() < items; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after the restart only %d of %d records reached the function", sink.count(), items)
		}
	}
	total := 0
	sink.mu.Lock()
	for _, k := range sink.seen {
		total += k
	}
	sink.mu.Unlock()
	t.Logf("every record reached the function; %d duplicates", total-items)
}
