package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/nubo-dev/nubo/internal/server"
	nubosfn "github.com/nubo-dev/nubo/internal/services/sfn"
)

// A synchronous Express execution answers its outcome and billing, logs
// its events to the state machine's log group, and shows in the AWS/States
// metrics and on the bill beside a Standard execution's transitions.
func TestStepFunctionsExpressLogsMetricsAndBill(t *testing.T) {
	ctx := context.Background()
	n := sharedNubo(t)
	c := n.sfnClient()
	group := "/aws/vendedlogs/states/quick-" + n.region
	out, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("quick"), RoleArn: aws.String(sfnRole),
		Type:       sfntypes.StateMachineTypeExpress,
		Definition: aws.String(`{"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a, $.b)"}, "End": true}}}`),
		LoggingConfiguration: &sfntypes.LoggingConfiguration{Level: sfntypes.LogLevelAll, IncludeExecutionData: true,
			Destinations: []sfntypes.LogDestination{{CloudWatchLogsLogGroup: &sfntypes.CloudWatchLogsLogGroup{
				LogGroupArn: aws.String("arn:aws:logs:" + n.region + ":000000000000:log-group:" + group + ":*")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	sync, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: out.StateMachineArn, Input: aws.String(`{"a": 2, "b": 3}`)})
	if err != nil {
		t.Fatal(err)
	}
	if sync.Status != sfntypes.SyncExecutionStatusSucceeded || aws.ToString(sync.Output) != `{"sum":5}` || sync.BillingDetails.BilledMemoryUsedInMB != 64 ||
		sync.BillingDetails.BilledDurationInMilliseconds != 100 || !strings.Contains(aws.ToString(sync.ExecutionArn), ":express:quick:") {
		t.Fatalf("StartSyncExecution: %+v %+v", sync, sync.BillingDetails)
	}
	standard := n.runMachine(t, "slow", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": true}}}`, `{}`)
	succeeded(t, standard, `{}`)

	logs := cloudwatchlogs.NewFromConfig(aws.Config{Region: n.region, Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String("http://" + n.addr)})
	var messages []string
	for deadline := time.Now().Add(30 * time.Second); len(messages) < 4 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		f, err := logs.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(group)})
		if err == nil {
			messages = messages[:0]
			for _, e := range f.Events {
				messages = append(messages, aws.ToString(e.Message))
			}
		}
	}
	if len(messages) != 4 || !strings.Contains(messages[0], `"type":"ExecutionStarted"`) || !strings.Contains(messages[3], `"type":"ExecutionSucceeded"`) ||
		!strings.Contains(messages[3], `"execution_arn":"`+aws.ToString(sync.ExecutionArn)+`"`) || !strings.Contains(messages[3], `{\"sum\":5}`) {
		t.Errorf("execution log: %q", messages)
	}

	sum := func(metric, machine string) float64 { return n.statesMetric(t, metric, "StateMachineArn", machine) }
	slowArn := aws.ToString(standard.StateMachineArn)
	for _, m := range []struct {
		name, machine string
	}{{"ExecutionsStarted", aws.ToString(out.StateMachineArn)}, {"ExecutionsSucceeded", aws.ToString(out.StateMachineArn)},
		{"ExecutionsStarted", slowArn}, {"ExecutionsSucceeded", slowArn}} {
		if got := sum(m.name, m.machine); got != 1 {
			t.Errorf("%s of %s: %v, want 1", m.name, m.machine, got)
		}
	}

	bill := n.cost(t, "region="+n.region)
	lines := map[string]billLine{}
	for _, s := range bill.StateMachines {
		lines[s.StateMachine] = billLine{s.Transitions, s.Requests, s.MBMs}
	}
	if lines["quick"] != (billLine{0, 1, 64 * 100}) || lines["slow"] != (billLine{2, 0, 0}) {
		t.Errorf("bill: %+v", bill.StateMachines)
	}
}

type billLine struct{ transitions, requests, mbMs int64 }

// statesMetric is the sum of an AWS/States metric of one dimension over
// the last hour.
func (n *nubo) statesMetric(t *testing.T, metric, dim, value string) float64 {
	t.Helper()
	cw := cloudwatch.NewFromConfig(aws.Config{Region: n.region, Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String("http://" + n.addr)})
	st, err := cw.GetMetricStatistics(context.Background(), &cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("AWS/States"),
		MetricName: aws.String(metric), Dimensions: []cwtypes.Dimension{{Name: aws.String(dim), Value: aws.String(value)}},
		StartTime: aws.Time(time.Now().Add(-time.Hour)), EndTime: aws.Time(time.Now().Add(time.Minute)), Period: aws.Int32(3600),
		Statistics: []cwtypes.Statistic{cwtypes.StatisticSum}})
	if err != nil {
		t.Fatalf("GetMetricStatistics %s: %v", metric, err)
	}
	var v float64
	for _, p := range st.Datapoints {
		v += aws.ToFloat64(p.Sum)
	}
	return v
}

// With a mock configuration, executions started as ARN#TestCase take their
// task results from it; others run the real tasks.
func TestStepFunctionsLocalMock(t *testing.T) {
	mock, err := nubosfn.ParseMockConfig([]byte(`{
		"StateMachines": {"mocked": {"TestCases": {"HappyPath": {"Charge": "Charged"}, "Retried": {"Charge": "FailsOnce"}}}},
		"MockedResponses": {
			"Charged": {"0": {"Return": {"Payload": {"charged": true}, "StatusCode": 200}}},
			"FailsOnce": {"0": {"Throw": {"Error": "Lambda.TooManyRequestsException", "Cause": "slow down"}}, "1": {"Return": {"Payload": {"charged": "late"}}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	n := startNuboWith(t, "", func(c *server.Config) { c.StepFunctionsMock = mock })
	arn := n.machine(t, "mocked", "", `{"StartAt": "Charge", "States": {"Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
		"Parameters": {"FunctionName": "no-such-function"}, "OutputPath": "$.Payload", "End": true,
		"Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "IntervalSeconds": 1}]}}}`)
	succeeded(t, n.finished(t, n.start(t, arn+"#HappyPath", `{}`), time.Minute), `{"charged": true}`)
	succeeded(t, n.finished(t, n.start(t, arn+"#Retried", `{}`), time.Minute), `{"charged": "late"}`)
	if d := n.finished(t, n.start(t, arn, `{}`), time.Minute); d.Status != sfntypes.ExecutionStatusFailed || aws.ToString(d.Error) != "Lambda.ResourceNotFoundException" {
		t.Errorf("without a test case: %s %s", d.Status, aws.ToString(d.Error))
	}
}
