package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/services/scheduler"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
	"github.com/nubo-dev/nubo/internal/timer/timertest"
)

// twoNodes are two services on one bucket, each following the other.
func twoNodes(t *testing.T) (*fixture, [2]*scheduler.Service) {
	ctx, cancel := context.WithCancel(context.Background())
	f := &fixture{t: t, clock: timertest.NewClock(start), dir: t.TempDir()}
	f.jobs = timertest.NewQueue(f.clock)
	f.targets = &fakeTargets{clock: f.clock}
	jobs := timertest.NewNodes(f.jobs, 2, "scheduler.fire")
	st, err := natsstore.Open(ctx, natsstore.Options{Dir: f.dir})
	if err != nil {
		t.Fatal(err)
	}
	kv, err := st.KV(ctx, "scheduler")
	if err != nil {
		t.Fatal(err)
	}
	var nodes [2]*scheduler.Service
	var wg sync.WaitGroup
	for i := range nodes {
		nodes[i], err = scheduler.New(ctx, kv, scheduler.Options{Account: "123456789012", Jobs: jobs, Targets: f.targets, Clock: f.clock})
		if err != nil {
			t.Fatal(err)
		}
		if err := nodes[i].Follow(ctx, kv.(store.Watchable)); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { nodes[i].Run(ctx) })
	}
	t.Cleanup(func() { cancel(); wg.Wait(); st.Close() })
	f.svc = nodes[0]
	return f, nodes
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

// Two nodes handed every schedule job at once fire each occurrence once:
// a rate schedule's every minute, a one-time schedule's one time.
func TestTwoNodesFireOnce(t *testing.T) {
	f, _ := twoNodes(t)
	f.create(scheduler.Schedule{Name: "every-minute", ScheduleExpression: "rate(1 minute)"})
	f.create(scheduler.Schedule{Name: "once", ScheduleExpression: "at(2024-03-09T00:05:30)", Target: scheduler.Target{Input: `"once"`}})
	f.advance(10 * time.Minute)
	var once, rate int
	for _, d := range f.targets.take() {
		if string(d.m.Body) == `"once"` {
			once++
		} else {
			rate++
		}
	}
	if once != 1 || rate != 10 {
		t.Errorf("the one-time schedule fired %d times (want 1), the rate schedule %d (want 10 in 10 minutes)", once, rate)
	}
}

// A schedule or group written through one node is read, listed and
// deleted through the other.
func TestNodeFollowsTheOther(t *testing.T) {
	_, nodes := twoNodes(t)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	if _, err := a.CreateScheduleGroup(ctx, region, "g", nil); err != nil {
		t.Fatal(err)
	}
	sc := scheduler.Schedule{Name: "s", GroupName: "g", ScheduleExpression: "rate(5 minutes)", FlexibleTimeWindow: off(),
		Target: scheduler.Target{Arn: queue, RoleArn: role}}
	if _, err := a.CreateSchedule(ctx, region, sc); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B reads A's schedule", func() bool {
		got, err := b.GetSchedule(ctx, region, "g", "s")
		return err == nil && got.ScheduleExpression == "rate(5 minutes)"
	})
	sc.ScheduleExpression = "rate(7 minutes)"
	if _, err := b.UpdateSchedule(ctx, region, sc); err != nil {
		t.Fatal(err)
	}
	eventually(t, "A reads B's update", func() bool {
		got, err := a.GetSchedule(ctx, region, "g", "s")
		return err == nil && got.ScheduleExpression == "rate(7 minutes)"
	})
	if err := a.DeleteScheduleGroup(ctx, region, "g"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B forgets the deleted group and its schedule", func() bool {
		_, err := b.GetSchedule(ctx, region, "g", "s")
		return err != nil
	})
}

// failOnce fails the first invocation a schedule queues, as a node that
// died after claiming the fire would leave it.
type failOnce struct {
	*timertest.Queue
	failed bool
}

func (q *failOnce) At(ctx context.Context, subject string, data []byte, due time.Time) error {
	if subject == "scheduler.retry" && !q.failed {
		q.failed = true
		return errors.New("node died")
	}
	return q.Queue.At(ctx, subject, data, due)
}

// A fire whose handler failed after claiming it is queued by the job's
// next delivery, once, and the schedule goes on.
func TestClaimLeftByAFailedHandlerIsQueued(t *testing.T) {
	f := &fixture{t: t, clock: timertest.NewClock(start), dir: t.TempDir()}
	f.jobs = timertest.NewQueue(f.clock)
	f.targets = &fakeTargets{clock: f.clock}
	ctx, cancel := context.WithCancel(context.Background())
	st, err := natsstore.Open(ctx, natsstore.Options{Dir: f.dir})
	if err != nil {
		t.Fatal(err)
	}
	kv, err := st.KV(ctx, "scheduler")
	if err != nil {
		t.Fatal(err)
	}
	f.svc, err = scheduler.New(ctx, kv, scheduler.Options{Account: "123456789012", Jobs: &failOnce{Queue: f.jobs}, Targets: f.targets, Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { f.svc.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; st.Close() })
	f.create(scheduler.Schedule{Name: "every-5", ScheduleExpression: "rate(5 minutes)"})
	f.advance(20 * time.Minute)
	got := times(f.targets.take())
	want := []string{"2024-03-09T00:05:30Z", "2024-03-09T00:10:00Z", "2024-03-09T00:15:00Z", "2024-03-09T00:20:00Z"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("invocations at %v, want %v (the first after its job came back)", got, want)
	}
}

// A group created through one node is there on the other once that node
// has synced (as the wire layer does before each call).
func TestGroupSeenThroughTheOtherNodeAtOnce(t *testing.T) {
	_, nodes := twoNodes(t)
	ctx := context.Background()
	for i := range 50 {
		name := fmt.Sprintf("g%d", i)
		if _, err := nodes[0].CreateScheduleGroup(ctx, "us-east-1", name, nil); err != nil {
			t.Fatal(err)
		}
		if err := nodes[1].Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := nodes[1].GetScheduleGroup(ctx, "us-east-1", name); err != nil {
			t.Fatalf("group %s through the other node: %v", name, err)
		}
	}
}
