package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	etypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	stypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
)

func (n *nubo) scheduler() *scheduler.Client {
	return scheduler.NewFromConfig(aws.Config{
		Region:       n.region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String("http://" + n.addr),
	})
}

func TestSchedulerGroupsAndSchedules(t *testing.T) {
	ctx := context.Background()
	n := sharedNubo(t)
	c := n.scheduler()
	g, err := c.CreateScheduleGroup(ctx, &scheduler.CreateScheduleGroupInput{Name: aws.String("team"),
		Tags: []stypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if err != nil || aws.ToString(g.ScheduleGroupArn) != "arn:aws:scheduler:"+n.region+":"+account+":schedule-group/team" {
		t.Fatalf("CreateScheduleGroup: %+v %v", g, err)
	}
	_, err = c.CreateScheduleGroup(ctx, &scheduler.CreateScheduleGroupInput{Name: aws.String("team")})
	checkError(t, err, apiError{code: "ConflictException", status: 409, message: "Schedule group team already exists."})
	isErr[*stypes.ConflictException](t, err)
	tags, err := c.ListTagsForResource(ctx, &scheduler.ListTagsForResourceInput{ResourceArn: g.ScheduleGroupArn})
	if err != nil || len(tags.Tags) != 1 {
		t.Fatalf("ListTagsForResource: %+v %v", tags, err)
	}
	target := &stypes.Target{Arn: aws.String(n.queueARNIn("nowhere")), RoleArn: aws.String(role), Input: aws.String(`{"a": 1}`),
		RetryPolicy: &stypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(3)}}
	in := &scheduler.CreateScheduleInput{Name: aws.String("nightly"), GroupName: aws.String("team"), ScheduleExpression: aws.String("cron(0 2 * * ? *)"),
		ScheduleExpressionTimezone: aws.String("Europe/Paris"), FlexibleTimeWindow: &stypes.FlexibleTimeWindow{Mode: stypes.FlexibleTimeWindowModeOff},
		Target: target, StartDate: aws.Time(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))}
	out, err := c.CreateSchedule(ctx, in)
	if err != nil || aws.ToString(out.ScheduleArn) != "arn:aws:scheduler:"+n.region+":"+account+":schedule/team/nightly" {
		t.Fatalf("CreateSchedule: %+v %v", out, err)
	}
	got, err := c.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("nightly"), GroupName: aws.String("team")})
	if err != nil || aws.ToString(got.ScheduleExpressionTimezone) != "Europe/Paris" || got.State != stypes.ScheduleStateEnabled ||
		aws.ToInt32(got.Target.RetryPolicy.MaximumRetryAttempts) != 3 || !got.StartDate.Equal(*in.StartDate) || got.CreationDate == nil {
		t.Fatalf("GetSchedule: %+v %v", got, err)
	}
	_, err = c.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("nightly")})
	checkError(t, err, apiError{code: "ResourceNotFoundException", status: 404, message: "Schedule nightly does not exist."})
	in.ScheduleExpression = aws.String("rate(10 seconds)")
	_, err = c.UpdateSchedule(ctx, &scheduler.UpdateScheduleInput{Name: in.Name, GroupName: in.GroupName, ScheduleExpression: in.ScheduleExpression,
		FlexibleTimeWindow: in.FlexibleTimeWindow, Target: target})
	checkError(t, err, apiError{code: "ValidationException", status: 400, message: "Invalid Schedule Expression rate(10 seconds)."})
	list, err := c.ListSchedules(ctx, &scheduler.ListSchedulesInput{GroupName: aws.String("team")})
	if err != nil || len(list.Schedules) != 1 || aws.ToString(list.Schedules[0].Target.Arn) != n.queueARNIn("nowhere") {
		t.Fatalf("ListSchedules: %+v %v", list, err)
	}
	groups, err := c.ListScheduleGroups(ctx, &scheduler.ListScheduleGroupsInput{})
	if err != nil || len(groups.ScheduleGroups) != 2 || aws.ToString(groups.ScheduleGroups[0].Name) != "default" {
		t.Fatalf("ListScheduleGroups: %+v %v", groups, err)
	}
	if _, err := c.DeleteScheduleGroup(ctx, &scheduler.DeleteScheduleGroupInput{Name: aws.String("team")}); err != nil {
		t.Fatal(err)
	}
	if list, _ := c.ListSchedules(ctx, &scheduler.ListSchedulesInput{}); len(list.Schedules) != 0 {
		t.Errorf("schedules outlived their group: %+v", list.Schedules)
	}
}

