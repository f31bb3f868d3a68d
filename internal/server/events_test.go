package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	etypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// eventbridge is an SDK client (AWS JSON 1.1) acting in n's region.
func (n *nubo) eventbridge() *eventbridge.Client {
	return eventbridge.NewFromConfig(aws.Config{
		Region:       n.region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String("http://" + n.addr),
	})
}

func busARN(region, name string) string {
	return "arn:aws:events:" + region + ":" + account + ":event-bus/" + name
}

func TestEventBridgeBusesRulesAndTargets(t *testing.T) {
	ctx := context.Background()
	n := sharedNubo(t)
	c := n.eventbridge()
	out, err := c.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("orders"), Description: aws.String("d"),
		Tags: []etypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}}})
	if err != nil || aws.ToString(out.EventBusArn) != busARN(n.region, "orders") {
		t.Fatalf("CreateEventBus: %+v %v", out, err)
	}
	_, err = c.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("orders")})
	checkError(t, err, apiError{code: "ResourceAlreadyExistsException", status: 400, message: "Event bus orders already exists."})
	isErr[*etypes.ResourceAlreadyExistsException](t, err)
	_, err = c.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: aws.String("nope")})
	checkError(t, err, apiError{code: "ResourceNotFoundException", status: 400, message: "Event bus nope does not exist."})
	_, err = c.DeleteEventBus(ctx, &eventbridge.DeleteEventBusInput{Name: aws.String("default")})
	checkError(t, err, apiError{code: "ValidationException", status: 400, message: "Cannot delete event bus default."})
	if _, err := c.PutPermission(ctx, &eventbridge.PutPermissionInput{EventBusName: aws.String("orders"), Action: aws.String("events:PutEvents"),
		Principal: aws.String("111122223333"), StatementId: aws.String("partner")}); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: aws.String(busARN(n.region, "orders"))})
	if err != nil || !strings.Contains(aws.ToString(d.Policy), `"Sid":"partner"`) || d.CreationTime == nil {
		t.Fatalf("DescribeEventBus: %+v %v", d, err)
	}
	_, err = c.RemovePermission(ctx, &eventbridge.RemovePermissionInput{EventBusName: aws.String("orders"), StatementId: aws.String("other")})
	checkError(t, err, apiError{code: "ResourceNotFoundException", status: 400, message: "Statement with the provided id does not exist."})
	buses, err := c.ListEventBuses(ctx, &eventbridge.ListEventBusesInput{})
	if err != nil || len(buses.EventBuses) != 2 || aws.ToString(buses.EventBuses[0].Name) != "default" {
		t.Fatalf("ListEventBuses: %+v %v", buses, err)
	}

	rule, err := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("big"), EventBusName: aws.String("orders"),
		EventPattern: aws.String(`{"detail": {"total": [{"numeric": [">", 100]}]}}`), Description: aws.String("big orders")})
	if err != nil || aws.ToString(rule.RuleArn) != "arn:aws:events:"+n.region+":"+account+":rule/orders/big" {
		t.Fatalf("PutRule: %+v %v", rule, err)
	}
	_, err = c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("bad"), EventPattern: aws.String(`{"source": "x"}`)})
	checkError(t, err, apiError{code: "InvalidEventPatternException", status: 400,
		message: "Event pattern is not valid. Reason: \"source\" must be an object or an array\n at [Source: (String)\"{\"source\": \"x\"}\"; line: 1, column: 13]"})
	_, err = c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("bad"), ScheduleExpression: aws.String("rate(1 minutes)")})
	checkError(t, err, apiError{code: "ValidationException", status: 400, message: "Parameter ScheduleExpression is not valid."})
	q := n.queueARNIn("q1")
	put, err := c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("big"), EventBusName: aws.String("orders"), Targets: []etypes.Target{
		{Id: aws.String("q"), Arn: aws.String(q), RetryPolicy: &etypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(3)}},
		{Id: aws.String("k"), Arn: aws.String("arn:aws:kinesis:" + n.region + ":" + account + ":stream/s")}}})
	if err != nil || put.FailedEntryCount != 1 || aws.ToString(put.FailedEntries[0].TargetId) != "k" {
		t.Fatalf("PutTargets: %+v %v", put, err)
	}
	ts, err := c.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("big"), EventBusName: aws.String("orders")})
	if err != nil || len(ts.Targets) != 1 || aws.ToInt32(ts.Targets[0].RetryPolicy.MaximumRetryAttempts) != 3 {
		t.Fatalf("ListTargetsByRule: %+v %v", ts, err)
	}
	names, err := c.ListRuleNamesByTarget(ctx, &eventbridge.ListRuleNamesByTargetInput{TargetArn: aws.String(q), EventBusName: aws.String("orders")})
	if err != nil || len(names.RuleNames) != 1 || names.RuleNames[0] != "big" {
		t.Fatalf("ListRuleNamesByTarget: %+v %v", names, err)
	}
	if _, err := c.DisableRule(ctx, &eventbridge.DisableRuleInput{Name: aws.String("big"), EventBusName: aws.String("orders")}); err != nil {
		t.Fatal(err)
	}
	dr, err := c.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("big"), EventBusName: aws.String("orders")})
	if err != nil || dr.State != etypes.RuleStateDisabled || aws.ToString(dr.EventBusName) != "orders" || aws.ToString(dr.Description) != "big orders" {
		t.Fatalf("DescribeRule: %+v %v", dr, err)
	}
	_, err = c.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String("big"), EventBusName: aws.String("orders")})
	checkError(t, err, apiError{code: "ValidationException", status: 400, message: "Rule can't be deleted since it has targets."})
	c.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String("big"), EventBusName: aws.String("orders"), Ids: []string{"q"}})
	if _, err := c.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String("big"), EventBusName: aws.String("orders")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("big"), EventBusName: aws.String("orders")})
	checkError(t, err, apiError{code: "ResourceNotFoundException", status: 400, message: "Rule big does not exist on EventBus orders."})

	c.TagResource(ctx, &eventbridge.TagResourceInput{ResourceARN: out.EventBusArn, Tags: []etypes.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}})
	tags, err := c.ListTagsForResource(ctx, &eventbridge.ListTagsForResourceInput{ResourceARN: out.EventBusArn})
	if err != nil || len(tags.Tags) != 2 {
		t.Fatalf("tags: %+v %v", tags, err)
	}
	if _, err := c.DeleteEventBus(ctx, &eventbridge.DeleteEventBusInput{Name: aws.String("orders")}); err != nil {
		t.Fatal(err)
	}
}

