package scheduler_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/services/scheduler"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
	"github.com/nubo-dev/nubo/internal/targets"
	"github.com/nubo-dev/nubo/internal/timer/timertest"
)

const (
	region = "us-east-1"
	queue  = "arn:aws:sqs:us-east-1:123456789012:q"
	dlq    = "arn:aws:sqs:us-east-1:123456789012:dlq"
	role   = "arn:aws:iam::123456789012:role/r"
)

var start = time.Date(2024, 3, 9, 0, 0, 0, 0, time.UTC)

type delivered struct {
	arn string
	m   targets.Message
	at  time.Time
}

// fakeTargets records deliveries with the clock's time; fail fails them.
type fakeTargets struct {
	clock *timertest.Clock
	mu    sync.Mutex
	got   []delivered
	fail  error
}

func (f *fakeTargets) Deliver(ctx context.Context, arn string, m targets.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil && arn != dlq {
		return f.fail
	}
	f.got = append(f.got, delivered{arn, m, f.clock.Now()})
	return nil
}

func (f *fakeTargets) take() []delivered {
	f.mu.Lock()
	defer f.mu.Unlock()
	got := f.got
	f.got = nil
	return got
}

type fixture struct {
	t       *testing.T
	svc     *scheduler.Service
	clock   *timertest.Clock
	jobs    *timertest.Queue
	targets *fakeTargets
	dir     string
	stop    func()
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{t: t, clock: timertest.NewClock(start), dir: t.TempDir()}
	f.jobs = timertest.NewQueue(f.clock)
	f.targets = &fakeTargets{clock: f.clock}
	f.open()
	return f
}

func (f *fixture) open() {
	ctx, cancel := context.WithCancel(context.Background())
	st, err := natsstore.Open(ctx, natsstore.Options{Dir: f.dir})
	if err != nil {
		f.t.Fatal(err)
	}
	kv, err := st.KV(ctx, "scheduler")
	if err != nil {
		f.t.Fatal(err)
	}
	f.svc, err = scheduler.New(ctx, kv, scheduler.Options{Account: "123456789012", Jobs: f.jobs, Targets: f.targets, Clock: f.clock,
		RetryDelay: func(n int) time.Duration { return time.Duration(n) * time.Minute }})
	if err != nil {
		f.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { f.svc.Run(ctx); close(done) }()
	stopped := false
	f.stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
			st.Close()
		}
	}
	f.t.Cleanup(f.stop)
}

func (f *fixture) advance(d time.Duration) {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := f.jobs.Advance(ctx, d); err != nil {
		f.t.Fatal(err)
	}
}

func off() scheduler.FlexibleTimeWindow { return scheduler.FlexibleTimeWindow{Mode: "OFF"} }

func (f *fixture) create(sc scheduler.Schedule) string {
	f.t.Helper()
	if sc.Target.Arn == "" {
		sc.Target = scheduler.Target{Arn: queue, RoleArn: role, Input: sc.Target.Input}
	}
	if sc.FlexibleTimeWindow.Mode == "" {
		sc.FlexibleTimeWindow = off()
	}
	arn, err := f.svc.CreateSchedule(context.Background(), region, sc)
	if err != nil {
		f.t.Fatal(err)
	}
	return arn
}

func times(ds []delivered) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.at.UTC().Format(time.RFC3339))
	}
	return out
}

func TestRateScheduleWithContextAttributes(t *testing.T) {
	f := newFixture(t)
	arn := f.create(scheduler.Schedule{Name: "s", ScheduleExpression: "rate(5 minutes)",
		Target: scheduler.Target{Input: `{"schedule": "<aws.scheduler.schedule-arn>", "at": "<aws.scheduler.scheduled-time>", "n": <aws.scheduler.attempt-number>}`}})
	if arn != "arn:aws:scheduler:us-east-1:123456789012:schedule/default/s" {
		t.Errorf("arn %s", arn)
	}
	f.advance(11 * time.Minute)
	got := f.targets.take()
	if strings.Join(times(got), " ") != "2024-03-09T00:05:00Z 2024-03-09T00:10:00Z" {
		t.Fatalf("invocations at %v", times(got))
	}
	if want := `{"schedule": "` + arn + `", "at": "2024-03-09T00:05:00Z", "n": 1}`; string(got[0].m.Body) != want {
		t.Errorf("input %s, want %s", got[0].m.Body, want)
	}
}

