package cluster

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// sqsMessages is how many SQS messages are in flight when a node is
// killed (NUBO_CLUSTER_MESSAGES sets another count).
func sqsMessages() int {
	if n, err := strconv.Atoi(os.Getenv("NUBO_CLUSTER_MESSAGES")); err == nil && n > 0 {
		return n
	}
	return 10000
}

// queueHeldBy is the name of a queue that node nd holds while every node
// is alive: nubo's groups place a resource on the node with the highest
// FNV-1a hash of node, group and resource (rendezvous hashing), so the
// kill takes the queue's holder down.
func queueHeldBy(nd *node, nodes []*node) string {
	for k := 0; ; k++ {
		name := fmt.Sprintf("work-%d", k)
		best, bestHash := "", uint64(0)
		for _, n := range nodes {
			h := fnv.New64a()
			h.Write([]byte(n.name + "\x00sqs\x00us-east-1/" + name))
			if v := h.Sum64(); best == "" || v > bestHash {
				best, bestHash = n.name, v
			}
		}
		if best == nd.name {
			return name
		}
	}
}

// createQueue creates queue name through nd, its messages invisible for
// 5 s once received (a dead consumer's come back within seconds).
func (f *fixture) createQueue(t *testing.T, nd *node, name string) string {
	t.Helper()
	out, err := f.h.sqs(nd).CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name),
		Attributes: map[string]string{"VisibilityTimeout": "5"}})
	if err != nil {
		t.Fatalf("create queue %s through %s: %v", name, nd.name, err)
	}
	return aws.ToString(out.QueueUrl)
}

// queueURL is the queue's URL as node nd names it.
func queueURL(nd *node, name string) string {
	return "http://" + nd.addr() + "/" + account + "/" + name
}

// sqsEveryNode sends through one node, receives through another and
// deletes through the third.
func (f *fixture) sqsEveryNode(t *testing.T) {
	ctx := context.Background()
	n1, n2, n3 := f.h.nodes[0], f.h.nodes[1], f.h.nodes[2]
	if _, err := f.h.sqs(n1).SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queueURL(n1, f.queue)),
		MessageBody: aws.String("hello")}); err != nil {
		t.Fatalf("send through n1: %v", err)
	}
	out, err := f.h.sqs(n2).ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL(n2, f.queue)),
		WaitTimeSeconds: 5})
	if err != nil || len(out.Messages) != 1 || aws.ToString(out.Messages[0].Body) != "hello" {
		t.Fatalf("receive through n2: %v, %v", out, err)
	}
	if _, err := f.h.sqs(n3).DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL(n3, f.queue)),
		ReceiptHandle: out.Messages[0].ReceiptHandle}); err != nil {
		t.Fatalf("delete through n3: %v", err)
	}
}

// sqsAfterRestart sends through the restarted node, which takes its queue
// back, and receives through another (past any message whose deletion
// failed during the kill).
func (f *fixture) sqsAfterRestart(t *testing.T) {
	ctx := context.Background()
	n1, n3 := f.h.nodes[0], f.h.nodes[2]
	// The queue may be on its way back to the restarted node: a 503 is
	// tried again.
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := f.h.sqs(n3).SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queueURL(n3, f.queue)),
			MessageBody: aws.String("after the restart")})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("send through the restarted node: %v", err)
		}
		time.Sleep(100 * time.Millisecond) // a pause between retries
	}
	var err error
	for time.Now().Before(deadline) {
		var out *sqs.ReceiveMessageOutput
		out, err = f.h.sqs(n1).ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL(n1, f.queue)),
			MaxNumberOfMessages: 10, WaitTimeSeconds: 2})
		if err != nil {
			time.Sleep(100 * time.Millisecond) // a pause between retries
			continue
		}
		for _, m := range out.Messages {
			if aws.ToString(m.Body) == "after the restart" {
				return
			}
		}
	}
	t.Fatalf("the message sent through the restarted node was not received within 30 s (last error: %v)", err)
}

// sqsLoad is the SQS side of the kill: messages sent in batches of ten and
// received, then deleted, by consumers on every live node.
type sqsLoad struct {
	f       *fixture
	n       int
	alive   func(int) bool
	killed  chan struct{} // closed at the kill
	killAt  func() time.Time
	acked   atomic.Int64
	retried atomic.Int64

	mu       sync.Mutex
	sent     map[int]bool   // the messages acknowledged
	received map[string]int // by body
	all      chan struct{}  // closed once every message was received
	// lastFailure is when the last failed send attempt after the kill
	// ended: the queue was served again after it.
	lastFailure time.Time
}

