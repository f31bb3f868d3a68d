package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

var ddbFn struct {
	once sync.Once
	zip  []byte
	err  error
}

// ddbFunctionZip is testdata/ddbfn, built once.
func ddbFunctionZip(t *testing.T) []byte {
	t.Helper()
	ddbFn.once.Do(func() {
		dir, err := os.MkdirTemp("", "nubo-ddbfn-")
		if err != nil {
			ddbFn.err = err
			return
		}
		defer os.RemoveAll(dir)
		cmd := exec.Command("go", "build", "-ldflags=-s -w", "-o", filepath.Join(dir, "bootstrap"), "./testdata/ddbfn")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			ddbFn.err = fmt.Errorf("build: %v\n%s", err, out)
			return
		}
		bin, err := os.ReadFile(filepath.Join(dir, "bootstrap"))
		if err != nil {
			ddbFn.err = err
			return
		}
		ddbFn.zip = storedZip(t, "bootstrap", bin)
	})
	if ddbFn.err != nil {
		t.Fatal(ddbFn.err)
	}
	return ddbFn.zip
}

func (n *nubo) createDDBFunction(t *testing.T, name string, s *sink) {
	t.Helper()
	in := createInput(t, name)
	in.Code.ZipFile = ddbFunctionZip(t)
	in.Environment = &ltypes.Environment{Variables: map[string]string{"SINK": s.URL}}
	n.create(t, in)
}

// streamEvent is an event as the function got it.
type streamEvent struct {
	Records []struct {
		EventID        string `json:"eventID"`
		EventName      string `json:"eventName"`
		EventVersion   string `json:"eventVersion"`
		EventSource    string `json:"eventSource"`
		AwsRegion      string `json:"awsRegion"`
		EventSourceARN string `json:"eventSourceARN"`
		Dynamodb       struct {
			ApproximateCreationDateTime float64                   `json:"ApproximateCreationDateTime"`
			Keys                        map[string]map[string]any `json:"Keys"`
			NewImage                    map[string]map[string]any `json:"NewImage"`
			OldImage                    map[string]map[string]any `json:"OldImage"`
			SequenceNumber              string                    `json:"SequenceNumber"`
			SizeBytes                   int                       `json:"SizeBytes"`
			StreamViewType              string                    `json:"StreamViewType"`
		} `json:"dynamodb"`
	} `json:"Records"`
	Window                 *struct{ Start, End string } `json:"window"`
	State                  map[string]int               `json:"state"`
	IsFinalInvokeForWindow bool                         `json:"isFinalInvokeForWindow"`
}

func (s *sink) next(t *testing.T, timeout time.Duration) streamEvent {
	t.Helper()
	select {
	case b := <-s.events:
		var ev streamEvent
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatalf("event %s: %v", b, err)
		}
		return ev
	case <-time.After(timeout):
		t.Fatal("no event")
	}
	return streamEvent{}
}

func putItem(t *testing.T, c *dynamodb.Client, table, pk, mode string) {
	t.Helper()
	_, err := c.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk}, "mode": &types.AttributeValueMemberS{Value: mode}}})
	if err != nil {
		t.Fatal(err)
	}
}

