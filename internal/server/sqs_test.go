package server_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// sqsClient is an SDK client (AWS JSON 1.0 protocol) pointed at n.
func (n *nubo) sqs() *sqs.Client {
	return sqs.NewFromConfig(aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String("http://" + n.addr),
	})
}

func (n *nubo) createQueue(t *testing.T, c *sqs.Client, name string, attrs map[string]string) string {
	t.Helper()
	out, err := c.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatalf("CreateQueue %s: %v", name, err)
	}
	if want := "http://" + n.addr + "/" + account + "/" + name; aws.ToString(out.QueueUrl) != want {
		t.Fatalf("QueueUrl: got %s, want %s", aws.ToString(out.QueueUrl), want)
	}
	return aws.ToString(out.QueueUrl)
}

func queueARN(name string) string { return "arn:aws:sqs:" + region + ":" + account + ":" + name }

func TestSQSQueues(t *testing.T) {
	ctx := context.Background()
	n := startNubo(t, "")
	c := n.sqs()
	url := n.createQueue(t, c, "orders", map[string]string{"VisibilityTimeout": "45", "DelaySeconds": "0"})
	// The same name and attributes again is no error; other values are.
	n.createQueue(t, c, "orders", map[string]string{"VisibilityTimeout": "45"})
	_, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("orders"), Attributes: map[string]string{"VisibilityTimeout": "46"}})
	isErr[*types.QueueNameExists](t, err)
	for i := 0; i < 5; i++ {
		n.createQueue(t, c, fmt.Sprintf("page-%d", i), nil)
	}

	got, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("orders")})
	if err != nil || aws.ToString(got.QueueUrl) != url {
		t.Fatalf("GetQueueUrl: %v %v", got, err)
	}
	_, err = c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("missing")})
	checkError(t, err, apiError{code: "AWS.SimpleQueueService.NonExistentQueue", status: 400, message: "The specified queue does not exist."})
	isErr[*types.QueueDoesNotExist](t, err)

	var pages [][]string
	p := sqs.NewListQueuesPaginator(c, &sqs.ListQueuesInput{QueueNamePrefix: aws.String("page-"), MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, out.QueueUrls)
	}
	if len(pages) != 3 || len(pages[2]) != 1 || !strings.HasSuffix(pages[0][0], "/page-0") {
		t.Fatalf("pages: %v", pages)
	}

	attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"VisibilityTimeout": "45", "QueueArn": queueARN("orders"), "MaximumMessageSize": "1048576",
		"MessageRetentionPeriod": "345600", "ApproximateNumberOfMessages": "0", "ReceiveMessageWaitTimeSeconds": "0"} {
		if attrs.Attributes[k] != want {
			t.Errorf("attribute %s: got %q, want %q", k, attrs.Attributes[k], want)
		}
	}
	_, err = c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"VisibilityTimeout": "50000"}})
	checkError(t, err, apiError{code: "InvalidAttributeValue", status: 400, message: "Invalid value for the parameter VisibilityTimeout."})
	_, err = c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"Colour": "blue"}})
	checkError(t, err, apiError{code: "InvalidAttributeName", status: 400, message: "Unknown Attribute Colour."})
	_, err = c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"Colour"}})
	checkError(t, err, apiError{code: "InvalidAttributeName", status: 400, message: "Unknown Attribute Colour."})
	if _, err := c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"DelaySeconds": "3"}}); err != nil {
		t.Fatal(err)
	}

	if _, err := c.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: &url, Tags: map[string]string{"team": "a", "env": "dev"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagQueue(ctx, &sqs.UntagQueueInput{QueueUrl: &url, TagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: &url})
	if err != nil || len(tags.Tags) != 1 || tags.Tags["team"] != "a" {
		t.Fatalf("tags: %v %v", tags, err)
	}

	_, err = c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("bad name")})
	checkError(t, err, apiError{code: "InvalidParameterValue", status: 400, message: "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"})
	_, err = c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("f"), Attributes: map[string]string{"FifoQueue": "true"}})
	checkError(t, err, apiError{code: "InvalidParameterValue", status: 400, message: "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length."})

	n.stop()
	n = startNubo(t, n.dir)
	c = n.sqs()
	url = "http://" + n.addr + "/" + account + "/orders"
	attrs, err = c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"DelaySeconds"}})
	if err != nil || attrs.Attributes["DelaySeconds"] != "3" {
		t.Fatalf("after restart: %v %v", attrs, err)
	}
	if _, err := c.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &url}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &url})
	isErr[*types.QueueDoesNotExist](t, err)
}

