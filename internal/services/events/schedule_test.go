package events_test

import (
	"context"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/services/events"
)

func (f *fixture) putSchedule(name, expr string) string {
	f.t.Helper()
	arn, err := f.svc.PutRule(context.Background(), region, events.PutRuleInput{Name: name, ScheduleExpression: expr})
	if err != nil {
		f.t.Fatal(err)
	}
	f.putTargets(name, "", events.Target{Id: "q", Arn: queueA})
	return arn
}

// fireTimes are the times of the Scheduled Events queue a got.
func (f *fixture) fireTimes() []string {
	var out []string
	for _, m := range f.targets.to(queueA) {
		out = append(out, envelope(f.t, m.Body)["time"].(string))
	}
	return out
}

func TestScheduledRuleFiresOnTimeWithAWSsEvent(t *testing.T) {
	f := newFixture(t)
	ruleARN := f.putSchedule("every-5", "rate(5 minutes)")
	f.advance(4*time.Minute + 59*time.Second)
	if got := f.fireTimes(); len(got) != 0 {
		t.Fatalf("fired early: %v", got)
	}
	f.advance(time.Second)
	msgs := f.targets.to(queueA)
	if len(msgs) != 1 {
		t.Fatalf("%d fires at 5 minutes", len(msgs))
	}
	env := envelope(t, msgs[0].Body)
	if env["detail-type"] != "Scheduled Event" || env["source"] != "aws.events" || env["time"] != "2024-05-01T10:05:00Z" ||
		len(env["resources"].([]any)) != 1 || env["resources"].([]any)[0] != ruleARN || len(env["detail"].(map[string]any)) != 0 {
		t.Errorf("scheduled event %s", msgs[0].Body)
	}
	f.advance(20 * time.Minute)
	want := []string{"2024-05-01T10:10:00Z", "2024-05-01T10:15:00Z", "2024-05-01T10:20:00Z", "2024-05-01T10:25:00Z"}
	if got := f.fireTimes(); len(got) != 4 || got[0] != want[0] || got[3] != want[3] {
		t.Errorf("fires %v, want %v", got, want)
	}
}

func TestCronRuleAndDisable(t *testing.T) {
	f := newFixture(t)
	f.putSchedule("noon", "cron(0 12 * * ? *)")
	f.advance(48 * time.Hour)
	if got := f.fireTimes(); len(got) != 2 || got[0] != "2024-05-01T12:00:00Z" || got[1] != "2024-05-02T12:00:00Z" {
		t.Fatalf("fires %v", got)
	}
	if err := f.svc.SetRuleState(context.Background(), region, "noon", "", false); err != nil {
		t.Fatal(err)
	}
	f.advance(48 * time.Hour)
	if got := f.fireTimes(); len(got) != 0 {
		t.Fatalf("a disabled rule fired: %v", got)
	}
	f.svc.SetRuleState(context.Background(), region, "noon", "", true)
	f.advance(24 * time.Hour)
	if got := f.fireTimes(); len(got) != 1 {
		t.Fatalf("enabled again: %v", got)
	}
	// A new expression replaces the schedule: the old one's job is dropped.
	f.svc.PutRule(context.Background(), region, events.PutRuleInput{Name: "noon", ScheduleExpression: "rate(1 hour)"})
	f.advance(3 * time.Hour)
	if got := f.fireTimes(); len(got) != 3 {
		t.Fatalf("after the change: %v", got)
	}
}

// A rule whose fires fell due while nubo was down fires once when it is
// back, then keeps its schedule; and no fire comes twice.
func TestMissedFiresAfterDowntime(t *testing.T) {
	f := newFixture(t)
	f.putSchedule("every-minute", "rate(1 minute)")
	f.advance(time.Minute)
	if got := f.fireTimes(); len(got) != 1 {
		t.Fatalf("before: %v", got)
	}
	f.stop()
	f.clock.Set(start.Add(time.Hour + 30*time.Second)) // down for an hour
	f.open()
	f.advance(0)
	got := f.fireTimes()
	if len(got) != 1 || got[0] != "2024-05-01T10:02:00Z" {
		t.Fatalf("after an hour down: %v, want the one missed fire", got)
	}
	f.advance(30 * time.Second)
	if got := f.fireTimes(); len(got) != 1 || got[0] != "2024-05-01T11:01:00Z" {
		t.Fatalf("next fire %v", got)
	}
	if due, ok := f.jobs.NextDue("events.schedule"); !ok || !due.Equal(start.Add(time.Hour+2*time.Minute)) {
		t.Errorf("next job due %v %v", due, ok)
	}
}

func TestScheduleExpressionChecks(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, c := range []struct {
		in   events.PutRuleInput
		want string
	}{
		{events.PutRuleInput{Name: "r", ScheduleExpression: "rate(5 minute)"}, "ValidationException: Parameter ScheduleExpression is not valid."},
		{events.PutRuleInput{Name: "r", ScheduleExpression: "cron(0 12 * * * *)"}, "ValidationException: Parameter ScheduleExpression is not valid."},
		{events.PutRuleInput{Name: "r"}, "ValidationException: Parameter(s) EventPattern or ScheduleExpression must be specified."},
		{events.PutRuleInput{Name: "r", EventPattern: `{"source": "x"}`}, "InvalidEventPatternException: Event pattern is not valid. Reason: \"source\" must be an object or an array\n at [Source: (String)\"{\"source\": \"x\"}\"; line: 1, column: 13]"},
		{events.PutRuleInput{Name: "bad name!", EventPattern: `{}`}, `ValidationException: 1 validation error detected: Value 'bad name!' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+`},
	} {
		_, err := f.svc.PutRule(ctx, region, c.in)
		if err == nil || err.Error() != c.want {
			t.Errorf("%+v: %v\nwant %s", c.in, err, c.want)
		}
	}
	if _, err := f.svc.CreateEventBus(ctx, region, events.CreateBusInput{Name: "custom"}); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.PutRule(ctx, region, events.PutRuleInput{Name: "r", EventBusName: "custom", ScheduleExpression: "rate(1 hour)"})
	if err == nil || err.Error() != "ValidationException: ScheduleExpression is supported only on the default event bus." {
		t.Errorf("custom bus schedule: %v", err)
	}
}