// One-time schedules invoke a queue (templated), SQS's SendMessage
// (universal) and an event bus, then delete themselves.
func TestSchedulerInvokesTargets(t *testing.T) {
	ctx := context.Background()
	n := startNubo(t, "")
	c, q, eb := n.scheduler(), n.sqs(), n.eventbridge()
	direct := n.createQueue(t, q, "direct", nil)
	universal := n.createQueue(t, q, "universal", nil)
	viaBus := n.createQueue(t, q, "via-bus", nil)
	rule, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("from-scheduler"), EventPattern: aws.String(`{"source": ["my.scheduler"]}`)})
	if err != nil {
		t.Fatal(err)
	}
	// The bus's rule delivers for itself: the queue must let it in.
	n.allowQueue(t, viaBus, source{"events.amazonaws.com", aws.ToString(rule.RuleArn)})
	eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("from-scheduler"), Targets: []etypes.Target{{Id: aws.String("q"), Arn: aws.String(queueARN("via-bus"))}}})
	for name, target := range map[string]*stypes.Target{
		"direct": {Arn: aws.String(queueARN("direct")), RoleArn: aws.String(role), Input: aws.String(`{"schedule": "<aws.scheduler.schedule-arn>"}`)},
		"universal": {Arn: aws.String("arn:aws:scheduler:::aws-sdk:sqs:sendMessage"), RoleArn: aws.String(role),
			Input: aws.String(`{"QueueUrl": "` + universal + `", "MessageBody": "from a universal target"}`)},
		"bus": {Arn: aws.String(busARN(region, "default")), RoleArn: aws.String(role), Input: aws.String(`{"n": 1}`),
			EventBridgeParameters: &stypes.EventBridgeParameters{Source: aws.String("my.scheduler"), DetailType: aws.String("Tick")}},
	} {
		at := "at(" + time.Now().UTC().Add(3*time.Second).Format("2006-01-02T15:04:05") + ")" // in a second or two
		if _, err := c.CreateSchedule(ctx, &scheduler.CreateScheduleInput{Name: aws.String(name), ScheduleExpression: aws.String(at),
			FlexibleTimeWindow: &stypes.FlexibleTimeWindow{Mode: stypes.FlexibleTimeWindowModeOff}, Target: target,
			ActionAfterCompletion: stypes.ActionAfterCompletionDelete}); err != nil {
			t.Fatalf("CreateSchedule %s: %v", name, err)
		}
	}
	if m := receiveBodies(t, q, direct, 1, 30*time.Second)[0]; aws.ToString(m.Body) != `{"schedule": "arn:aws:scheduler:`+region+`:`+account+`:schedule/default/direct"}` {
		t.Errorf("templated target got %s", aws.ToString(m.Body))
	}
	if m := receiveBodies(t, q, universal, 1, 30*time.Second)[0]; aws.ToString(m.Body) != "from a universal target" {
		t.Errorf("universal target got %s", aws.ToString(m.Body))
	}
	ev := decodeEvent(t, aws.ToString(receiveBodies(t, q, viaBus, 1, 30*time.Second)[0].Body))
	if ev["source"] != "my.scheduler" || ev["detail-type"] != "Tick" || ev["resources"].([]any)[0] != "arn:aws:scheduler:"+region+":"+account+":schedule/default/bus" {
		t.Errorf("event bus target got %v", ev)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		list, err := c.ListSchedules(ctx, &scheduler.ListSchedulesInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Schedules) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("one-time schedules with ActionAfterCompletion DELETE remain: %+v", list.Schedules)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
