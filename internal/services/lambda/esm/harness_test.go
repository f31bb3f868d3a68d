package esm

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/cluster"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/sqs"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
)

const streamARN = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-01-01T00:00:00.000"

var scope = lambda.Scope{Account: "123456789012", Region: "us-east-1"}

// fakeStream is a DynamoDB stream of one open shard that every node reads
// (DynamoDB is replicated: each node has every stream).
type fakeStream struct {
	mu   sync.Mutex
	recs []StreamRecord
	wake chan struct{}
}

func newFakeStream() *fakeStream { return &fakeStream{wake: make(chan struct{})} }

func (f *fakeStream) put(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		seq := uint64(len(f.recs) + 1)
		data, _ := json.Marshal(map[string]any{"dynamodb": map[string]any{"SequenceNumber": strconv.FormatUint(seq, 10)}})
		f.recs = append(f.recs, StreamRecord{Seq: seq, SeqText: strconv.FormatUint(seq, 10), Key: "k" + strconv.FormatUint(seq%7, 10), Time: time.Now(), Data: data})
	}
	close(f.wake)
	f.wake = make(chan struct{})
}

func (f *fakeStream) Shards(context.Context, string) ([]Shard, error) {
	return []Shard{{ID: "shardId-1", First: 1}}, nil
}

func (f *fakeStream) Read(_ context.Context, _ string, _ Shard, from uint64, limit int) ([]StreamRecord, uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []StreamRecord
	for i := from; i >= 1 && i <= uint64(len(f.recs)) && len(out) < limit; i++ {
		out = append(out, f.recs[i-1])
	}
	return out, from + uint64(len(out)), nil
}

func (f *fakeStream) Next(string) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return uint64(len(f.recs) + 1), nil
}

func (f *fakeStream) Wait(string) (<-chan struct{}, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.wake, nil
}

// deliveries counts, per sequence number, the invocations that carried
// it, and which node made them.
type deliveries struct {
	mu     sync.Mutex
	counts map[string]int
	by     map[string]map[string]int // node -> sequence number -> count
}

// recorder is one node's function: it records the stream records it gets.
type recorder struct {
	node string
	d    *deliveries
}

func (r recorder) Resolve(context.Context, *lambda.Invocation) error { return nil }

func (r recorder) Invoke(_ context.Context, inv *lambda.Invocation) (*lambda.Result, error) {
	var ev struct {
		Records []struct {
			Dynamodb struct{ SequenceNumber string } `json:"dynamodb"`
		}
	}
	if err := json.Unmarshal(inv.Payload, &ev); err != nil {
		return nil, err
	}
	r.d.mu.Lock()
	defer r.d.mu.Unlock()
	if r.d.by[r.node] == nil {
		r.d.by[r.node] = map[string]int{}
	}
	for _, rec := range ev.Records {
		r.d.counts[rec.Dynamodb.SequenceNumber]++
		r.d.by[r.node][rec.Dynamodb.SequenceNumber]++
	}
	return &lambda.Result{Payload: []byte("null")}, nil
}

// waitAll waits until records 1..n were delivered and reports those
// delivered other than exactly once.
func (d *deliveries) waitAll(t *testing.T, n int) {
	t.Helper()
	eventually(t, fmt.Sprintf("records 1..%d delivered", n), func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		for i := 1; i <= n; i++ {
			if d.counts[strconv.Itoa(i)] == 0 {
				return false
			}
		}
		return true
	})
	d.mu.Lock()
	defer d.mu.Unlock()
	for seq, c := range d.counts {
		if c != 1 {
			t.Errorf("record %s delivered %d times", seq, c)
		}
	}
}

// fakeQueues is an SQS whose receives wait for ctx (the SQS mappings'
// pollers run, and nothing reaches them).
type fakeQueues struct{}

func (fakeQueues) ParseARN(arn string) (sqs.Ref, bool) {
	return sqs.Ref{Region: "us-east-1", Name: "q"}, true
}
func (fakeQueues) Exists(sqs.Ref) error { return nil }
func (fakeQueues) QueueAttributes(sqs.Ref, []string) (map[string]string, error) {
	return map[string]string{}, nil
}
func (fakeQueues) Receive(ctx context.Context, _ sqs.Ref, _ sqs.ReceiveInput) ([]sqs.Message, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}
func (fakeQueues) Delete(context.Context, sqs.Ref, []string) ([]error, error) { return nil, nil }