func TestSQSMessages(t *testing.T) {
	ctx := context.Background()
	n := startNubo(t, "")
	c := n.sqs()
	url := n.createQueue(t, c, "work", map[string]string{"VisibilityTimeout": "1"})
	// The SDK checks MD5OfMessageBody and MD5OfMessageAttributes itself.
	sent, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("héllo ✓"),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"colour": {DataType: aws.String("String"), StringValue: aws.String("blue")},
			"size":   {DataType: aws.String("Number.int"), StringValue: aws.String("42")},
			"blob":   {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2, 255}},
		},
		MessageSystemAttributes: map[string]types.MessageSystemAttributeValue{
			"AWSTraceHeader": {DataType: aws.String("String"), StringValue: aws.String("Root=1-5759e988-bd862e3fe1be46a994272793")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(sent.MD5OfMessageAttributes) == "" || aws.ToString(sent.MD5OfMessageSystemAttributes) == "" {
		t.Errorf("no attribute digests: %+v", sent)
	}
	got, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MessageAttributeNames: []string{"All"},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}, MaxNumberOfMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Messages) != 1 {
		t.Fatalf("received %d messages", len(got.Messages))
	}
	m := got.Messages[0]
	if aws.ToString(m.MessageId) != aws.ToString(sent.MessageId) || aws.ToString(m.Body) != "héllo ✓" || len(m.MessageAttributes) != 3 ||
		string(m.MessageAttributes["blob"].BinaryValue) != "\x00\x01\x02\xff" || m.Attributes["ApproximateReceiveCount"] != "1" ||
		m.Attributes["AWSTraceHeader"] == "" || m.Attributes["SentTimestamp"] == "" {
		t.Fatalf("received %+v", m)
	}
	// Invisible for a second, then back with a second receive count.
	if again, _ := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url}); len(again.Messages) != 0 {
		t.Fatal("an in-flight message was received again")
	}
	again, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 5,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"ApproximateReceiveCount"}})
	if err != nil || len(again.Messages) != 1 || again.Messages[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("after the visibility timeout: %+v %v", again, err)
	}
	handle := again.Messages[0].ReceiptHandle
	if _, err := c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: handle, VisibilityTimeout: 60}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 60})
	checkError(t, err, apiError{code: "InvalidParameterValue", status: 400, message: "…"})
	if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: handle}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: aws.String("garbage")})
	checkError(t, err, apiError{code: "ReceiptHandleIsInvalid", status: 400, message: `The input receipt handle "garbage" is not a valid receipt handle.`})

	// Batches: ten entries, one refused, results by id.
	var entries []types.SendMessageBatchRequestEntry
	for i := 0; i < 10; i++ {
		entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprintf("m%d", i)), MessageBody: aws.String(fmt.Sprintf("body %d", i))})
	}
	entries[3].DelaySeconds = 901
	batch, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: entries})
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Successful) != 9 || len(batch.Failed) != 1 || aws.ToString(batch.Failed[0].Id) != "m3" || aws.ToString(batch.Failed[0].Code) != "InvalidParameterValue" {
		t.Fatalf("batch: %+v", batch)
	}
	_, err = c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: append(entries, entries[0])})
	isErr[*types.TooManyEntriesInBatchRequest](t, err)
	_, err = c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: entries[:2:2][:1:1]})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: []types.SendMessageBatchRequestEntry{entries[0], entries[0]}})
	isErr[*types.BatchEntryIdsNotDistinct](t, err)
	_, err = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(strings.Repeat("x", 1048577))})
	checkError(t, err, apiError{code: "InvalidParameterValue", status: 400, message: "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes."})
	_, err = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("bad \x01")})
	checkError(t, err, apiError{code: "InvalidMessageContents", status: 400, message: "…"})
	_, err = c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 11})
	checkError(t, err, apiError{code: "InvalidParameterValue", status: 400, message: "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."})

	var handles []types.DeleteMessageBatchRequestEntry
	for len(handles) < 10 {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, VisibilityTimeout: 30, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			handles = append(handles, types.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint("d", len(handles))), ReceiptHandle: m.ReceiptHandle})
		}
	}
	del, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: handles})
	if err != nil || len(del.Successful) != 10 {
		t.Fatalf("DeleteMessageBatch: %+v %v", del, err)
	}

	// A per-message delay, and a long poll that returns when it is due.
	// Times count from before the send: the server's are later.
	before := time.Now()
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("later"), DelaySeconds: 1}); err != nil {
		t.Fatal(err)
	}
	a, _ := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"ApproximateNumberOfMessagesDelayed"}})
	if a.Attributes["ApproximateNumberOfMessagesDelayed"] != "1" && time.Since(before) < time.Second { // else it may be due
		t.Errorf("delayed: %v", a.Attributes)
	}
	late, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 20})
	if took := time.Since(before); err != nil || len(late.Messages) != 1 || took < time.Second || took > 15*time.Second {
		t.Fatalf("long poll for a delayed message: %+v %v after %v", late, err, took)
	}
	if _, err := c.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: &url}); err != nil {
		t.Fatal(err)
	}
	_, err = c.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: &url})
	isErr[*types.PurgeQueueInProgress](t, err)
}