func (n *nubo) queueARNIn(name string) string {
	return "arn:aws:sqs:" + n.region + ":" + account + ":" + name
}

// One of the pattern language's documentation examples through the API:
// eventfilter's tests hold the rest.
func TestEventBridgeTestEventPattern(t *testing.T) {
	c := sharedNubo(t).eventbridge()
	event := `{"id": "7bf73129-1428-4cd3-a780-95db273d1602", "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
		"account": "123456789012", "time": "2015-11-11T21:29:54Z", "region": "us-east-1", "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
		"detail": {"instance-id": "i-0123456789", "state": "RUNNING"}}`
	for pattern, want := range map[string]bool{
		`{"source": ["aws.ec2"], "detail": {"state": ["RUNNING", "PENDING"]}}`:    true,
		`{"detail": {"state": [{"anything-but": ["RUNNING"]}]}}`:                  false,
		`{"resources": [{"wildcard": "arn:aws:ec2:*:123456789012:instance/*"}]}`:  true,
		`{"detail": {"instance-id": [{"prefix": {"equals-ignore-case": "I-"}}]}}`: true,
	} {
		out, err := c.TestEventPattern(context.Background(), &eventbridge.TestEventPatternInput{EventPattern: &pattern, Event: &event})
		if err != nil || out.Result != want {
			t.Errorf("%s: %v %v, want %v", pattern, out, err, want)
		}
	}
	_, err := c.TestEventPattern(context.Background(), &eventbridge.TestEventPatternInput{EventPattern: aws.String(`{"a": [1]}`), Event: aws.String(`{"testEvent": "value"}`)})
	checkError(t, err, apiError{code: "ValidationException", status: 400, message: "Parameter Event is not valid."})
	_, err = c.TestEventPattern(context.Background(), &eventbridge.TestEventPatternInput{EventPattern: aws.String(`{"a": [{"wildcard": "**"}]}`), Event: &event})
	checkError(t, err, apiError{code: "InvalidEventPatternException", status: 400, message: "Event pattern is not valid. Reason: Consecutive wildcard characters at pos 1\n at [Source: (String)\"{\"a\": [{\"wildcard\": \"**\"}]}\"; line: 1, column: 25]"})
}

