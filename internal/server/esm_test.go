package server_test

import (
	"context"
	"crypto/md5"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

var sqsFn struct {
	once sync.Once
	zip  []byte
	err  error
}

// sqsFunctionZip is testdata/sqsfn, built once.
func sqsFunctionZip(t *testing.T) []byte {
	t.Helper()
	sqsFn.once.Do(func() {
		dir, err := os.MkdirTemp("", "nubo-sqsfn-")
		if err != nil {
			sqsFn.err = err
			return
		}
		defer os.RemoveAll(dir)
		cmd := exec.Command("go", "build", "-ldflags=-s -w", "-o", filepath.Join(dir, "bootstrap"), "./testdata/sqsfn")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			sqsFn.err = fmt.Errorf("build: %v\n%s", err, out)
			return
		}
		bin, err := os.ReadFile(filepath.Join(dir, "bootstrap"))
		if err != nil {
			sqsFn.err = err
			return
		}
		sqsFn.zip = storedZip(t, "bootstrap", bin)
	})
	if sqsFn.err != nil {
		t.Fatal(sqsFn.err)
	}
	return sqsFn.zip
}

// sink collects the events a test function posts.
type sink struct {
	*httptest.Server
	events chan []byte
}

func newSink(t *testing.T) *sink {
	s := &sink{events: make(chan []byte, 1000)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.events <- b
	}))
	t.Cleanup(s.Close)
	return s
}

// createSQSFunction creates a function running testdata/sqsfn that posts
// its events to s.
func (n *nubo) createSQSFunction(t *testing.T, name string, s *sink) {
	t.Helper()
	in := createInput(t, name)
	in.Code.ZipFile = sqsFunctionZip(t)
	in.Environment = &ltypes.Environment{Variables: map[string]string{"SINK": s.URL}}
	n.create(t, in)
	n.waitActive(t, name)
}

type sqsEvent struct {
	Records []map[string]any `json:"Records"`
}

// bodies waits for events until want bodies were seen (or the timeout),
// returning every record by body.
func (s *sink) bodies(t *testing.T, want int, timeout time.Duration) map[string][]map[string]any {
	t.Helper()
	got := map[string][]map[string]any{}
	count := 0
	deadline := time.After(timeout)
	for count < want {
		select {
		case b := <-s.events:
			var ev sqsEvent
			if err := json.Unmarshal(b, &ev); err != nil {
				t.Fatalf("event %s: %v", b, err)
			}
			for _, r := range ev.Records {
				body, _ := r["body"].(string)
				got[body] = append(got[body], r)
				count++
			}
		case <-deadline:
			t.Fatalf("saw %d of %d records: %v", count, want, got)
		}
	}
	return got
}

