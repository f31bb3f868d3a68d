package events_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/services/events"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
	"github.com/nubo-dev/nubo/internal/timer"
	"github.com/nubo-dev/nubo/internal/timer/timertest"
)

// twoNodes are two services on one bucket, each following the other,
// each consuming the jobs of queue(i).
func twoNodes(t *testing.T, clock *timertest.Clock, targets *fakeTargets, queue func(i int) timer.Queue) [2]*events.Service {
	ctx, cancel := context.WithCancel(context.Background())
	st, err := natsstore.Open(ctx, natsstore.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	kv, err := st.KV(ctx, "events")
	if err != nil {
		t.Fatal(err)
	}
	archive, err := st.Stream(ctx, "EVARCHIVE", events.ArchivePrefix, natsstore.StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var nodes [2]*events.Service
	var wg sync.WaitGroup
	for i := range nodes {
		nodes[i], err = events.New(ctx, kv, events.Options{Account: account, Jobs: queue(i), Archive: archive, Targets: targets, Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		if err := nodes[i].Follow(ctx, kv.(store.Watchable)); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { nodes[i].Run(ctx) })
	}
	t.Cleanup(func() { cancel(); wg.Wait(); st.Close() })
	return nodes
}

// eventually waits up to thirty seconds for cond (a watch's delivery,
// which a loaded machine can delay for seconds).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 30 s", what)
		}
	}
}

// A bus, rule, targets, archive, connection and API destination created
// through one node are used through the other, and so are their
// deletions: the other node's PutEvents matches the new rule, then no
// longer.
func TestNodeFollowsTheOther(t *testing.T) {
	clock, targets := timertest.NewClock(start), &fakeTargets{}
	queues := [2]*timertest.Queue{timertest.NewQueue(clock), timertest.NewQueue(clock)}
	nodes := twoNodes(t, clock, targets, func(i int) timer.Queue { return queues[i] })
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	bus, err := a.CreateEventBus(ctx, region, events.CreateBusInput{Name: "orders"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.PutRule(ctx, region, events.PutRuleInput{Name: "big", EventBusName: "orders", EventPattern: `{"source": ["shop"]}`}); err != nil {
		t.Fatal(err)
	}
	if failed, err := a.PutTargets(ctx, region, "big", "orders", []events.Target{{Id: "q", Arn: queueA}}); err != nil || len(failed) > 0 {
		t.Fatalf("PutTargets: %v %+v", err, failed)
	}
	if _, err := a.CreateArchive(ctx, region, events.ArchiveInput{ArchiveName: "all", EventSourceArn: bus.Arn}); err != nil {
		t.Fatal(err)
	}
	c, err := a.CreateConnection(ctx, region, events.ConnectionInput{Name: "c", AuthorizationType: "API_KEY",
		AuthParameters: &events.AuthParameters{ApiKeyAuthParameters: &events.APIKeyAuth{ApiKeyName: "k", ApiKeyValue: "v"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateApiDestination(ctx, region, events.DestinationInput{Name: "d", ConnectionArn: c.ConnectionArn,
		InvocationEndpoint: "https://example.com/", HttpMethod: "POST"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B sees A's rule with its target, archive and API destination", func() bool {
		ts, _, err := b.ListTargetsByRule(ctx, region, "big", "orders", "", nil)
		_, aerr := b.DescribeArchive(ctx, region, "all")
		_, derr := b.DescribeApiDestination(ctx, region, "d")
		return err == nil && len(ts) == 1 && aerr == nil && derr == nil
	})
	put := func() {
		t.Helper()
		if _, failed, err := b.PutEvents(ctx, region, []events.Entry{{Source: "shop", DetailType: "x", Detail: "{}", EventBusName: "orders"}}); err != nil || failed > 0 {
			t.Fatalf("PutEvents: %v", err)
		}
		if _, err := queues[1].Advance(ctx, 0); err != nil {
			t.Fatal(err)
		}
	}
	put()
	if got := targets.to(queueA); len(got) != 1 {
		t.Fatalf("B's PutEvents reached A's rule's target %d times, want 1", len(got))
	}
	if _, err := a.RemoveTargets(ctx, region, "big", "orders", []string{"q"}); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteRule(ctx, region, "big", "orders"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B forgets the deleted rule", func() bool {
		_, err := b.DescribeRule(ctx, region, "big", "orders")
		return err != nil
	})
	put()
	if got := targets.to(queueA); len(got) != 0 {
		t.Fatalf("B's PutEvents reached the deleted rule's target %d times", len(got))
	}
	if err := a.DeleteEventBus(ctx, region, "orders"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B forgets the deleted bus", func() bool {
		_, err := b.DescribeEventBus(ctx, region, "orders")
		return err != nil
	})
}

// Two nodes handed every scheduled rule's job at once fire it once a
// minute, and a target added through either node while it runs stays.
func TestTwoNodesFireScheduledRuleOnce(t *testing.T) {
	clock, targets := timertest.NewClock(start), &fakeTargets{}
	jobs := timertest.NewNodes(timertest.NewQueue(clock), 2, "events.schedule")
	nodes := twoNodes(t, clock, targets, func(int) timer.Queue { return jobs })
	ctx := context.Background()
	if _, err := nodes[0].PutRule(ctx, region, events.PutRuleInput{Name: "tick", ScheduleExpression: "rate(1 minute)"}); err != nil {
		t.Fatal(err)
	}
	if failed, err := nodes[0].PutTargets(ctx, region, "tick", "", []events.Target{{Id: "q", Arn: queueA}}); err != nil || len(failed) > 0 {
		t.Fatalf("PutTargets: %v %+v", err, failed)
	}
	if _, err := jobs.Advance(ctx, 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B sees the rule's target", func() bool {
		ts, _, err := nodes[1].ListTargetsByRule(ctx, region, "tick", "", "", nil)
		return err == nil && len(ts) == 1
	})
	if failed, err := nodes[1].PutTargets(ctx, region, "tick", "", []events.Target{{Id: "q", Arn: queueA}, {Id: "q2", Arn: queueB}}); err != nil || len(failed) > 0 {
		t.Fatalf("PutTargets: %v %+v", err, failed)
	}
	eventually(t, "A sees the target B added", func() bool { // either node may fan the fires out
		ts, _, err := nodes[0].ListTargetsByRule(ctx, region, "tick", "", "", nil)
		return err == nil && len(ts) == 2
	})
	if _, err := jobs.Advance(ctx, 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	if a, b := len(targets.to(queueA)), len(targets.to(queueB)); a != 10 || b != 5 {
		t.Errorf("the rule fired %d times to its first target (want 10 in 10 minutes), %d to the one added after 5 (want 5)", a, b)
	}
}

// A rule put through one node is there on the other once that node has
// synced (as the wire layer does before each call): a client whose next
// call reaches the other node finds it.
func TestRuleSeenThroughTheOtherNodeAtOnce(t *testing.T) {
	clock := timertest.NewClock(start)
	nodes := twoNodes(t, clock, &fakeTargets{}, func(int) timer.Queue { return timertest.NewQueue(clock) })
	ctx := context.Background()
	for i := range 50 {
		name := fmt.Sprintf("r%d", i)
		if _, err := nodes[0].PutRule(ctx, region, events.PutRuleInput{Name: name, EventPattern: `{"source": ["shop"]}`}); err != nil {
			t.Fatal(err)
		}
		if err := nodes[1].Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := nodes[1].DescribeRule(ctx, region, name, ""); err != nil {
			t.Fatalf("rule %s through the other node: %v", name, err)
		}
	}
}