// esmNode is one node: its cluster membership and its mappings, over a
// store the nodes share.
type esmNode struct {
	name string
	c    *cluster.Cluster
	s    *Service
	stop func()
}

type esmCluster struct {
	nodes  []*esmNode
	stream *fakeStream
	d      *deliveries
	kv     store.Watchable
	ckv    store.Watchable
	bus    store.Bus
}

func startESM(t *testing.T, n int) *esmCluster {
	ctx := context.Background()
	st, err := natsstore.Open(ctx, natsstore.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	ckv, err := st.KV(ctx, "cluster")
	if err != nil {
		t.Fatal(err)
	}
	kv, err := st.KV(ctx, "esm")
	if err != nil {
		t.Fatal(err)
	}
	bus, err := st.Bus()
	if err != nil {
		t.Fatal(err)
	}
	ec := &esmCluster{stream: newFakeStream(), d: &deliveries{counts: map[string]int{}, by: map[string]map[string]int{}},
		kv: kv.(store.Watchable), ckv: ckv.(store.Watchable), bus: bus}
	for i := range n {
		ec.add(t, fmt.Sprintf("n%d", i+1))
	}
	return ec
}

// add starts a node.
func (ec *esmCluster) add(t *testing.T, name string) *esmNode {
	ctx := context.Background()
	c, err := cluster.Open(ctx, cluster.Options{Node: name, KV: ec.ckv, Bus: ec.bus,
		Beat: 100 * time.Millisecond, DeadAfter: 2 * time.Second, FenceAfter: 1500 * time.Millisecond, Settle: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(ctx, ec.kv, fakeQueues{}, recorder{node: name, d: ec.d}, Options{Streams: ec.stream, Cluster: c})
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	if err := s.Follow(rctx, ec.kv); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { c.Run(rctx) })
	wg.Go(func() { s.Run(rctx) })
	node := &esmNode{name: name, c: c, s: s}
	var once sync.Once
	node.stop = func() { once.Do(func() { cancel(); wg.Wait(); c.Close() }) }
	t.Cleanup(node.stop)
	ec.nodes = append(ec.nodes, node)
	return node
}

// eventually waits up to 20 seconds for cond (a watch's delivery, a
// takeover after a node's heartbeats stop).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20 s", what)
		}
	}
}

// runs reports whether n has id's poller running.
func (n *esmNode) runs(id string) bool {
	n.s.runMu.Lock()
	defer n.s.runMu.Unlock()
	return n.s.running[id] != nil
}

// runners are the live nodes running id's poller.
func (ec *esmCluster) runners(id string, live []*esmNode) []*esmNode {
	var out []*esmNode
	for _, n := range live {
		if n.runs(id) {
			out = append(out, n)
		}
	}
	return out
}

// checkpointed waits until id's shard checkpoint is at seq.
func (ec *esmCluster) checkpointed(t *testing.T, s *Service, id string, seq uint64) {
	t.Helper()
	eventually(t, "checkpoint", func() bool {
		cp, err := s.loadCheckpoint(context.Background(), id, "shardId-1")
		return err == nil && cp != nil && cp.Seq >= seq
	})
}

func without(nodes []*esmNode, gone *esmNode) []*esmNode {
	var out []*esmNode
	for _, n := range nodes {
		if n != gone {
			out = append(out, n)
		}
	}
	return out
}

// preferredName is a node name that rendezvous hashing prefers over
// nodes for the mapping id (as cluster.Group computes it).
func preferredName(id string, nodes []string) string {
	score := func(n string) uint64 {
		h := fnv.New64a()
		h.Write([]byte(n + "\x00" + groupName + "\x00" + id))
		return h.Sum64()
	}
	best := uint64(0)
	for _, n := range nodes {
		best = max(best, score(n))
	}
	for i := 3; ; i++ {
		if name := fmt.Sprintf("n%d", i); score(name) > best {
			return name
		}
	}
}