func (n *nubo) waitMapping(t *testing.T, id, state string) *lambda.GetEventSourceMappingOutput {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := n.client.GetEventSourceMapping(context.Background(), &lambda.GetEventSourceMappingInput{UUID: &id})
		if err == nil && aws.ToString(out.State) == state {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("mapping %s: want state %s, got %+v %v", id, state, out, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSQSEventSourceMapping(t *testing.T) {
	ctx := context.Background()
	n := startNubo(t, "")
	q := n.sqs()
	s := newSink(t)
	n.createSQSFunction(t, "consumer", s)
	dlq := n.createQueue(t, q, "in-dlq", nil)
	url := n.createQueue(t, q, "in", map[string]string{"VisibilityTimeout": "1",
		"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":"%s","maxReceiveCount":2}`, queueARN("in-dlq"))})

	created, err := n.client.CreateEventSourceMapping(ctx, &lambda.CreateEventSourceMappingInput{
		FunctionName: aws.String("consumer"), EventSourceArn: aws.String(queueARN("in")), BatchSize: aws.Int32(10),
		FunctionResponseTypes: []ltypes.FunctionResponseType{"ReportBatchItemFailures"},
		ScalingConfig:         &ltypes.ScalingConfig{MaximumConcurrency: aws.Int32(2)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(created.State) != "Creating" || aws.ToString(created.FunctionArn) != fnARN("consumer") ||
		!strings.HasSuffix(aws.ToString(created.EventSourceMappingArn), ":event-source-mapping:"+aws.ToString(created.UUID)) {
		t.Fatalf("created: %+v", created)
	}
	id := aws.ToString(created.UUID)
	n.waitMapping(t, id, "Enabled")

	_, err = n.client.CreateEventSourceMapping(ctx, &lambda.CreateEventSourceMappingInput{FunctionName: aws.String("consumer"), EventSourceArn: aws.String(queueARN("in"))})
	checkError(t, err, conflict(fmt.Sprintf(`An event source mapping with SQS arn (" %s ") and function (" consumer ") already exists. Please update or delete the existing mapping with UUID %s`, queueARN("in"), id)))
	_, err = n.client.CreateEventSourceMapping(ctx, &lambda.CreateEventSourceMappingInput{FunctionName: aws.String("consumer"), EventSourceArn: aws.String(queueARN("nope"))})
	checkError(t, err, invalidParam("Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist or you do not have access to it."))
	_, err = n.client.CreateEventSourceMapping(ctx, &lambda.CreateEventSourceMappingInput{FunctionName: aws.String("ghost"), EventSourceArn: aws.String(queueARN("in-dlq"))})
	checkError(t, err, notFound("Function not found: "+fnARN("ghost")))
	_, err = n.client.CreateEventSourceMapping(ctx, &lambda.CreateEventSourceMappingInput{FunctionName: aws.String("consumer"), EventSourceArn: aws.String(queueARN("in-dlq")), BatchSize: aws.Int32(100)})
	checkError(t, err, invalidParam("Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"))
	_, err = n.client.CreateEventSourceMapping(ctx, &lambda.CreateEventSourceMappingInput{FunctionName: aws.String("consumer"), EventSourceArn: aws.String(queueARN("in-dlq")),
		ScalingConfig: &ltypes.ScalingConfig{MaximumConcurrency: aws.Int32(1)}})
	checkError(t, err, validation("1 validation error detected: Value '1' at 'scalingConfig.maximumConcurrency' failed to satisfy constraint: Member must have value greater than or equal to 2"))

	// Five good messages and one that fails: the good ones are deleted, the
	// bad one comes back after the visibility timeout and, after its
	// second receive, goes to the dead-letter queue.
	for _, b := range []string{"ok1", "ok2", "ok3", "ok4", "ok5", "fail-1"} {
		if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(b),
			MessageAttributes: map[string]types.MessageAttributeValue{"k": {DataType: aws.String("String"), StringValue: aws.String("v")}}}); err != nil {
			t.Fatal(err)
		}
	}
	seen := s.bodies(t, 7, 60*time.Second)
	if len(seen["fail-1"]) != 2 {
		t.Errorf("fail-1 was invoked %d times, want 2", len(seen["fail-1"]))
	}
	r := seen["ok1"][0]
	attrs, _ := r["attributes"].(map[string]any)
	mattrs, _ := r["messageAttributes"].(map[string]any)
	k, _ := mattrs["k"].(map[string]any)
	if r["eventSource"] != "aws:sqs" || r["eventSourceARN"] != queueARN("in") || r["awsRegion"] != region || r["md5OfBody"] != fmt.Sprintf("%x", md5.Sum([]byte("ok1"))) ||
		attrs["ApproximateReceiveCount"] != "1" || attrs["SentTimestamp"] == nil || k["stringValue"] != "v" || k["dataType"] != "String" ||
		r["receiptHandle"] == "" || r["messageId"] == "" || r["md5OfMessageAttributes"] == nil {
		t.Errorf("record: %v", r)
	}
	dead, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &dlq, WaitTimeSeconds: 10})
	if err != nil || len(dead.Messages) != 1 || aws.ToString(dead.Messages[0].Body) != "fail-1" {
		t.Fatalf("dead-letter queue: %+v %v", dead, err)
	}
	waitEmpty(t, q, url, "source queue")

	// Filters: only matching messages reach the function; the others are
	// deleted.
	updated, err := n.client.UpdateEventSourceMapping(ctx, &lambda.UpdateEventSourceMappingInput{UUID: &id,
		FilterCriteria: &ltypes.FilterCriteria{Filters: []ltypes.Filter{{Pattern: aws.String(`{"body":{"kind":["keep"]}}`)}}}})
	if err != nil || aws.ToString(updated.State) != "Updating" {
		t.Fatalf("update: %+v %v", updated, err)
	}
	n.waitMapping(t, id, "Enabled")
	q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(`{"kind":"drop"}`)})
	q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(`{"kind":"keep"}`)})
	if got := s.bodies(t, 1, 60*time.Second); len(got[`{"kind":"keep"}`]) != 1 {
		t.Fatalf("filtered: %v", got)
	}
	waitEmpty(t, q, url, "with the filtered-out message, the source queue")
	_, err = n.client.UpdateEventSourceMapping(ctx, &lambda.UpdateEventSourceMappingInput{UUID: &id,
		FilterCriteria: &ltypes.FilterCriteria{Filters: []ltypes.Filter{{Pattern: aws.String(`{"body":"x"}`)}}}})
	checkError(t, err, invalidParam("Invalid filter pattern definition."))

	// Disabled across a restart: nothing is consumed; enabled again, the
	// waiting message is.
	if _, err := n.client.UpdateEventSourceMapping(ctx, &lambda.UpdateEventSourceMappingInput{UUID: &id, Enabled: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	n.waitMapping(t, id, "Disabled")
	n.stop()
	n = startNubo(t, n.dir)
	q = n.sqs()
	url = "http://" + n.addr + "/" + account + "/in"
	n.waitMapping(t, id, "Disabled")
	q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(`{"kind":"keep","n":2}`)})
	select {
	case b := <-s.events:
		t.Fatalf("a disabled mapping invoked with %s", b)
	case <-time.After(500 * time.Millisecond):
	}
	if _, err := n.client.UpdateEventSourceMapping(ctx, &lambda.UpdateEventSourceMappingInput{UUID: &id, Enabled: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if got := s.bodies(t, 1, 60*time.Second); len(got[`{"kind":"keep","n":2}`]) != 1 {
		t.Fatalf("after enabling: %v", got)
	}

	list, err := n.client.ListEventSourceMappings(ctx, &lambda.ListEventSourceMappingsInput{FunctionName: aws.String("consumer")})
	if err != nil || len(list.EventSourceMappings) != 1 || aws.ToString(list.EventSourceMappings[0].UUID) != id {
		t.Fatalf("list: %+v %v", list, err)
	}
	if list, _ := n.client.ListEventSourceMappings(ctx, &lambda.ListEventSourceMappingsInput{EventSourceArn: aws.String(queueARN("in-dlq"))}); len(list.EventSourceMappings) != 0 {
		t.Fatalf("list by another queue: %+v", list.EventSourceMappings)
	}
	deleted, err := n.client.DeleteEventSourceMapping(ctx, &lambda.DeleteEventSourceMappingInput{UUID: &id})
	if err != nil || aws.ToString(deleted.State) != "Deleting" {
		t.Fatalf("delete: %+v %v", deleted, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := n.client.GetEventSourceMapping(ctx, &lambda.GetEventSourceMappingInput{UUID: &id})
		if err != nil {
			isErr[*ltypes.ResourceNotFoundException](t, err)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("mapping not deleted")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitEmpty waits until the queue holds no message, visible or in flight:
// the function's sink hears of a batch before the function returns and its
// messages are deleted.
func waitEmpty(t *testing.T, q *sqs.Client, url, what string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		a, err := q.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: &url,
			AttributeNames: []types.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}})
		if err == nil && a.Attributes["ApproximateNumberOfMessages"] == "0" && a.Attributes["ApproximateNumberOfMessagesNotVisible"] == "0" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not empty after 30 s: %v %v", what, a, err)
		}
	}
}