// receiveBodies long-polls a queue until it has want messages.
func receiveBodies(t *testing.T, q *sqs.Client, url string, want int, within time.Duration) []types.Message {
	t.Helper()
	var got []types.Message
	deadline := time.Now().Add(within)
	for len(got) < want && time.Now().Before(deadline) {
		out, err := q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 1,
			MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			got = append(got, m)
			q.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle})
		}
	}
	if len(got) < want {
		t.Fatalf("%s: %d messages within %v, want %d", url, len(got), within, want)
	}
	return got
}

func decodeEvent(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("not an event: %s", body)
	}
	return m
}

// checkEnvelope checks an event as a target got it against AWS's
// envelope.
func checkEnvelope(t *testing.T, what, body, id string) {
	t.Helper()
	ev := decodeEvent(t, body)
	keys := []string{"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}
	if len(ev) != len(keys) {
		t.Errorf("%s: members %v", what, ev)
	}
	for _, k := range keys {
		if _, ok := ev[k]; !ok {
			t.Errorf("%s: no %s in %s", what, k, body)
		}
	}
	if ev["id"] != id || ev["source"] != "shop" || ev["detail-type"] != "Order Placed" || ev["account"] != account || ev["version"] != "0" {
		t.Errorf("%s: %s", what, body)
	}
	if !strings.HasPrefix(body, `{"version":"0","id":`) {
		t.Errorf("%s: members out of AWS's order: %s", what, body)
	}
}

func TestEventBridgeDeliversToEveryTargetKind(t *testing.T) {
	ctx := context.Background()
	n := startNubo(t, "")
	c, q := n.eventbridge(), n.sqs()
	direct := n.createQueue(t, q, "direct", nil)
	fifo := n.createQueue(t, q, "ordered.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "false"})
	viaTopic := n.createQueue(t, q, "via-topic", nil)
	viaBus := n.createQueue(t, q, "via-bus", nil)
	topic, err := n.sns().CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	n.sns().Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(queueARN("via-topic")),
		Attributes: map[string]string{"RawMessageDelivery": "true"}})
	n.createRecorder(t, "on-order")
	n.logsClient().CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/aws/events/orders")})
	c.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("downstream")})
	c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("all"), EventBusName: aws.String("downstream"), EventPattern: aws.String(`{"source": ["shop"]}`)})
	c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("all"), EventBusName: aws.String("downstream"),
		Targets: []etypes.Target{{Id: aws.String("q"), Arn: aws.String(queueARN("via-bus"))}}})

	if _, err := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("orders"), EventPattern: aws.String(`{"source": ["shop"]}`)}); err != nil {
		t.Fatal(err)
	}
	// As on AWS, the targets' policies let EventBridge deliver for the
	// rule (and the queue's let SNS deliver for the topic); a bus is
	// reached as the target's role.
	orders := source{"events.amazonaws.com", "arn:aws:events:" + region + ":" + account + ":rule/orders"}
	n.allowQueue(t, direct, orders)
	n.allowQueue(t, fifo, orders)
	n.allowTopic(t, aws.ToString(topic.TopicArn), orders)
	n.allowQueue(t, viaTopic, source{"sns.amazonaws.com", aws.ToString(topic.TopicArn)})
	n.allowFunction(t, "on-order", orders)
	n.allowQueue(t, viaBus, source{"events.amazonaws.com", "arn:aws:events:" + region + ":" + account + ":rule/downstream/all"})
	n.logsClient().PutResourcePolicy(ctx, &cloudwatchlogs.PutResourcePolicyInput{PolicyName: aws.String("events"),
		PolicyDocument: aws.String(allowFrom("arn:aws:logs:"+region+":"+account+":log-group:/aws/events/*", "logs:PutLogEvents",
			source{"events.amazonaws.com", "arn:aws:events:" + region + ":" + account + ":rule/*"}))})
	out, err := c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("orders"), Targets: []etypes.Target{
		{Id: aws.String("sqs"), Arn: aws.String(queueARN("direct"))},
		{Id: aws.String("fifo"), Arn: aws.String(queueARN("ordered.fifo")), SqsParameters: &etypes.SqsParameters{MessageGroupId: aws.String("g")}},
		{Id: aws.String("sns"), Arn: topic.TopicArn},
		{Id: aws.String("lambda"), Arn: aws.String(fnARN("on-order"))},
		{Id: aws.String("bus"), Arn: aws.String(busARN(region, "downstream")), RoleArn: aws.String(role)},
	}})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("PutTargets: %+v %v", out, err)
	}
	// A sixth target is over the quota; a second rule gets the log group.
	c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("logged"), EventPattern: aws.String(`{"source": ["shop"]}`)})
	c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("logged"), Targets: []etypes.Target{
		{Id: aws.String("logs"), Arn: aws.String("arn:aws:logs:" + region + ":" + account + ":log-group:/aws/events/orders:*")}}})
	put, err := c.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []etypes.PutEventsRequestEntry{
		{Source: aws.String("shop"), DetailType: aws.String("Order Placed"), Detail: aws.String(`{"total": 250, "note": "<fast & cheap>"}`)},
		{Source: aws.String("shop"), DetailType: aws.String("Order Placed")},
	}})
	if err != nil || put.FailedEntryCount != 1 || aws.ToString(put.Entries[1].ErrorCode) != "InvalidArgument" {
		t.Fatalf("PutEvents: %+v %v", put, err)
	}
	id := aws.ToString(put.Entries[0].EventId)
	for what, url := range map[string]string{"SQS": direct, "SQS FIFO": fifo, "SNS": viaTopic, "another bus": viaBus} {
		m := receiveBodies(t, q, url, 1, 60*time.Second)
		checkEnvelope(t, what, aws.ToString(m[0].Body), id)
		if what == "SQS" && !strings.Contains(aws.ToString(m[0].Body), `"note":"<fast & cheap>"`) {
			t.Errorf("the detail was escaped: %s", aws.ToString(m[0].Body))
		}
	}
	checkEnvelope(t, "Lambda", n.events(t, "on-order", 1)[0], id)
	deadline := time.Now().Add(30 * time.Second)
	for {
		lines := n.logLines(t, "/aws/events/orders")
		if len(lines) == 1 {
			checkEnvelope(t, "CloudWatch Logs", lines[0], id)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("log group lines %v", lines)
		}
		time.Sleep(50 * time.Millisecond)
	}
	streams, err := n.logsClient().DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("/aws/events/orders")})
	if err != nil || len(streams.LogStreams) != 1 || aws.ToString(streams.LogStreams[0].LogStreamName) != id {
		t.Errorf("the log stream is not named by the event's id: %+v %v", streams, err)
	}
	n.checkEventsMetric(t, "Invocations", "orders", 5)
}