func TestSQSFIFO(t *testing.T) {
	ctx := context.Background()
	n := startNubo(t, "")
	c := n.sqs()
	url := n.createQueue(t, c, "jobs.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true", "VisibilityTimeout": "30"})
	var seqs []string
	for i := 0; i < 6; i++ {
		group := []string{"a", "b"}[i%2]
		out, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(fmt.Sprintf("%s%d", group, i)), MessageGroupId: aws.String(group)})
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, aws.ToString(out.SequenceNumber))
	}
	for i := 1; i < len(seqs); i++ {
		if len(seqs[i]) != 20 || seqs[i] <= seqs[i-1] {
			t.Fatalf("sequence numbers not increasing: %v", seqs)
		}
	}
	// The same content within five minutes is a duplicate.
	dup, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("a0"), MessageGroupId: aws.String("a")})
	if err != nil || aws.ToString(dup.SequenceNumber) != seqs[0] {
		t.Fatalf("duplicate: %+v %v", dup, err)
	}
	_, err = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x")})
	checkError(t, err, apiError{code: "MissingParameter", status: 400, message: "The request must contain the parameter MessageGroupId."})
	_, err = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x"), MessageGroupId: aws.String("a"), DelaySeconds: 2})
	checkError(t, err, apiError{code: "InvalidParameterValue", status: 400, message: "Value 2 for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type."})

	// Two receives of one message each get group a's head, then group b's;
	// a third gets nothing: both groups are blocked while in flight.
	recv := func() []types.Message {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 1,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Messages
	}
	first, second := recv(), recv()
	if len(first) != 1 || aws.ToString(first[0].Body) != "a0" || len(second) != 1 || aws.ToString(second[0].Body) != "b1" {
		t.Fatalf("first receives: %+v %+v", first, second)
	}
	if first[0].Attributes["MessageGroupId"] != "a" || first[0].Attributes["SequenceNumber"] != seqs[0] || first[0].Attributes["MessageDeduplicationId"] == "" {
		t.Errorf("FIFO attributes: %v", first[0].Attributes)
	}
	if third := recv(); len(third) != 0 {
		t.Fatalf("a blocked group delivered %+v", third)
	}
	c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: first[0].ReceiptHandle})
	out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10})
	if err != nil || len(out.Messages) != 2 || aws.ToString(out.Messages[0].Body) != "a2" || aws.ToString(out.Messages[1].Body) != "a4" {
		t.Fatalf("group a after its head was deleted: %+v %v", out, err)
	}
}