// cron(30 2 * * ? *) in Los Angeles does not run on the day 2:30 does not
// exist, as Scheduler's guide says.
func TestCronInATimeZoneAcrossDaylightSaving(t *testing.T) {
	f := newFixture(t)
	f.create(scheduler.Schedule{Name: "s", ScheduleExpression: "cron(30 2 * * ? *)", ScheduleExpressionTimezone: "America/Los_Angeles"})
	f.advance(72 * time.Hour)
	want := "2024-03-09T10:30:00Z 2024-03-11T09:30:00Z"
	if got := strings.Join(times(f.targets.take()), " "); got != want {
		t.Fatalf("invocations at %s, want %s", got, want)
	}
}

func TestOneTimeScheduleDeletesItselfAfterCompletion(t *testing.T) {
	f := newFixture(t)
	f.create(scheduler.Schedule{Name: "once", ScheduleExpression: "at(2024-03-09T08:00:00)", ActionAfterCompletion: "DELETE"})
	f.create(scheduler.Schedule{Name: "kept", ScheduleExpression: "at(2024-03-09T08:00:00)"})
	f.advance(24 * time.Hour)
	if got := times(f.targets.take()); len(got) != 2 || got[0] != "2024-03-09T08:00:00Z" {
		t.Fatalf("invocations %v", got)
	}
	if _, err := f.svc.GetSchedule(context.Background(), region, "", "once"); err == nil || err.Error() != "ResourceNotFoundException: Schedule once does not exist." {
		t.Errorf("after completion: %v", err)
	}
	if _, err := f.svc.GetSchedule(context.Background(), region, "", "kept"); err != nil {
		t.Errorf("a schedule without DELETE is kept: %v", err)
	}
}

func TestFlexibleWindowStartAndEndDates(t *testing.T) {
	f := newFixture(t)
	window := int32(10)
	f.create(scheduler.Schedule{Name: "flex", ScheduleExpression: "rate(1 hour)",
		FlexibleTimeWindow: scheduler.FlexibleTimeWindow{Mode: "FLEXIBLE", MaximumWindowInMinutes: &window}})
	f.create(scheduler.Schedule{Name: "bounded", ScheduleExpression: "cron(0 * * * ? *)", StartDate: start.Add(3 * time.Hour), EndDate: start.Add(5 * time.Hour),
		Target: scheduler.Target{Input: `"bounded"`}})
	f.advance(10 * time.Hour)
	var flex, bounded []string
	for _, d := range f.targets.take() {
		if string(d.m.Body) == `"bounded"` {
			bounded = append(bounded, d.at.Format("15:04"))
			continue
		}
		flex = append(flex, d.at.Format("15:04"))
		occ := d.at.Truncate(time.Hour)
		if d.at.Sub(occ) >= 10*time.Minute {
			t.Errorf("flexible invocation at %v, outside its window", d.at)
		}
	}
	if len(flex) < 9 { // the tenth may fall in its window after ten hours
		t.Errorf("flexible invocations %v", flex)
	}
	if strings.Join(bounded, " ") != "03:00 04:00 05:00" {
		t.Errorf("bounded invocations %v", bounded)
	}
}

// Invocations missed while nubo was down are one invocation when it is
// back; one older than the maximum event age is dropped.
func TestMissedInvocationsAfterDowntime(t *testing.T) {
	f := newFixture(t)
	age := int32(600)
	f.create(scheduler.Schedule{Name: "young", ScheduleExpression: "rate(1 minute)"})
	f.create(scheduler.Schedule{Name: "old", ScheduleExpression: "rate(1 minute)",
		Target: scheduler.Target{Arn: dlq, RoleArn: role, RetryPolicy: &scheduler.RetryPolicy{MaximumEventAgeInSeconds: &age}}})
	f.advance(time.Minute)
	f.targets.take()
	f.stop()
	f.clock.Set(start.Add(time.Hour + 30*time.Second))
	f.open()
	f.advance(0)
	got := f.targets.take()
	if len(got) != 1 || got[0].arn != queue || got[0].m.Time != start.Add(2*time.Minute) {
		t.Fatalf("after an hour down: %+v", got)
	}
	f.advance(30 * time.Second)
	if got := f.targets.take(); len(got) != 2 {
		t.Fatalf("the next minute: %+v", got)
	}
}

