package cluster

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go"
)

// events is how many asynchronous events are in flight when a node is
// killed (NUBO_CLUSTER_EVENTS sets another count).
func events() int {
	if n, err := strconv.Atoi(os.Getenv("NUBO_CLUSTER_EVENTS")); err == nil && n > 0 {
		return n
	}
	return 10000
}

// The survivors must serve again within this of a node's death.
const recovery = 5 * time.Second

// syncResult is one synchronous invocation of the load.
type syncResult struct {
	node       int
	start, end time.Time
	err        error
}

// killOne kills n3 with SIGKILL halfway through enqueuing the events,
// while synchronous invocations run at c=32 through every node: every
// event acknowledged runs (duplicates are counted), and the survivors
// serve within recovery.
func (f *fixture) killOne(t *testing.T) {
	n := events()
	victim := f.h.nodes[2]
	var dead atomic.Bool
	var killAt time.Time
	var kill sync.Once
	alive := func(i int) bool { return i != victim.i || !dead.Load() }

	killed := make(chan struct{})
	messages := &sqsLoad{f: f, n: sqsMessages(), alive: alive, killed: killed, killAt: func() time.Time { return killAt }}
	sqsDone := make(chan struct{})
	go func() { messages.run(t, 120*time.Second); close(sqsDone) }()

	stopSync := make(chan struct{})
	syncDone := make(chan []syncResult)
	go func() { syncDone <- f.syncLoad(32, alive, stopSync) }()

	var acked, retried atomic.Int64
	ackedEv := make([]atomic.Bool, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if i == n/2 {
					kill.Do(func() {
						killAt = time.Now()
						f.killed = victim.cmd.Process.Pid
						dead.Store(true)
						f.h.kill(victim)
						close(killed)
					})
				}
				r, ok := f.enqueueEvent(t, i, alive)
				if ok {
					acked.Add(1)
					ackedEv[i].Store(true)
				}
				retried.Add(int64(r))
			}
		})
	}
	wg.Wait()
	enqueued := time.Now()
	seen := f.waitEvents(t, n, func(i int) bool { return ackedEv[i].Load() }, 120*time.Second)
	processed := time.Now()
	<-sqsDone
	// The synchronous load runs at least recovery+5 s past the kill.
	if d := time.Until(killAt.Add(recovery + 5*time.Second)); d > 0 {
		time.Sleep(d)
	}
	close(stopSync)
	results := <-syncDone
	f.syncResults = results

	lost, dups := 0, 0
	for i := range n {
		runs := len(seen["ev-"+strconv.Itoa(i)])
		if runs == 0 && ackedEv[i].Load() {
			lost++
		}
		if runs > 1 {
			dups += runs - 1
		}
	}
	t.Logf("async: %d events acknowledged (%d enqueues retried on another node after the kill), all enqueued %v after the kill; "+
		"processed %d, duplicates %d, lost %d; the last ran %v after the last enqueue",
		acked.Load(), retried.Load(), enqueued.Sub(killAt).Round(time.Millisecond), int(acked.Load())-lost, dups, lost,
		processed.Sub(enqueued).Round(time.Millisecond))
	if lost > 0 {
		t.Errorf("%d of %d acknowledged events never ran", lost, acked.Load())
	}
	messages.judge(t)
	f.judgeSync(t, results, killAt)
}