// checkEventsMetric waits until the AWS/Events metric's sum for a rule is
// want.
func (n *nubo) checkEventsMetric(t *testing.T, name, rule string, want float64) {
	t.Helper()
	cw := n.cloudwatchClient("json")
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := cw.GetMetricStatistics(context.Background(), &cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("AWS/Events"), MetricName: aws.String(name),
			Dimensions: []cwtypes.Dimension{{Name: aws.String("RuleName"), Value: aws.String(rule)}}, StartTime: aws.Time(time.Now().Add(-time.Hour)),
			EndTime: aws.Time(time.Now().Add(time.Minute)), Period: aws.Int32(3600), Statistics: []cwtypes.Statistic{"Sum"}})
		if err != nil {
			t.Fatal(err)
		}
		sum := 0.0
		for _, p := range out.Datapoints {
			sum += aws.ToFloat64(p.Sum)
		}
		if sum == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("AWS/Events %s of %s: %v, want %v", name, rule, sum, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestEventBridgeDeadLetterQueueGetsAWSsAttributes(t *testing.T) {
	ctx := context.Background()
	n := startNubo(t, "")
	c, q := n.eventbridge(), n.sqs()
	dlq := n.createQueue(t, q, "dlq", nil)
	ruleARN, _ := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("r"), EventPattern: aws.String(`{"source": ["shop"]}`)})
	// The dead-letter queue lets the rule's events in, as AWS requires.
	n.allowQueue(t, dlq, source{"events.amazonaws.com", aws.ToString(ruleARN.RuleArn)})
	c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("r"), Targets: []etypes.Target{
		{Id: aws.String("gone"), Arn: aws.String(queueARN("never-created")), DeadLetterConfig: &etypes.DeadLetterConfig{Arn: aws.String(queueARN("dlq"))}}}})
	c.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []etypes.PutEventsRequestEntry{
		{Source: aws.String("shop"), DetailType: aws.String("Order Placed"), Detail: aws.String(`{}`)}}})
	m := receiveBodies(t, q, dlq, 1, 60*time.Second)[0]
	attrs := map[string]string{}
	for k, v := range m.MessageAttributes {
		attrs[k] = aws.ToString(v.StringValue)
	}
	if attrs["RULE_ARN"] != aws.ToString(ruleARN.RuleArn) || attrs["TARGET_ARN"] != queueARN("never-created") || attrs["ERROR_CODE"] != "NO_RESOURCE" || attrs["ERROR_MESSAGE"] == "" {
		t.Errorf("attributes %v", attrs)
	}
	n.checkEventsMetric(t, "FailedInvocations", "r", 1)
}