func TestFailedInvocationsAreRetriedThenDeadLettered(t *testing.T) {
	f := newFixture(t)
	retries := int32(1)
	arn := f.create(scheduler.Schedule{Name: "s", ScheduleExpression: "at(2024-03-09T01:00:00)",
		Target: scheduler.Target{Arn: queue, RoleArn: role, Input: `{"x": 1}`, RetryPolicy: &scheduler.RetryPolicy{MaximumRetryAttempts: &retries},
			DeadLetterConfig: &scheduler.DeadLetterConfig{Arn: dlq}}})
	f.targets.fail = errors.New("connection refused")
	f.advance(time.Hour)
	if got := f.targets.take(); len(got) != 0 {
		t.Fatalf("dead-lettered before its retry: %+v", got)
	}
	f.advance(time.Minute)
	got := f.targets.take()
	if len(got) != 1 || got[0].arn != dlq || string(got[0].m.Body) != `{"x": 1}` {
		t.Fatalf("dead letters %+v", got)
	}
	a := got[0].m.Attributes
	if a["SCHEDULE_ARN"].StringValue != arn || a["TARGET_ARN"].StringValue != queue || a["ERROR_CODE"].StringValue != "InternalError" ||
		a["ERROR_MESSAGE"].StringValue != "connection refused" || a["EXECUTION_ID"].StringValue == "" {
		t.Errorf("attributes %+v", a)
	}
}

func TestScheduleChecksAndGroups(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, c := range []struct {
		sc   scheduler.Schedule
		want string
	}{
		{scheduler.Schedule{Name: "s", ScheduleExpression: "rate(10 seconds)", FlexibleTimeWindow: off(), Target: scheduler.Target{Arn: queue, RoleArn: role}},
			"ValidationException: Invalid Schedule Expression rate(10 seconds)."},
		{scheduler.Schedule{Name: "s", ScheduleExpression: "rate(1 hour)", Target: scheduler.Target{Arn: queue, RoleArn: role}},
			"ValidationException: 1 validation error detected: Value null at 'flexibleTimeWindow' failed to satisfy constraint: Member must not be null"},
		{scheduler.Schedule{Name: "s", GroupName: "nope", ScheduleExpression: "rate(1 hour)", FlexibleTimeWindow: off(), Target: scheduler.Target{Arn: queue, RoleArn: role}},
			"ResourceNotFoundException: Schedule group nope does not exist."},
		{scheduler.Schedule{Name: "s", ScheduleExpression: "rate(1 hour)", FlexibleTimeWindow: off(), Target: scheduler.Target{Arn: "arn:aws:kinesis:us-east-1:123456789012:stream/x", RoleArn: role}},
			"ValidationException: nubo cannot invoke arn:aws:kinesis:us-east-1:123456789012:stream/x: templated targets may be Lambda functions, SQS queues, SNS topics, event buses and Step Functions state machines."},
	} {
		_, err := f.svc.CreateSchedule(ctx, region, c.sc)
		if err == nil || err.Error() != c.want {
			t.Errorf("%+v:\n got %v\nwant %s", c.sc, err, c.want)
		}
	}
	if _, err := f.svc.CreateScheduleGroup(ctx, region, "team", []scheduler.Tag{{Key: "k", Value: "v"}}); err != nil {
		t.Fatal(err)
	}
	f.create(scheduler.Schedule{Name: "s", GroupName: "team", ScheduleExpression: "rate(1 hour)"})
	_, err := f.svc.CreateSchedule(ctx, region, scheduler.Schedule{Name: "s", GroupName: "team", ScheduleExpression: "rate(1 hour)", FlexibleTimeWindow: off(),
		Target: scheduler.Target{Arn: queue, RoleArn: role}})
	if err == nil || err.Error() != "ConflictException: Schedule s already exists." {
		t.Errorf("duplicate: %v", err)
	}
	list, _, err := f.svc.ListSchedules(ctx, region, "team", "", "", "", nil)
	if err != nil || len(list) != 1 || list[0].Arn != "arn:aws:scheduler:us-east-1:123456789012:schedule/team/s" {
		t.Errorf("ListSchedules: %+v %v", list, err)
	}
	if err := f.svc.DeleteScheduleGroup(ctx, region, "team"); err != nil {
		t.Fatal(err)
	}
	if list, _, _ := f.svc.ListSchedules(ctx, region, "", "", "", "", nil); len(list) != 0 {
		t.Errorf("the group's schedules outlived it: %+v", list)
	}
	f.advance(2 * time.Hour)
	if got := f.targets.take(); len(got) != 0 {
		t.Errorf("a deleted schedule ran: %+v", got)
	}
}
