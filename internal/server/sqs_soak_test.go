package server_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/nubo-dev/nubo/internal/testnet"
)

// queueModel is what a queue must hold, as far as its clients know:
// messages whose send was acknowledged must be there unless their delete
// was acknowledged; messages whose delete was acknowledged must never come
// back. Calls cut short by a kill may or may not have happened.
type queueModel struct {
	mu        sync.Mutex
	sent      map[string]bool      // acknowledged sends
	maybeSent map[string]bool      // sends whose answer a kill cut off
	deleted   map[string]time.Time // acknowledged deletes, when acknowledged
	maybeDel  map[string]bool      // deletes whose answer a kill cut off
	next      int
}

func newQueueModel() *queueModel {
	return &queueModel{sent: map[string]bool{}, maybeSent: map[string]bool{}, deleted: map[string]time.Time{}, maybeDel: map[string]bool{}}
}

// newBodies names n messages about to be sent: they may be in the queue
// from now on.
func (m *queueModel) newBodies(n int) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, n)
	for i := range out {
		out[i] = "m-" + strconv.Itoa(m.next)
		m.maybeSent[out[i]] = true
		m.next++
	}
	return out
}

// bounds are the fewest and most messages the queue may hold.
func (m *queueModel) bounds() (least, most int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for b := range m.sent {
		if _, gone := m.deleted[b]; !gone && !m.maybeDel[b] {
			least++
		}
	}
	for b := range m.sent {
		if _, gone := m.deleted[b]; !gone {
			most++
		}
	}
	for b := range m.maybeSent {
		if _, gone := m.deleted[b]; !gone {
			most++
		}
	}
	return least, most
}

// soak is one run of the crash test: nubo as a process, one queue, and the
// model of it.
type soak struct {
	t      *testing.T
	bin    string
	dir    string
	addr   string
	url    string
	model  *queueModel
	killed atomic.Bool
}

// TestSQSSoakKill9 runs senders, receivers and deleters against nubo and
// kills it with SIGKILL at random points, during the load and while idle,
// restarting it each time on the same data directory; after every restart
// the queue must agree with the model. It runs about 30 s; NUBO_SOAK=1
// runs it for NUBO_SOAK_DURATION (default 5m).
func TestSQSSoakKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test: skipped with -short")
	}
	t.Parallel()
	run := 30 * time.Second
	if os.Getenv("NUBO_SOAK") == "1" {
		run = 5 * time.Minute
		if d, err := time.ParseDuration(os.Getenv("NUBO_SOAK_DURATION")); err == nil {
			run = d
		}
	}
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("NUBO_SOAK_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("seed %d (NUBO_SOAK_SEED=%d repeats the kill timing)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	s := &soak{t: t, bin: nuboBinary(t), dir: filepath.Join(t.TempDir(), "data"), addr: testnet.Addr(t), model: newQueueModel()}
	p := startProcess(t, s.bin, s.dir, s.addr)
	out, err := sqsClient(s.addr).CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String("soak"),
		Attributes: map[string]string{"VisibilityTimeout": "2"}})
	if err != nil {
		t.Fatal(err)
	}
	s.url = aws.ToString(out.QueueUrl)
	end := time.Now().Add(run)
	cycles := 0
	for time.Now().Before(end) && !t.Failed() {
		cycles++
		load := time.Duration(50+rng.IntN(1500)) * time.Millisecond
		idle := time.Duration(0)
		if rng.IntN(2) == 0 {
			idle = time.Duration(rng.IntN(2500)) * time.Millisecond
		}
		s.cycle(p, load, idle, rng.Uint64())
		p = startProcess(t, s.bin, s.dir, s.addr)
		s.checkCounts(fmt.Sprintf("restart %d", cycles))
	}
	s.drain()
	least, most := s.model.bounds()
	t.Logf("%d kills; %d messages sent, %d deleted; queue held %d..%d at the end", cycles, len(s.model.sent), len(s.model.deleted), least, most)
}

// cycle runs the load for load, then (when idle > 0) waits idle with no
// load, and kills nubo: during the load when idle is 0.
func (s *soak) cycle(p *nuboProcess, load, idle time.Duration, seed uint64) {
	ctx, cancel := context.WithCancel(context.Background())
	s.killed.Store(false)
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			s.worker(ctx, w, rand.New(rand.NewPCG(seed, uint64(w))))
		}(w)
	}
	time.Sleep(load)
	if idle > 0 {
		cancel()
		wg.Wait()
		time.Sleep(idle)
	}
	s.killed.Store(true)
	s.t.Logf("kill at %s", time.Now().Format("15:04:05.000"))
	p.kill()
	cancel()
	wg.Wait()
}

// worker sends (in batches and alone), receives and deletes (most of what
// it receives, in batches and alone) until ctx ends.
func (s *soak) worker(ctx context.Context, w int, rng *rand.Rand) {
	c := sqsClient(s.addr)
	for ctx.Err() == nil {
		switch w % 3 {
		case 0:
			s.send(ctx, c, 1+rng.IntN(10))
		default:
			s.receiveAndDelete(ctx, c, rng)
		}
	}
}

