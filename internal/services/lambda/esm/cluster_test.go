package esm

import (
	"context"
	"encoding/json"
	"errors"
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

// A DynamoDB stream mapping created through one node is read by exactly
// one of three: each record is delivered once; when that node stops,
// another takes the mapping over from its checkpoint and delivers the
// rest, again once each; a deletion through a third node stops it on
// every node, and every node forgets the mapping.
func TestStreamMappingReadByOneNode(t *testing.T) {
	ctx := context.Background()
	ec := startESM(t, 3)
	cfg, err := ec.nodes[0].s.Create(ctx, scope, &Input{FunctionName: ptr("fn"), EventSourceArn: ptr(streamARN), StartingPosition: ptr("TRIM_HORIZON"), BatchSize: ptr(7)})
	if err != nil {
		t.Fatal(err)
	}
	id := cfg.UUID
	ec.stream.put(50)
	ec.d.waitAll(t, 50)
	live := ec.nodes
	eventually(t, "one node reads the mapping", func() bool { return len(ec.runners(id, live)) == 1 })
	holder := ec.runners(id, live)[0]
	ec.checkpointed(t, holder.s, id, 50)
	for _, n := range live {
		if got, err := n.s.Get(ctx, scope, id); err != nil || got.State != StateEnabled {
			t.Errorf("%s: mapping %+v, %v", n.name, got, err)
		}
	}

	holder.stop()
	live = without(live, holder)
	ec.stream.put(50)
	ec.d.waitAll(t, 100)
	eventually(t, "one survivor reads the mapping", func() bool { return len(ec.runners(id, live)) == 1 })
	next := ec.runners(id, live)[0]
	ec.d.mu.Lock()
	if got := len(ec.d.by[next.name]); got == 0 {
		t.Errorf("%s took over and delivered nothing", next.name)
	}
	ec.d.mu.Unlock()

	other := without(live, next)[0]
	if _, err := other.s.Delete(ctx, scope, id); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the mapping stops everywhere", func() bool { return len(ec.runners(id, live)) == 0 })
	for _, n := range live {
		eventually(t, n.name+" forgets the mapping", func() bool {
			_, err := n.s.Get(ctx, scope, id)
			return err != nil
		})
	}
	eventually(t, "the checkpoints are deleted", func() bool {
		keys, err := ec.kv.Keys(ctx, store.Key("esmcp", id))
		return (err == nil || errors.Is(err, store.ErrNotFound)) && len(keys) == 0
	})
}

// An SQS mapping created through one node polls on every node, each with
// its share of MaximumConcurrency; disabled through another node it stops
// on all, and enabled again it starts on all.
func TestQueueMappingFollowsEveryNode(t *testing.T) {
	ctx := context.Background()
	ec := startESM(t, 3)
	cfg, err := ec.nodes[0].s.Create(ctx, scope, &Input{FunctionName: ptr("fn"), EventSourceArn: ptr("arn:aws:sqs:us-east-1:123456789012:q"),
		ScalingConfig: &ScalingConfig{MaximumConcurrency: ptr(5)}})
	if err != nil {
		t.Fatal(err)
	}
	id := cfg.UUID
	// An update right after the creation is not undone by the other
	// nodes settling the created mapping.
	if _, err := ec.nodes[0].s.Update(ctx, scope, id, &Input{BatchSize: ptr(7)}); err != nil {
		t.Fatal(err)
	}
	for _, n := range ec.nodes {
		eventually(t, n.name+" has the update", func() bool {
			got, err := n.s.Get(ctx, scope, id)
			return err == nil && got.BatchSize == 7 && got.State == StateEnabled
		})
	}
	eventually(t, "every node polls", func() bool { return len(ec.runners(id, ec.nodes)) == 3 })
	eventually(t, "the shares add up to MaximumConcurrency", func() bool {
		sum := 0
		for _, n := range ec.nodes {
			n.s.mu.Lock()
			m := n.s.mappings[id]
			n.s.mu.Unlock()
			sum += n.s.share(m)
		}
		return sum == 5
	})
	if _, err := ec.nodes[1].s.Update(ctx, scope, id, &Input{Enabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "no node polls", func() bool { return len(ec.runners(id, ec.nodes)) == 0 })
	for _, n := range ec.nodes {
		eventually(t, n.name+" sees it disabled", func() bool {
			got, err := n.s.Get(ctx, scope, id)
			return err == nil && got.State == StateDisabled
		})
	}
	if _, err := ec.nodes[2].s.Update(ctx, scope, id, &Input{Enabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "every node polls again", func() bool { return len(ec.runners(id, ec.nodes)) == 3 })
}

// A node that joins and is the one rendezvous hashing prefers for a
// stream mapping takes it over once settled: the node reading it stops
// first (no two read it at once) and the newcomer resumes from the
// checkpoint, so each record is delivered once.
func TestStreamMappingHandedOver(t *testing.T) {
	ctx := context.Background()
	ec := startESM(t, 2)
	cfg, err := ec.nodes[0].s.Create(ctx, scope, &Input{FunctionName: ptr("fn"), EventSourceArn: ptr(streamARN), StartingPosition: ptr("TRIM_HORIZON")})
	if err != nil {
		t.Fatal(err)
	}
	id := cfg.UUID
	ec.stream.put(30)
	ec.d.waitAll(t, 30)
	eventually(t, "one node reads the mapping", func() bool { return len(ec.runners(id, ec.nodes)) == 1 })
	old := ec.runners(id, ec.nodes)[0]
	ec.checkpointed(t, old.s, id, 30)

	name := preferredName(id, []string{"n1", "n2"})
	joined := ec.add(t, name)
	eventually(t, name+" takes the mapping over", func() bool {
		r := ec.runners(id, ec.nodes)
		return len(r) == 1 && r[0] == joined
	})
	ec.stream.put(30)
	ec.d.waitAll(t, 60)
	ec.d.mu.Lock()
	defer ec.d.mu.Unlock()
	for i := 31; i <= 60; i++ {
		if ec.d.by[name][strconv.Itoa(i)] != 1 {
			t.Errorf("record %d: delivered by %s %d times", i, name, ec.d.by[name][strconv.Itoa(i)])
		}
	}
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

// Alone, a service runs every mapping itself, as before clusters.
func TestStreamMappingAlone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	st, err := natsstore.Open(ctx, natsstore.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	kv, err := st.KV(ctx, "esm")
	if err != nil {
		t.Fatal(err)
	}
	stream := newFakeStream()
	d := &deliveries{counts: map[string]int{}, by: map[string]map[string]int{}}
	s, err := New(ctx, kv, fakeQueues{}, recorder{node: "alone", d: d}, Options{Streams: stream})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { s.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	cfg, err := s.Create(ctx, scope, &Input{FunctionName: ptr("fn"), EventSourceArn: ptr(streamARN), StartingPosition: ptr("TRIM_HORIZON")})
	if err != nil {
		t.Fatal(err)
	}
	stream.put(20)
	d.waitAll(t, 20)
	if _, err := s.Delete(ctx, scope, cfg.UUID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the mapping is removed", func() bool {
		_, err := s.Get(ctx, scope, cfg.UUID)
		return err != nil
	})
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if len(s.running) != 0 {
		t.Errorf("pollers still running: %v", s.running)
	}
}
