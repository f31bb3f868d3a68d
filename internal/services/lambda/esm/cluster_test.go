package esm

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
)

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
