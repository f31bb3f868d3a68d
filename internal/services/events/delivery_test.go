package events_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/services/events"
	"github.com/nubo-dev/nubo/internal/targets"
)

const (
	queueA = "arn:aws:sqs:us-east-1:123456789012:a"
	queueB = "arn:aws:sqs:us-east-1:123456789012:b"
	dlq    = "arn:aws:sqs:us-east-1:123456789012:dlq"
	fnArn  = "arn:aws:lambda:us-east-1:123456789012:function:f"
)

func order(detail string) events.Entry {
	return events.Entry{Source: "shop", DetailType: "Order Placed", Detail: detail}
}

func TestEventsReachEveryMatchingRulesTargets(t *testing.T) {
	f := newFixture(t)
	f.putRule("all-orders", "", `{"source": ["shop"]}`)
	f.putRule("big-orders", "", `{"detail": {"total": [{"numeric": [">", 100]}]}}`)
	f.putRule("other", "", `{"source": ["elsewhere"]}`)
	f.putTargets("all-orders", "", events.Target{Id: "q", Arn: queueA}, events.Target{Id: "fn", Arn: fnArn})
	f.putTargets("big-orders", "", events.Target{Id: "q", Arn: queueA})
	f.putTargets("other", "", events.Target{Id: "q", Arn: queueB})
	res := f.putEvents(order(`{"total": 250}`), order(`{"total": 5}`))
	if f.jobs.Pending("events.ingest") != 1 {
		t.Fatalf("the request's events are %d jobs, want 1 stored before PutEvents returned", f.jobs.Pending("events.ingest"))
	}
	f.advance(0)
	got := f.targets.to(queueA)
	if len(got) != 3 {
		t.Fatalf("queue a got %d events, want 3 (two rules for the first, one for the second)", len(got))
	}
	env := envelope(t, got[0].Body)
	want := map[string]any{"version": "0", "id": res[0].EventId, "detail-type": "Order Placed", "source": "shop",
		"account": account, "time": "2024-05-01T10:00:00Z", "region": region, "resources": []any{}}
	for k, v := range want {
		if fmt.Sprint(env[k]) != fmt.Sprint(v) {
			t.Errorf("%s = %v, want %v", k, env[k], v)
		}
	}
	if fmt.Sprint(env["detail"]) != "map[total:250]" {
		t.Errorf("detail %v", env["detail"])
	}
	if got[0].ID != res[0].EventId {
		t.Errorf("message id %q, want the event's", got[0].ID)
	}
	if n := len(f.targets.to(fnArn)); n != 2 {
		t.Errorf("the function got %d events, want 2", n)
	}
	if n := len(f.targets.to(queueB)); n != 0 {
		t.Errorf("queue b got %d events", n)
	}
	if f.metrics.get(events.MetricTriggeredRules, "all-orders") != 2 || f.metrics.get(events.MetricInvocations, "big-orders") != 1 {
		t.Errorf("metrics %v", f.metrics.n)
	}
}

func TestPutEventsRefusesBadEntries(t *testing.T) {
	f := newFixture(t)
	res, failed, err := f.svc.PutEvents(context.Background(), region, []events.Entry{
		{DetailType: "x", Detail: "{}"},
		{Source: "s", Detail: "{}"},
		{Source: "s", DetailType: "x"},
		{Source: "s", DetailType: "x", Detail: `"a string"`},
		{Source: "s", DetailType: "x", Detail: "{}", EventBusName: "nope"},
		{Source: "s", DetailType: "x", Detail: "{}"},
	})
	if err != nil || failed != 5 {
		t.Fatalf("failed %d, %v", failed, err)
	}
	want := []string{
		"InvalidArgument: Parameter Source is not valid. Reason: Source is a required argument.",
		"InvalidArgument: Parameter DetailType is not valid. Reason: DetailType is a required argument.",
		"InvalidArgument: Parameter Detail is not valid. Reason: Detail is a required argument.",
		"MalformedDetail: Detail is malformed.",
		"ResourceNotFoundException: Event bus nope does not exist.",
		": ",
	}
	for i, r := range res {
		if got := r.ErrorCode + ": " + r.ErrorMessage; got != want[i] {
			t.Errorf("entry %d: %q, want %q", i, got, want[i])
		}
	}
	if res[5].EventId == "" {
		t.Error("the good entry has no id")
	}
	big := make([]events.Entry, 2)
	for i := range big {
		big[i] = order(fmt.Sprintf(`{"pad": %q}`, make([]byte, 140_000)))
	}
	_, _, err = f.svc.PutEvents(context.Background(), region, big)
	if err == nil || err.Error() != "ValidationException: Total size of the entries in the request is over the limit." {
		t.Errorf("too big: %v", err)
	}
}

