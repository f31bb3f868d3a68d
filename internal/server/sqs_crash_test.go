package server_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/nubo-dev/nubo/internal/testnet"
)

func sqsClient(addr string) *sqs.Client {
	return sqs.NewFromConfig(aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String("http://" + addr),
	})
}

// queueCounts is a queue's ApproximateNumberOfMessages and
// ApproximateNumberOfMessagesNotVisible.
func queueCounts(t *testing.T, c *sqs.Client, url string) (visible, notVisible int) {
	t.Helper()
	a, err := c.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	visible, _ = strconv.Atoi(a.Attributes["ApproximateNumberOfMessages"])
	notVisible, _ = strconv.Atoi(a.Attributes["ApproximateNumberOfMessagesNotVisible"])
	return visible, notVisible
}

// Deleted messages stay deleted across two kill -9s, the second after the
// deletions had long been stored (the attack run of issue 14: they came
// back once the deletion markers had expired).
func TestSQSDeletesSurviveRepeatedKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test: skipped with -short")
	}
	t.Parallel()
	ctx := context.Background()
	bin, dir, addr := nuboBinary(t), filepath.Join(t.TempDir(), "data"), testnet.Addr(t)
	p := startProcess(t, bin, dir, addr)
	c := sqsClient(addr)
	out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("twice")})
	if err != nil {
		t.Fatal(err)
	}
	url := aws.ToString(out.QueueUrl)
	const sent, kept = 2000, 530
	for b := 0; b < sent/10; b++ {
		var entries []types.SendMessageBatchRequestEntry
		for i := 0; i < 10; i++ {
			entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(fmt.Sprintf("message %d-%d", b, i))})
		}
		if _, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: entries}); err != nil {
			t.Fatal(err)
		}
	}
	received := 0
	for received < sent {
		r, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, VisibilityTimeout: 600})
		if err != nil {
			t.Fatal(err)
		}
		var entries []types.DeleteMessageBatchRequestEntry
		for i, m := range r.Messages {
			if received+i >= kept {
				entries = append(entries, types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
			}
		}
		received += len(r.Messages)
		if len(entries) == 0 {
			continue
		}
		d, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: entries})
		if err != nil || len(d.Failed) > 0 || len(d.Successful) != len(entries) {
			t.Fatalf("DeleteMessageBatch: %v, %d failed", err, len(d.Failed))
		}
	}
	p.kill()
	p = startProcess(t, bin, dir, addr)
	if v, nv := queueCounts(t, c, url); v != 0 || nv != kept {
		t.Fatalf("after the first kill: %d visible, %d in flight; want 0 and %d", v, nv, kept)
	}
	// Idle long enough for anything that expires deletions (JetStream's
	// shortest message TTL is a second) to have done so.
	time.Sleep(3 * time.Second)
	p.kill()
	startProcess(t, bin, dir, addr)
	if v, nv := queueCounts(t, c, url); v != 0 || nv != kept {
		t.Fatalf("after the second kill: %d visible, %d in flight; want 0 and %d", v, nv, kept)
	}
}