// enqueueEvent enqueues event i through a live node, round robin. A
// request the killed node may have taken is sent again to another node, as
// a client would (it may then run twice: a duplicate); it returns how
// many times it resent, and whether a node acknowledged the event (one
// not acknowledged within 30 s fails the test, but is not lost if it
// never runs).
func (f *fixture) enqueueEvent(t *testing.T, i int, alive func(int) bool) (int, bool) {
	ev := map[string]any{"op": "record", "value": "ev-" + strconv.Itoa(i)}
	retries := 0
	deadline := time.Now().Add(30 * time.Second)
	for k := i; ; k++ {
		nd := f.h.nodes[k%len(f.h.nodes)]
		if !alive(nd.i) {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		err := f.enqueue(ctx, nd, "rec", ev)
		cancel()
		if err == nil {
			return retries, true
		}
		if time.Now().After(deadline) {
			t.Errorf("event %d: not enqueued within 30 s: %v", i, err)
			return retries, false
		}
		retries++
	}
}

// waitEvents waits until the events ev-i (i < n) that want names all ran,
// or within ends.
func (f *fixture) waitEvents(t *testing.T, n int, want func(i int) bool, within time.Duration) map[string][]run {
	deadline := time.Now().Add(within)
	for {
		seen := f.read(t)
		missing := 0
		for i := range n {
			if want(i) && len(seen["ev-"+strconv.Itoa(i)]) == 0 {
				missing++
			}
		}
		if missing == 0 || time.Now().After(deadline) {
			return seen
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// syncLoad invokes rec synchronously from c clients, round robin over
// the nodes alive says are alive, until stop.
func (f *fixture) syncLoad(c int, alive func(int) bool, stop chan struct{}) []syncResult {
	var mu sync.Mutex
	var out []syncResult
	var wg sync.WaitGroup
	for w := range c {
		wg.Go(func() {
			ctx := context.Background()
			for k := w; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				i := k % len(f.h.nodes)
				if !alive(i) {
					continue
				}
				r := syncResult{node: i, start: time.Now()}
				callCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
				r.err = f.invoke(callCtx, f.h.nodes[i], "rec", map[string]any{"op": "sleep", "ms": 5})
				cancel()
				r.end = time.Now()
				mu.Lock()
				out = append(out, r)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return out
}

// judgeSync checks the synchronous load: the requests that fail were sent
// to the killed node or were running when it died (on it, placed there);
// every request a survivor took recovery after the kill succeeds.
func (f *fixture) judgeSync(t *testing.T, results []syncResult, killAt time.Time) {
	var total, failed, toDead, survivorsDuring, survivorsAfter int
	var lastFailure time.Time
	for _, r := range results {
		total++
		if r.err == nil {
			continue
		}
		failed++
		switch {
		case r.node == 2:
			toDead++
		case r.start.Before(killAt.Add(recovery)):
			survivorsDuring++
			if survivorsDuring <= 3 {
				t.Logf("sync invoke through n%d at kill%+.2fs failed: %v", r.node+1, r.start.Sub(killAt).Seconds(), r.err)
			}
			if r.end.After(lastFailure) {
				lastFailure = r.end
			}
		default:
			survivorsAfter++
			t.Errorf("sync invoke through n%d at kill%+.2fs failed: %v", r.node+1, r.start.Sub(killAt).Seconds(), r.err)
		}
	}
	recovered := "no failure on the survivors"
	if !lastFailure.IsZero() {
		recovered = fmt.Sprintf("their last failure ended at kill+%v", lastFailure.Sub(killAt).Round(time.Millisecond))
	}
	t.Logf("sync c=32: %d invokes, %d failed: %d sent to the killed node, %d through survivors within %v of the kill "+
		"(placed on the killed node or waiting for its streams' new leaders; %s), %d through survivors later",
		total, failed, toDead, survivorsDuring, recovery, recovered, survivorsAfter)
}

// restart starts the killed node again: it catches up (it sees what was
// created while it was down) and takes work again.
func (f *fixture) restart(t *testing.T) {
	if f.killed == 0 {
		t.Skip("no node was killed")
	}
	ctx := context.Background()
	f.create(t, f.h.nodes[0], "made-while-n3-was-down")
	victim := f.h.nodes[2]
	f.h.start(victim)
	f.h.waitLive(f.h.nodes, "n1,n2,n3", 60*time.Second)
	if err := f.invoke(ctx, victim, "made-while-n3-was-down", map[string]any{"op": "record", "value": "caught-up"}); err != nil {
		t.Fatalf("invoke through the restarted node: %v", err)
	}
	// Asynchronous events are shared by the live nodes: batches of slow
	// ones until one ran on the restarted node.
	pid := victim.cmd.Process.Pid
	deadline := time.Now().Add(30 * time.Second)
	for batch := 0; ; batch++ {
		for i := range 30 {
			ev := map[string]any{"op": "record", "ms": 200, "value": fmt.Sprintf("after-%d-%d", batch, i)}
			if err := f.enqueue(ctx, f.h.nodes[i%3], "rec", ev); err != nil {
				t.Fatalf("enqueue after the restart: %v", err)
			}
		}
		time.Sleep(time.Second)
		for v, runs := range f.read(t) {
			for _, r := range runs {
				if r.node == pid {
					t.Logf("the restarted node ran %s", v)
					f.sqsAfterRestart(t)
					return
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the restarted node ran no asynchronous event within 30 s")
		}
	}
}

// partition cuts n3 off from n1 and n2: its writes are refused with a
// 503 and an AWS error while the majority goes on; once healed it sees
// the majority's writes and none of its own.
func (f *fixture) partition(t *testing.T) {
	ctx := context.Background()
	f.h.nw.partition(2)
	minority := f.h.lambda(f.h.nodes[2])
	var refused error
	deadline := time.Now().Add(30 * time.Second)
	for k := 0; refused == nil; k++ {
		callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := minority.PutFunctionConcurrency(callCtx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("rec"),
			ReservedConcurrentExecutions: aws.Int32(int32(100 + k))})
		cancel()
		var re *awshttp.ResponseError
		var api smithy.APIError
		switch {
		case err == nil:
			t.Fatalf("the cut-off node took write %d", k)
		case errors.As(err, &re) && re.HTTPStatusCode() == http.StatusServiceUnavailable && errors.As(err, &api):
			refused = err
			t.Logf("the cut-off node refuses writes: %s: %s (write %d, HTTP 503)", api.ErrorCode(), api.ErrorMessage(), k)
			if api.ErrorCode() != "ServiceUnavailableException" {
				t.Errorf("error code %q, want ServiceUnavailableException", api.ErrorCode())
			}
			if !strings.Contains(api.ErrorMessage(), "cut off from the majority") {
				t.Errorf("the 503 does not say why: %q", api.ErrorMessage())
			}
		case time.Now().After(deadline):
			t.Fatalf("the cut-off node did not refuse with a 503 within 30 s: %v; its log: %s", err, f.h.tail(f.h.nodes[2]))
		}
	}
	f.majorityWrites(t)
	f.h.nw.heal(2)
	f.h.waitLive(f.h.nodes, "n1,n2,n3", 60*time.Second)
	// The healed node sees the majority's write, and none of its own.
	deadline = time.Now().Add(30 * time.Second)
	for {
		out, err := minority.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String("rec")})
		if err == nil && aws.ToInt32(out.ReservedConcurrentExecutions) == 50 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the healed node's reserved concurrency: %v, %v; want the majority's 50", out, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// majorityWrites writes through n1 while n3 is cut off: the majority
// takes writes (after its streams elect new leaders, if n3 led some).
func (f *fixture) majorityWrites(t *testing.T) {
	ctx := context.Background()
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, err := f.h.lambda(f.h.nodes[0]).PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{
			FunctionName: aws.String("rec"), ReservedConcurrentExecutions: aws.Int32(50)})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the majority takes no write: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := f.invoke(ctx, f.h.nodes[1], "rec", map[string]any{"op": "record", "value": "majority"}); err != nil {
		t.Errorf("invoke through n2 while n3 is cut off: %v", err)
	}
}