func TestSQSRedriveAndMoveTask(t *testing.T) {
	ctx := context.Background()
	n := startNubo(t, "")
	c := n.sqs()
	dlq := n.createQueue(t, c, "dead", nil)
	policy := fmt.Sprintf(`{"deadLetterTargetArn":"%s","maxReceiveCount":"2"}`, queueARN("dead"))
	src := n.createQueue(t, c, "source", map[string]string{"RedrivePolicy": policy, "VisibilityTimeout": "0"})
	_, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("x"), Attributes: map[string]string{
		"RedrivePolicy": `{"deadLetterTargetArn":"` + queueARN("nope") + `","maxReceiveCount":1}`}})
	checkError(t, err, apiError{code: "InvalidParameterValue", status: 400, message: "Value {\"deadLetterTargetArn\":\"" + queueARN("nope") +
		"\",\"maxReceiveCount\":1} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist."})
	attrs, _ := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &src, AttributeNames: []types.QueueAttributeName{"RedrivePolicy"}})
	if want := `{"deadLetterTargetArn":"` + queueARN("dead") + `","maxReceiveCount":2}`; attrs.Attributes["RedrivePolicy"] != want {
		t.Errorf("RedrivePolicy: got %s, want %s", attrs.Attributes["RedrivePolicy"], want)
	}
	c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &src, MessageBody: aws.String("poison")})
	for i := 0; i < 2; i++ {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &src, WaitTimeSeconds: 2})
		if err != nil || len(out.Messages) != 1 {
			t.Fatalf("receive %d: %+v %v", i, out, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if out, _ := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &src, WaitTimeSeconds: 1}); len(out.Messages) != 0 {
		t.Fatalf("third receive got %+v; want it moved to the dead-letter queue", out.Messages)
	}
	dead, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &dlq,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}})
	if err != nil || len(dead.Messages) != 1 || aws.ToString(dead.Messages[0].Body) != "poison" ||
		dead.Messages[0].Attributes["DeadLetterQueueSourceArn"] != queueARN("source") {
		t.Fatalf("dead-letter queue: %+v %v", dead, err)
	}
	sources, err := c.ListDeadLetterSourceQueues(ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: &dlq})
	if err != nil || len(sources.QueueUrls) != 1 || sources.QueueUrls[0] != src {
		t.Fatalf("ListDeadLetterSourceQueues: %+v %v", sources, err)
	}
	// Back to visible in the dead-letter queue, then moved to its source.
	if _, err := c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &dlq, ReceiptHandle: dead.Messages[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	task, err := c.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(queueARN("dead"))})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		tasks, err := c.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(queueARN("dead"))})
		if err != nil {
			t.Fatal(err)
		}
		if len(tasks.Results) == 1 && aws.ToString(tasks.Results[0].Status) == "COMPLETED" {
			if tasks.Results[0].ApproximateNumberOfMessagesMoved != 1 {
				t.Errorf("moved: %+v", tasks.Results[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("move task %s did not complete: %+v", aws.ToString(task.TaskHandle), tasks.Results)
		}
		time.Sleep(50 * time.Millisecond)
	}
	back, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &src, WaitTimeSeconds: 2})
	if err != nil || len(back.Messages) != 1 || aws.ToString(back.Messages[0].Body) != "poison" {
		t.Fatalf("moved back: %+v %v", back, err)
	}
	_, err = c.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(queueARN("source"))})
	checkError(t, err, apiError{code: "InvalidParameterValue", status: 400, message: "Source queue must be configured as a Dead Letter Queue."})
}

// TestSQSRestart stops nubo with messages waiting and in flight: none is
// lost, and the in-flight ones come back when their visibility timeout
// ends, not before.
func TestSQSRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	n := startNubo(t, "")
	c := n.sqs()
	url := n.createQueue(t, c, "durable", nil)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; b < 25; b++ {
				var entries []types.SendMessageBatchRequestEntry
				for i := 0; i < 10; i++ {
					entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(fmt.Sprint(w, b, i))})
				}
				if _, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: entries}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	inflight := 0
	for inflight < 30 {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, VisibilityTimeout: 30})
		if err != nil {
			t.Fatal(err)
		}
		inflight += len(out.Messages)
	}
	n.stop()
	n = startNubo(t, n.dir)
	c = n.sqs()
	url = "http://" + n.addr + "/" + account + "/durable"
	counts := func() (int, int) {
		a, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"All"}})
		if err != nil {
			t.Fatal(err)
		}
		v, _ := strconv.Atoi(a.Attributes["ApproximateNumberOfMessages"])
		nv, _ := strconv.Atoi(a.Attributes["ApproximateNumberOfMessagesNotVisible"])
		return v, nv
	}
	if v, nv := counts(); v != 1000-inflight || nv != inflight {
		t.Fatalf("after restart: %d visible, %d in flight; want %d and %d", v, nv, 1000-inflight, inflight)
	}
	// Long enough that a restart on a busy machine stays within it; the
	// messages return once it passes.
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		v, nv := counts()
		if v == 1000 && nv == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the visibility timeout: %d visible, %d in flight", v, nv)
		}
	}
}