func TestEventBridgeArchiveAndReplay(t *testing.T) {
	ctx := context.Background()
	n := startNubo(t, "")
	c, q := n.eventbridge(), n.sqs()
	url := n.createQueue(t, q, "replayed", nil)
	arch, err := c.CreateArchive(ctx, &eventbridge.CreateArchiveInput{ArchiveName: aws.String("all"), EventSourceArn: aws.String(busARN(region, "default")),
		RetentionDays: aws.Int32(1)})
	if err != nil || arch.State != etypes.ArchiveStateEnabled {
		t.Fatalf("CreateArchive: %+v %v", arch, err)
	}
	before := time.Now().Add(-time.Minute)
	for i := range 3 {
		c.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []etypes.PutEventsRequestEntry{
			{Source: aws.String("shop"), DetailType: aws.String("Order Placed"), Detail: aws.String(fmt.Sprintf(`{"n": %d}`, i))}}})
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, err := c.DescribeArchive(ctx, &eventbridge.DescribeArchiveInput{ArchiveName: aws.String("all")})
		if err != nil {
			t.Fatal(err)
		}
		if d.EventCount == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("archive %+v", d)
		}
		time.Sleep(50 * time.Millisecond)
	}
	rule, _ := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("r"), EventPattern: aws.String(`{"source": ["shop"]}`)})
	n.allowQueue(t, url, source{"events.amazonaws.com", aws.ToString(rule.RuleArn)})
	c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("r"), Targets: []etypes.Target{{Id: aws.String("q"), Arn: aws.String(queueARN("replayed"))}}})
	r, err := c.StartReplay(ctx, &eventbridge.StartReplayInput{ReplayName: aws.String("again"), EventSourceArn: arch.ArchiveArn,
		EventStartTime: aws.Time(before), EventEndTime: aws.Time(time.Now().Add(time.Minute)),
		Destination: &etypes.ReplayDestination{Arn: aws.String(busARN(region, "default"))}})
	if err != nil || r.State != etypes.ReplayStateStarting {
		t.Fatalf("StartReplay: %+v %v", r, err)
	}
	for _, m := range receiveBodies(t, q, url, 3, 60*time.Second) {
		if ev := decodeEvent(t, aws.ToString(m.Body)); ev["replay-name"] != "again" {
			t.Errorf("replayed event %s", aws.ToString(m.Body))
		}
	}
	d, err := c.DescribeReplay(ctx, &eventbridge.DescribeReplayInput{ReplayName: aws.String("again")})
	if err != nil || d.State != etypes.ReplayStateCompleted || aws.ToString(d.Destination.Arn) != busARN(region, "default") {
		t.Fatalf("DescribeReplay: %+v %v", d, err)
	}
	list, err := c.ListReplays(ctx, &eventbridge.ListReplaysInput{})
	if err != nil || len(list.Replays) != 1 {
		t.Fatalf("ListReplays: %+v %v", list, err)
	}
}