func createStreamTable(t *testing.T, c *dynamodb.Client, name string) string {
	t.Helper()
	out, err := c.CreateTable(context.Background(), &dynamodb.CreateTableInput{TableName: aws.String(name), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		StreamSpecification:  &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.TableDescription.LatestStreamArn)
}

// TestDynamoDBStreamMapping drives a function from a table's stream with
// the mapping options: filters, partial batch failures, bisection, retries,
// an SQS OnFailure destination, parallelization; events in AWS's shape;
// checkpoints that survive a restart.
func TestDynamoDBStreamMapping(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	n := startNubo(t, dir)
	c := n.dynamodbClient()
	s := newSink(t)
	n.createDDBFunction(t, "streamfn", s)
	q := n.sqs()
	failures := n.createQueue(t, q, "stream-failures", nil)
	streamARN := createStreamTable(t, c, "events")
	putItem(t, c, "events", "before", "ok") // TRIM_HORIZON reads it
	m, err := n.client.CreateEventSourceMapping(ctx, &lambda.CreateEventSourceMappingInput{
		FunctionName: aws.String("streamfn"), EventSourceArn: aws.String(streamARN), StartingPosition: ltypes.EventSourcePositionTrimHorizon,
		BatchSize: aws.Int32(10), MaximumBatchingWindowInSeconds: aws.Int32(0), ParallelizationFactor: aws.Int32(2),
		BisectBatchOnFunctionError: aws.Bool(true), MaximumRetryAttempts: aws.Int32(1),
		FunctionResponseTypes: []ltypes.FunctionResponseType{ltypes.FunctionResponseTypeReportBatchItemFailures},
		FilterCriteria:        &ltypes.FilterCriteria{Filters: []ltypes.Filter{{Pattern: aws.String(`{"eventName": ["INSERT", "MODIFY"]}`)}}},
		DestinationConfig:     &ltypes.DestinationConfig{OnFailure: &ltypes.OnFailure{Destination: aws.String(queueARN("stream-failures"))}},
	})
	if err != nil {
		t.Fatalf("CreateEventSourceMapping: %v", err)
	}
	if aws.ToInt32(m.ParallelizationFactor) != 2 || aws.ToInt32(m.MaximumRecordAgeInSeconds) != -1 || m.StartingPosition != ltypes.EventSourcePositionTrimHorizon {
		t.Errorf("mapping = %+v", m)
	}
	n.waitMapping(t, aws.ToString(m.UUID), "Enabled")
	ev := s.next(t, 30*time.Second)
	r := ev.Records[0]
	if len(ev.Records) != 1 || r.EventName != "INSERT" || r.EventVersion != "1.1" || r.EventSource != "aws:dynamodb" || r.AwsRegion != region ||
		r.EventSourceARN != streamARN || r.Dynamodb.Keys["pk"]["S"] != "before" || r.Dynamodb.NewImage["mode"]["S"] != "ok" ||
		r.Dynamodb.StreamViewType != "NEW_AND_OLD_IMAGES" || r.Dynamodb.SizeBytes == 0 || len(r.Dynamodb.SequenceNumber) != 21 || r.EventID == "" {
		t.Fatalf("first event = %+v", ev)
	}
	// A deletion is filtered out; "crash" fails its batch, which is cut in
	// halves until it is alone and then given up after one retry; "fail"
	// is retried from itself until it is given up too.
	for i := range 6 {
		putItem(t, c, "events", fmt.Sprint("k", i), "ok")
	}
	putItem(t, c, "events", "crash", "crash")
	putItem(t, c, "events", "flaky", "fail")
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("events"), Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k0"}}}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	var gaveUp []string
	deadline := time.Now().Add(30 * time.Second)
	allSeen := func() bool {
		for i := range 6 {
			if seen[fmt.Sprint("k", i)] == 0 {
				return false
			}
		}
		return true
	}
	for (len(gaveUp) < 2 || !allSeen()) && time.Now().Before(deadline) {
		select {
		case b := <-s.events:
			var ev streamEvent
			json.Unmarshal(b, &ev)
			for _, r := range ev.Records {
				if r.EventName == "REMOVE" {
					t.Errorf("a filtered-out record reached the function")
				}
				seen[r.Dynamodb.Keys["pk"]["S"].(string)]++
			}
		case <-time.After(100 * time.Millisecond):
		}
		out, _ := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(failures), MaxNumberOfMessages: 10})
		for _, msg := range out.Messages {
			var rec struct {
				RequestContext struct {
					Condition string `json:"condition"`
				} `json:"requestContext"`
				Info struct {
					BatchSize int    `json:"batchSize"`
					StreamArn string `json:"streamArn"`
				} `json:"DDBStreamBatchInfo"`
			}
			json.Unmarshal([]byte(aws.ToString(msg.Body)), &rec)
			if rec.RequestContext.Condition != "RetryAttemptsExhausted" || rec.Info.StreamArn != streamARN || rec.Info.BatchSize != 1 {
				t.Errorf("failure record %s", aws.ToString(msg.Body))
			}
			gaveUp = append(gaveUp, aws.ToString(msg.Body))
		}
	}
	if len(gaveUp) != 2 {
		t.Fatalf("%d batches given up, want 2; seen %v", len(gaveUp), seen)
	}
	for i := range 6 {
		if seen[fmt.Sprint("k", i)] == 0 {
			t.Errorf("k%d never reached the function: %v", i, seen)
		}
	}
	// After a restart, the mapping resumes from its checkpoints: only new
	// records come, and the last batch given up may come again (the stop
	// can fall between its failure record and its checkpoint: at least
	// once).
	n.stop()
	drain(s)
	n = startNubo(t, dir)
	c = n.dynamodbClient()
	putItem(t, c, "events", "after", "ok")
	for after := false; !after; {
		for _, r := range s.next(t, 30*time.Second).Records {
			switch key := r.Dynamodb.Keys["pk"]["S"]; key {
			case "after":
				after = true
			case "flaky", "crash":
			default:
				t.Fatalf("after the restart, an old record came again: %+v", r)
			}
		}
	}
}

func drain(s *sink) {
	for {
		select {
		case <-s.events:
		default:
			return
		}
	}
}

// TestDynamoDBStreamTumblingWindow checks that a tumbling window carries
// the function's state from batch to batch and ends with a final
// invocation.
func TestDynamoDBStreamTumblingWindow(t *testing.T) {
	ctx := context.Background()
	n := sharedNubo(t)
	c := n.dynamodbClient()
	s := newSink(t)
	n.createDDBFunction(t, "windowfn", s)
	streamARN := createStreamTable(t, c, "windowed")
	m, err := n.client.CreateEventSourceMapping(ctx, &lambda.CreateEventSourceMappingInput{
		FunctionName: aws.String("windowfn"), EventSourceArn: aws.String(streamARN), StartingPosition: ltypes.EventSourcePositionTrimHorizon,
		BatchSize: aws.Int32(2), TumblingWindowInSeconds: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	// From the (new, empty) stream's start: whenever the poller starts,
	// it reads the items put below.
	n.waitMapping(t, aws.ToString(m.UUID), "Enabled")
	for i := range 3 {
		putItem(t, c, "windowed", fmt.Sprint("w", i), "ok")
	}
	total := 0
	for {
		ev := s.next(t, 30*time.Second)
		if ev.Window == nil {
			t.Fatalf("event without a window: %+v", ev)
		}
		total += len(ev.Records)
		if ev.IsFinalInvokeForWindow {
			if ev.State["count"] != total || len(ev.Records) != 0 {
				t.Errorf("final invocation: state %v, %d records; %d records in the window", ev.State, len(ev.Records), total)
			}
			break
		}
	}
	if total == 0 {
		t.Error("no records in the window")
	}
}