// failed reports whether err is a failure the test must flag: one that a
// kill does not explain.
func (s *soak) failed(ctx context.Context, op string, err error) bool {
	if err == nil {
		return false
	}
	if !s.killed.Load() && ctx.Err() == nil {
		s.t.Errorf("%s while nubo ran: %v", op, err)
	}
	return true
}

func (s *soak) send(ctx context.Context, c *sqs.Client, n int) {
	bodies := s.model.newBodies(n)
	var err error
	if n == 1 {
		_, err = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &s.url, MessageBody: &bodies[0]})
	} else {
		var entries []types.SendMessageBatchRequestEntry
		for i, b := range bodies {
			entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(b)})
		}
		var out *sqs.SendMessageBatchOutput
		if out, err = c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &s.url, Entries: entries}); err == nil && len(out.Failed) > 0 {
			err = fmt.Errorf("%d entries failed: %s", len(out.Failed), aws.ToString(out.Failed[0].Message))
		}
	}
	s.model.mu.Lock()
	defer s.model.mu.Unlock()
	for _, b := range bodies {
		if err == nil {
			s.model.sent[b] = true
			delete(s.model.maybeSent, b)
		}
	}
	s.failed(ctx, "send", err)
}

func (s *soak) receiveAndDelete(ctx context.Context, c *sqs.Client, rng *rand.Rand) {
	asked := time.Now()
	out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &s.url, MaxNumberOfMessages: int32(1 + rng.IntN(10)), WaitTimeSeconds: 1})
	if s.failed(ctx, "receive", err) {
		return
	}
	s.checkReceived(out.Messages, asked)
	var del []types.Message
	for _, m := range out.Messages {
		if rng.IntN(5) > 0 {
			del = append(del, m)
		}
	}
	if len(del) == 0 {
		return
	}
	if len(del) == 1 {
		_, err = c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &s.url, ReceiptHandle: del[0].ReceiptHandle})
	} else {
		var entries []types.DeleteMessageBatchRequestEntry
		for i, m := range del {
			entries = append(entries, types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
		}
		var d *sqs.DeleteMessageBatchOutput
		if d, err = c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &s.url, Entries: entries}); err == nil && len(d.Failed) > 0 {
			err = fmt.Errorf("%d entries failed: %s", len(d.Failed), aws.ToString(d.Failed[0].Message))
		}
	}
	now := time.Now()
	s.model.mu.Lock()
	defer s.model.mu.Unlock()
	for _, m := range del {
		if err == nil {
			s.model.deleted[aws.ToString(m.Body)] = now
		} else {
			s.model.maybeDel[aws.ToString(m.Body)] = true
		}
	}
	s.failed(ctx, "delete", err)
}

// checkReceived flags messages received although their deletion had been
// acknowledged before the receive was asked for, or never sent.
func (s *soak) checkReceived(msgs []types.Message, asked time.Time) {
	s.model.mu.Lock()
	defer s.model.mu.Unlock()
	for _, m := range msgs {
		b := aws.ToString(m.Body)
		if at, gone := s.model.deleted[b]; gone && at.Before(asked) {
			s.t.Errorf("%s received again after its deletion was acknowledged at %s (asked %s)", b, at.Format("15:04:05.000"), asked.Format("15:04:05.000"))
		}
		if !s.model.sent[b] && !s.model.maybeSent[b] {
			s.t.Errorf("%s received but never sent", b)
		}
	}
}

// checkCounts compares the queue's size with the model's bounds.
func (s *soak) checkCounts(when string) {
	s.t.Helper()
	c := sqsClient(s.addr)
	a, err := c.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: &s.url, AttributeNames: []types.QueueAttributeName{"All"}})
	if err != nil {
		s.t.Fatal(err)
	}
	total := 0
	for _, k := range []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"} {
		n, _ := strconv.Atoi(a.Attributes[k])
		total += n
	}
	if least, most := s.model.bounds(); total < least || total > most {
		s.t.Errorf("%s: the queue holds %d messages; the model says %d to %d", when, total, least, most)
	}
}

// drain receives every message left and checks them against the model.
func (s *soak) drain() {
	ctx := context.Background()
	c := sqsClient(s.addr)
	asked := time.Now()
	got := map[string]bool{}
	for {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &s.url, MaxNumberOfMessages: 10, VisibilityTimeout: 600, WaitTimeSeconds: 3})
		if err != nil {
			s.t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			break
		}
		s.checkReceived(out.Messages, asked)
		for _, m := range out.Messages {
			got[aws.ToString(m.Body)] = true
		}
	}
	s.model.mu.Lock()
	defer s.model.mu.Unlock()
	missing := 0
	for b := range s.model.sent {
		if _, gone := s.model.deleted[b]; !gone && !s.model.maybeDel[b] && !got[b] {
			missing++
			if missing <= 5 {
				s.t.Errorf("%s: its send was acknowledged, it was never deleted, and it is not in the queue", b)
			}
		}
	}
	if missing > 0 {
		s.t.Errorf("%d acknowledged messages lost", missing)
	}
}