func TestEventBridgeAPIDestination(t *testing.T) {
	ctx := context.Background()
	n := sharedNubo(t)
	c := n.eventbridge()
	got := make(chan *http.Request, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		got <- r
	}))
	defer srv.Close()
	conn, err := c.CreateConnection(ctx, &eventbridge.CreateConnectionInput{Name: aws.String("hook"), AuthorizationType: etypes.ConnectionAuthorizationTypeApiKey,
		AuthParameters: &etypes.CreateConnectionAuthRequestParameters{ApiKeyAuthParameters: &etypes.CreateConnectionApiKeyAuthRequestParameters{
			ApiKeyName: aws.String("X-Key"), ApiKeyValue: aws.String("secret")}}})
	if err != nil || conn.ConnectionState != etypes.ConnectionStateAuthorized {
		t.Fatalf("CreateConnection: %+v %v", conn, err)
	}
	desc, err := c.DescribeConnection(ctx, &eventbridge.DescribeConnectionInput{Name: aws.String("hook")})
	if err != nil || aws.ToString(desc.AuthParameters.ApiKeyAuthParameters.ApiKeyName) != "X-Key" {
		t.Fatalf("DescribeConnection: %+v %v", desc, err)
	}
	dest, err := c.CreateApiDestination(ctx, &eventbridge.CreateApiDestinationInput{Name: aws.String("hook"), ConnectionArn: conn.ConnectionArn,
		InvocationEndpoint: aws.String(srv.URL + "/orders"), HttpMethod: etypes.ApiDestinationHttpMethodPost, InvocationRateLimitPerSecond: aws.Int32(10)})
	if err != nil || dest.ApiDestinationState != etypes.ApiDestinationStateActive {
		t.Fatalf("CreateApiDestination: %+v %v", dest, err)
	}
	c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("hook"), EventPattern: aws.String(`{"source": ["shop"]}`)})
	c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("hook"), Targets: []etypes.Target{{Id: aws.String("d"), Arn: dest.ApiDestinationArn,
		InputTransformer: &etypes.InputTransformer{InputPathsMap: map[string]string{"total": "$.detail.total"}, InputTemplate: aws.String(`{"amount": <total>}`)}}}})
	c.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []etypes.PutEventsRequestEntry{
		{Source: aws.String("shop"), DetailType: aws.String("Order Placed"), Detail: aws.String(`{"total": 42}`)}}})
	select {
	case r := <-got:
		body, _ := io.ReadAll(r.Body)
		if r.Method != "POST" || r.URL.Path != "/orders" || r.Header.Get("X-Key") != "secret" || string(body) != `{"amount": 42}` {
			t.Errorf("request %s %s %v %s", r.Method, r.URL, r.Header, body)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the API destination got no request")
	}
	_, err = c.DescribeApiDestination(ctx, &eventbridge.DescribeApiDestinationInput{Name: aws.String("nope")})
	checkError(t, err, apiError{code: "ResourceNotFoundException", status: 400, message: "Failed to describe the api-destination(s). An api-destination 'nope' does not exist."})
}

// A rate(1 minute) rule really fires, and its schedule survives a
// restart: the rule is created, nubo restarts, and the fire comes on time.
func TestEventBridgeScheduleFiresAcrossRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	n := startNubo(t, dir)
	c, q := n.eventbridge(), n.sqs()
	ticks := n.createQueue(t, q, "ticks", nil)
	created := time.Now()
	rule, err := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("tick"), ScheduleExpression: aws.String("rate(1 minute)")})
	if err != nil {
		t.Fatal(err)
	}
	put := time.Now() // the rule's minute counts from a moment between created and put
	n.allowQueue(t, ticks, source{"events.amazonaws.com", aws.ToString(rule.RuleArn)})
	c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("tick"), Targets: []etypes.Target{{Id: aws.String("q"), Arn: aws.String(queueARN("ticks"))}}})
	n.stop()
	n = startNubo(t, dir)
	m := receiveBodies(t, n.sqs(), "http://"+n.addr+"/"+account+"/ticks", 1, 90*time.Second)[0]
	fired := time.Now()
	ev := decodeEvent(t, aws.ToString(m.Body))
	due, _ := time.Parse(time.RFC3339, ev["time"].(string))
	if ev["detail-type"] != "Scheduled Event" || ev["source"] != "aws.events" || due.Sub(created) < 59*time.Second || due.Sub(put) > 61*time.Second {
		t.Errorf("scheduled event %s (created %s)", aws.ToString(m.Body), created.Format(time.RFC3339Nano))
	}
	// The rule counts its minute from a moment after created, so this
	// bounds how late the fire came: far less than the next minute's,
	// with room for a loaded machine (two suites beside it: 1.2 s).
	if late := fired.Sub(created.Add(time.Minute)); late > 10*time.Second {
		t.Errorf("delivered %v after its due time", late)
	} else {
		t.Logf("delivered at most %v after its due time, across a restart", late)
	}
}
