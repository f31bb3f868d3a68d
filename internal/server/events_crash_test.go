package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	etypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/nubo-dev/nubo/internal/testnet"
)

// TestEventBridgeSurvivesKill9 puts 3,000 events for a rule whose target is
// a queue, kills nubo with SIGKILL while it fans them out, restarts it on
// the same data directory, and checks that every event PutEvents accepted
// reached the queue at least once. Jobs in flight come back after their
// 30 s lease, so it runs in parallel with the other tests.
func TestEventBridgeSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test: skipped with -short")
	}
	t.Parallel()
	const batches = 300
	dir := t.TempDir()
	bin := nuboBinary(t)
	addr := testnet.Addr(t)
	p := startProcess(t, bin, filepath.Join(dir, "data"), addr)
	cfg := aws.Config{Region: region, Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), BaseEndpoint: aws.String("http://" + addr)}
	eb, q := eventbridge.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	ctx := context.Background()
	// The queue lets the rule's events in, as AWS requires.
	policy := allowFrom(queueARN("kept"), "sqs:SendMessage", source{"events.amazonaws.com", "arn:aws:events:" + region + ":" + account + ":rule/all"})
	if _, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("kept"), Attributes: map[string]string{"Policy": policy}}); err != nil {
		t.Fatal(err)
	}
	eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("all"), EventPattern: aws.String(`{"source": ["crash"]}`)})
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("all"),
		Targets: []etypes.Target{{Id: aws.String("q"), Arn: aws.String(queueARN("kept"))}}}); err != nil {
		t.Fatal(err)
	}
	accepted := map[string]bool{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < batches; i += 8 {
				entries := make([]etypes.PutEventsRequestEntry, 10)
				for j := range entries {
					entries[j] = etypes.PutEventsRequestEntry{Source: aws.String("crash"), DetailType: aws.String("t"), Detail: aws.String(fmt.Sprintf(`{"n": %d}`, i*10+j))}
				}
				out, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
				if err != nil {
					continue
				}
				mu.Lock()
				for _, e := range out.Entries {
					accepted[aws.ToString(e.EventId)] = true
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	p.kill()
	t.Logf("killed nubo with -9 right after PutEvents accepted %d events", len(accepted))
	startProcess(t, bin, filepath.Join(dir, "data"), addr)
	url := "http://" + addr + "/" + account + "/kept"
	seen := map[string]int{}
	deadline := time.Now().Add(2 * time.Minute)
	for len(seen) < len(accepted) && time.Now().Before(deadline) {
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		var del []types.DeleteMessageBatchRequestEntry
		for i, m := range out.Messages {
			var ev struct{ ID string }
			json.Unmarshal([]byte(aws.ToString(m.Body)), &ev)
			seen[ev.ID]++
			del = append(del, types.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: m.ReceiptHandle})
		}
		if len(del) > 0 {
			q.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: del})
		}
	}
	lost, dup := 0, 0
	for id := range accepted {
		switch n := seen[id]; {
		case n == 0:
			lost++
		case n > 1:
			dup += n - 1
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d accepted events were lost", lost, len(accepted))
	}
	t.Logf("after restart: all %d accepted events delivered, %d duplicates", len(accepted), dup)
}