// run sends the messages from 16 clients, at most half of them before the
// kill, while 16 consumers receive, until every message was received or
// within ended; it returns once the consumers stopped.
func (l *sqsLoad) run(t *testing.T, within time.Duration) {
	l.sent, l.received, l.all = map[int]bool{}, map[string]int{}, make(chan struct{})
	stop := make(chan struct{})
	var consumers sync.WaitGroup
	for w := range 16 {
		consumers.Go(func() { l.consume(w, stop) })
	}
	var next atomic.Int64
	var senders sync.WaitGroup
	for range 16 {
		senders.Go(func() {
			for {
				b := int(next.Add(1)) - 1
				if b*10 >= l.n {
					return
				}
				if b*10 >= l.n/2 {
					<-l.killed
				}
				l.sendBatch(t, b)
			}
		})
	}
	senders.Wait()
	select {
	case <-l.all:
	case <-time.After(within):
	}
	close(stop)
	consumers.Wait()
}

// sendBatch sends messages 10b to 10b+9 through a live node, round robin,
// and again through another when it fails (a client's retry: the first
// attempt may have been stored, a duplicate).
func (l *sqsLoad) sendBatch(t *testing.T, b int) {
	var entries []types.SendMessageBatchRequestEntry
	for i := b * 10; i < min(b*10+10, l.n); i++ {
		entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)),
			MessageBody: aws.String("m-" + strconv.Itoa(i))})
	}
	// The queue's holder may be the node killed: the survivors take it
	// over once they see it dead and its streams have new leaders.
	deadline := time.Now().Add(60 * time.Second)
	for k := b; ; k++ {
		nd := l.f.h.nodes[k%len(l.f.h.nodes)]
		if !l.alive(nd.i) {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		out, err := l.f.h.sqs(nd).SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(queueURL(nd, l.f.queue)),
			Entries: entries})
		cancel()
		if err == nil && len(out.Failed) == 0 {
			l.acked.Add(int64(len(entries)))
			l.mu.Lock()
			for i := range entries {
				l.sent[b*10+i] = true
			}
			l.mu.Unlock()
			return
		}
		if err == nil {
			err = fmt.Errorf("%d entries failed: %s", len(out.Failed), aws.ToString(out.Failed[0].Message))
		}
		l.mu.Lock()
		l.lastFailure = time.Now()
		l.mu.Unlock()
		if time.Now().After(deadline) {
			t.Errorf("messages %d to %d: not sent within 60 s: %v", b*10, b*10+len(entries)-1, err)
			return
		}
		l.retried.Add(1)
	}
}

// consume receives and deletes through the live nodes, round robin from
// w, until stop.
func (l *sqsLoad) consume(w int, stop chan struct{}) {
	for k := w; ; k++ {
		select {
		case <-stop:
			return
		default:
		}
		nd := l.f.h.nodes[k%len(l.f.h.nodes)]
		if !l.alive(nd.i) {
			continue
		}
		c, url := l.f.h.sqs(nd), aws.String(queueURL(nd, l.f.queue))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		cancel()
		if err != nil || len(out.Messages) == 0 {
			continue
		}
		var del []types.DeleteMessageBatchRequestEntry
		l.mu.Lock()
		for i, m := range out.Messages {
			body := aws.ToString(m.Body)
			l.received[body]++
			if l.received[body] == 1 && len(l.received) == l.n {
				close(l.all)
			}
			del = append(del, types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
		}
		l.mu.Unlock()
		// A deletion that fails (its node died) lets the message come back
		// after its visibility timeout: a duplicate, counted.
		ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
		c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: url, Entries: del})
		cancel()
	}
}

// judge reports the counts and fails for a lost message.
func (l *sqsLoad) judge(t *testing.T) {
	lost, dups, unique := 0, 0, 0
	for i := range l.n {
		c := l.received["m-"+strconv.Itoa(i)]
		if c > 0 {
			unique++
		}
		if c == 0 && l.sent[i] {
			lost++
		}
		if c > 1 {
			dups += c - 1
		}
	}
	served := "no send failed after the kill"
	if !l.lastFailure.IsZero() {
		served = fmt.Sprintf("the last failed send ended at kill+%v", l.lastFailure.Sub(l.killAt()).Round(time.Millisecond))
	}
	t.Logf("sqs: %d of %d messages acknowledged (%d batches sent again after a failure; %s), received %d, duplicates %d, "+
		"acknowledged and lost %d", l.acked.Load(), l.n, l.retried.Load(), served, unique, dups, lost)
	if lost > 0 {
		t.Errorf("%d of %d acknowledged messages were never received", lost, l.acked.Load())
	}
}
