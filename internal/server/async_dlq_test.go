package server_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// TestAsyncDeadLetterQueueAndDestinationsInSQS sends a failing event to a
// dead-letter queue (the original payload with AWS's three attributes) and
// its on-failure record to another queue.
func TestAsyncDeadLetterQueueAndDestinationsInSQS(t *testing.T) {
	n := startNuboWith(t, "", fastRetries)
	q := n.sqs()
	dlq := n.createQueue(t, q, "dlq", nil)
	records := n.createQueue(t, q, "records", nil)
	n.createShell(t, "to-dlq", func(in *lambda.CreateFunctionInput) {
		in.DeadLetterConfig = &ltypes.DeadLetterConfig{TargetArn: aws.String(queueARN("dlq"))}
	})
	n.putEventInvokeConfig(t, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("to-dlq"), MaximumRetryAttempts: aws.Int32(1),
		DestinationConfig: &ltypes.DestinationConfig{OnFailure: &ltypes.OnFailure{Destination: aws.String(queueARN("records"))}}})
	n.invokeAsync(t, "to-dlq", `{"op":"error","value":"dead"}`)

	msg := receiveOne(t, q, dlq)
	if aws.ToString(msg.Body) != `{"op":"error","value":"dead"}` {
		t.Fatalf("dead-letter body %q", aws.ToString(msg.Body))
	}
	attr := func(k string) string { return aws.ToString(msg.MessageAttributes[k].StringValue) }
	if attr("RequestID") == "" || attr("ErrorCode") != "200" || attr("ErrorMessage") != "boom: dead" ||
		aws.ToString(msg.MessageAttributes["ErrorCode"].DataType) != "Number" {
		t.Fatalf("dead-letter attributes %+v", msg.MessageAttributes)
	}
	rec := decodeRecord(t, aws.ToString(receiveOne(t, q, records).Body))
	if rec.RequestContext.Condition != "RetriesExhausted" || rec.RequestContext.ApproximateInvokeCount != 2 ||
		rec.RequestContext.RequestID != attr("RequestID") {
		t.Fatalf("record %+v", rec.RequestContext)
	}
}

// TestAsyncDeadLetterTopic publishes a failing event to an SNS topic, which
// delivers it to a subscribed queue.
func TestAsyncDeadLetterTopic(t *testing.T) {
	n := startNuboWith(t, "", fastRetries)
	ctx := context.Background()
	q := n.sqs()
	inbox := n.createQueue(t, q, "inbox", fromTopic("inbox", topicARN("dead-letters"), nil))
	topics := n.sns()
	topic, err := topics.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("dead-letters")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := topics.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(queueARN("inbox"))}); err != nil {
		t.Fatal(err)
	}
	n.createShell(t, "to-topic", func(in *lambda.CreateFunctionInput) {
		in.DeadLetterConfig = &ltypes.DeadLetterConfig{TargetArn: topic.TopicArn}
	})
	n.putEventInvokeConfig(t, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("to-topic"), MaximumRetryAttempts: aws.Int32(0)})
	n.invokeAsync(t, "to-topic", `{"op":"error","value":"via sns"}`)

	var envelope struct {
		Type, Message     string
		MessageAttributes map[string]struct{ Type, Value string }
	}
	if err := json.Unmarshal([]byte(aws.ToString(receiveOne(t, q, inbox).Body)), &envelope); err != nil {
		t.Fatal(err)
	}
	if envelope.Type != "Notification" || envelope.Message != `{"op":"error","value":"via sns"}` ||
		envelope.MessageAttributes["ErrorMessage"].Value != "boom: via sns" || envelope.MessageAttributes["ErrorCode"].Type != "Number" {
		t.Fatalf("envelope %+v", envelope)
	}
}