func TestFailingTargetIsRetriedThenDeadLettered(t *testing.T) {
	f := newFixture(t)
	ruleARN := f.putRule("r", "", `{"source": ["shop"]}`)
	retries, age := int32(2), int32(3600)
	f.putTargets("r", "",
		events.Target{Id: "down", Arn: queueA, RetryPolicy: &events.RetryPolicy{MaximumRetryAttempts: &retries, MaximumEventAgeInSeconds: &age},
			DeadLetterConfig: &events.DeadLetterConfig{Arn: dlq}},
		events.Target{Id: "up", Arn: queueB})
	f.targets.failWith(queueA, errDown)
	f.putEvents(order(`{"n": 1}`))
	f.advance(0)
	if len(f.targets.to(queueB)) != 1 {
		t.Fatal("the healthy target waited for the failing one")
	}
	f.advance(time.Minute) // first retry
	if len(f.targets.to(dlq)) != 0 {
		t.Fatal("dead-lettered before its retries")
	}
	f.advance(2 * time.Minute) // second retry, then the dead-letter queue
	got := f.targets.to(dlq)
	if len(got) != 1 {
		t.Fatalf("dead-letter queue got %d messages", len(got))
	}
	attrs := map[string]string{}
	for k, a := range got[0].Attributes {
		attrs[k] = a.StringValue
	}
	want := map[string]string{"RULE_ARN": ruleARN, "TARGET_ARN": queueA, "ERROR_CODE": "SDK_CLIENT_ERROR",
		"ERROR_MESSAGE": "connection refused", "RETRY_ATTEMPTS": "2", "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts"}
	if fmt.Sprint(attrs) != fmt.Sprint(want) {
		t.Errorf("attributes %v\nwant %v", attrs, want)
	}
	if envelope(t, got[0].Body)["source"] != "shop" {
		t.Errorf("the dead letter is not the event: %s", got[0].Body)
	}
	if f.metrics.get(events.MetricFailedInvocations, "r") != 1 || f.metrics.get(events.MetricSentToDLQ, "r") != 1 {
		t.Errorf("metrics %v", f.metrics.n)
	}
}

func TestMissingTargetGoesStraightToTheDeadLetterQueue(t *testing.T) {
	f := newFixture(t)
	f.putRule("r", "", `{"source": ["shop"]}`)
	f.putTargets("r", "", events.Target{Id: "gone", Arn: fnArn, DeadLetterConfig: &events.DeadLetterConfig{Arn: dlq}})
	f.targets.failWith(fnArn, fmt.Errorf("%w: Function not found", targets.ErrNotFound))
	f.putEvents(order(`{}`))
	f.advance(0)
	got := f.targets.to(dlq)
	if len(got) != 1 || got[0].Attributes["ERROR_CODE"].StringValue != "NO_RESOURCE" || got[0].Attributes["RETRY_ATTEMPTS"].StringValue != "0" {
		t.Fatalf("dead letters %+v", got)
	}
}

func TestTargetDownLosesNothingAcrossARestart(t *testing.T) {
	f := newFixture(t)
	f.putRule("r", "", `{"source": ["shop"]}`)
	f.putTargets("r", "", events.Target{Id: "q", Arn: queueA})
	f.targets.failWith(queueA, errDown)
	for i := range 5 {
		f.putEvents(order(fmt.Sprintf(`{"n": %d}`, i)))
	}
	f.advance(0)
	f.stop()
	f.open() // the retries are durable jobs; the service comes back to them
	f.targets.failWith(queueA, nil)
	f.advance(time.Minute)
	if n := len(f.targets.to(queueA)); n != 5 {
		t.Fatalf("delivered %d of 5 events after the target came back", n)
	}
}

func TestEventAgeBoundsRetries(t *testing.T) {
	f := newFixture(t)
	f.putRule("r", "", `{"source": ["shop"]}`)
	age := int32(120)
	f.putTargets("r", "", events.Target{Id: "q", Arn: queueA, RetryPolicy: &events.RetryPolicy{MaximumEventAgeInSeconds: &age},
		DeadLetterConfig: &events.DeadLetterConfig{Arn: dlq}})
	f.targets.failWith(queueA, errDown)
	f.putEvents(order(`{}`))
	f.advance(10 * time.Minute)
	got := f.targets.to(dlq)
	if len(got) != 1 || got[0].Attributes["EXHAUSTED_RETRY_CONDITION"].StringValue != "MaximumEventAgeInSeconds" {
		t.Fatalf("dead letters %+v", got)
	}
}

func TestSQSFIFOTargetGetsGroupAndDeduplicationIDs(t *testing.T) {
	f := newFixture(t)
	f.putRule("r", "", `{"source": ["shop"]}`)
	fifo := "arn:aws:sqs:us-east-1:123456789012:q.fifo"
	f.putTargets("r", "", events.Target{Id: "q", Arn: fifo, SqsParameters: &events.SqsParameters{MessageGroupId: "orders"}})
	res := f.putEvents(order(`{}`))
	f.advance(0)
	got := f.targets.to(fifo)
	if len(got) != 1 || got[0].GroupID != "orders" || got[0].DeduplicationID != res[0].EventId {
		t.Fatalf("%+v", got)
	}
}
