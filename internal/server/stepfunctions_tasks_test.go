package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Lambda tasks on real functions: the optimised integration and a bare
// function ARN, a Retry of the function's own error type until it
// succeeds, a Catch of it, and a missing function caught by its Step
// Functions name.
func TestStepFunctionsLambda(t *testing.T) {
	n := sharedNubo(t)
	n.createGo(t, "worker", nil)
	n.createGo(t, "flaky", nil)
	d := n.runMachine(t, "lambda", `{"StartAt": "Invoke", "States": {
		"Invoke": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Direct",
			"Parameters": {"FunctionName": "worker", "Payload": {"value.$": "$.v"}},
			"ResultSelector": {"value.$": "$.Payload.value", "code.$": "$.StatusCode", "version.$": "$.ExecutedVersion"}, "ResultPath": "$.optimised"},
		"Direct": {"Type": "Task", "Resource": "`+n.arn("worker")+`", "Parameters": {"value": "direct"},
			"ResultSelector": {"value.$": "$.value"}, "ResultPath": "$.direct", "Next": "Flaky"},
		"Flaky": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "flaky", "Payload": {"op": "failfirst", "n": 2}},
			"Retry": [{"ErrorEquals": ["errorString"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 1}],
			"ResultSelector": {"code.$": "$.StatusCode"}, "ResultPath": "$.flaky", "Next": "Broken"},
		"Broken": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "worker", "Payload": {"op": "error", "value": "x"}},
			"Catch": [{"ErrorEquals": ["errorString"], "ResultPath": "$.caught", "Next": "Missing"}], "End": true},
		"Missing": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "nope"},
			"Catch": [{"ErrorEquals": ["Lambda.ResourceNotFoundException"], "ResultPath": "$.missing", "Next": "Done"}], "End": true},
		"Done": {"Type": "Pass", "End": true, "Parameters": {"optimised.$": "$.optimised", "direct.$": "$.direct", "flaky.$": "$.flaky",
			"caught.$": "$.caught.Error", "cause.$": "States.StringToJson($.caught.Cause)", "missing.$": "$.missing.Error"}}}}`, `{"v": "v1"}`)
	succeeded(t, d, `{"optimised": {"value": "v1", "code": 200, "version": "$LATEST"}, "direct": {"value": "direct"}, "flaky": {"code": 200},
		"caught": "errorString", "cause": {"errorMessage": "boom: x", "errorType": "errorString"}, "missing": "Lambda.ResourceNotFoundException"}`)
	for _, m := range []struct {
		metric, dim, value string
		want               float64
	}{
		{"ServiceIntegrationsScheduled", "ServiceIntegrationResourceArn", "arn:aws:states:::lambda:invoke", 6},
		{"ServiceIntegrationsSucceeded", "ServiceIntegrationResourceArn", "arn:aws:states:::lambda:invoke", 2},
		{"ServiceIntegrationsFailed", "ServiceIntegrationResourceArn", "arn:aws:states:::lambda:invoke", 4},
		{"LambdaFunctionsScheduled", "LambdaFunctionArn", n.arn("worker"), 1},
		{"LambdaFunctionsSucceeded", "LambdaFunctionArn", n.arn("worker"), 1},
	} {
		if got := n.statesMetric(t, m.metric, m.dim, m.value); got != m.want {
			t.Errorf("%s of %s: %v, want %v", m.metric, m.value, got, m.want)
		}
	}
	events := n.history(t, aws.ToString(d.ExecutionArn))
	if got := strings.Count(eventTypes(events), "TaskFailed"); got != 4 {
		t.Errorf("%d TaskFailed events (want 2 retried, 1 caught, 1 missing): %s", got, eventTypes(events))
	}
	for _, e := range events {
		if e.Type == sfntypes.HistoryEventTypeLambdaFunctionScheduled && aws.ToString(e.LambdaFunctionScheduledEventDetails.Resource) != n.arn("worker") {
			t.Errorf("LambdaFunctionScheduled: %+v", e.LambdaFunctionScheduledEventDetails)
		}
		if e.Type == sfntypes.HistoryEventTypeTaskFailed && aws.ToString(e.TaskFailedEventDetails.Error) == "Lambda.ResourceNotFoundException" &&
			!strings.HasPrefix(aws.ToString(e.TaskFailedEventDetails.Cause), "Function not found: "+n.arn("nope")) {
			t.Errorf("missing function's cause: %s", aws.ToString(e.TaskFailedEventDetails.Cause))
		}
	}
}

// sqsIn is an SQS client acting in n's region.
func (n *nubo) sqsIn() *sqs.Client {
	return sqs.NewFromConfig(aws.Config{Region: n.region, Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String("http://" + n.addr)})
}

// A .waitForTaskToken task sends its token through SQS and waits; the
// worker's SendTaskSuccess or SendTaskFailure ends it.
func TestStepFunctionsTaskToken(t *testing.T) {
	ctx := context.Background()
	n := sharedNubo(t)
	q := n.sqsIn()
	queue, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("approvals")})
	if err != nil {
		t.Fatal(err)
	}
	arn := n.machine(t, "approval", "", `{"StartAt": "Ask", "States": {"Ask": {"Type": "Task", "End": true,
		"Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "HeartbeatSeconds": 600,
		"Parameters": {"QueueUrl": "`+aws.ToString(queue.QueueUrl)+`", "MessageBody": {"token.$": "$$.Task.Token", "order.$": "$.order"}}}}}`)
	c := n.sfnClient()
	receive := func() (token, order string) {
		t.Helper()
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: queue.QueueUrl, WaitTimeSeconds: 10})
		if err != nil || len(out.Messages) != 1 {
			t.Fatalf("receive: %+v %v", out, err)
		}
		var body struct{ Token, Order string }
		if err := json.Unmarshal([]byte(aws.ToString(out.Messages[0].Body)), &body); err != nil {
			t.Fatal(err)
		}
		return body.Token, body.Order
	}
	ok := n.start(t, arn, `{"order": "o-1"}`)
	token, order := receive()
	if order != "o-1" || token == "" {
		t.Fatalf("message: %q %q", token, order)
	}
	if _, err := c.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{"approved": true}`)}); err != nil {
		t.Fatal(err)
	}
	succeeded(t, n.finished(t, ok, time.Minute), `{"approved": true}`)
	_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{}`)})
	isErr[*sfntypes.TaskDoesNotExist](t, err)
	_, err = c.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String("not a token")})
	isErr[*sfntypes.InvalidToken](t, err)

	rejected := n.start(t, arn, `{"order": "o-2"}`)
	token, _ = receive()
	if _, err := c.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(token), Error: aws.String("Rejected"), Cause: aws.String("too dear")}); err != nil {
		t.Fatal(err)
	}
	if d := n.finished(t, rejected, time.Minute); d.Status != sfntypes.ExecutionStatusFailed || aws.ToString(d.Error) != "Rejected" || aws.ToString(d.Cause) != "too dear" {
		t.Errorf("rejected: %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
}

// A parent starts children with states:startExecution: .sync:2 waits and
// takes the child's output as JSON, .sync as a string, and the plain
// form only starts it.
func TestStepFunctionsNested(t *testing.T) {
	n := sharedNubo(t)
	child := n.machine(t, "child", "", `{"StartAt": "Double", "States": {"Double": {"Type": "Pass", "End": true,
		"Parameters": {"doubled.$": "States.MathAdd($.n, $.n)"}}}}`)
	d := n.runMachine(t, "parent", `{"StartAt": "Sync2", "States": {
		"Sync2": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2", "Next": "Sync",
			"Parameters": {"StateMachineArn": "`+child+`", "Input": {"n.$": "$.n"}}, "ResultSelector": {"out.$": "$.Output", "status.$": "$.Status"}, "ResultPath": "$.sync2"},
		"Sync": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync", "Next": "Fire",
			"Parameters": {"StateMachineArn": "`+child+`", "Input": {"n": 1}}, "ResultSelector": {"out.$": "$.Output"}, "ResultPath": "$.sync"},
		"Fire": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution", "End": true,
			"Parameters": {"StateMachineArn": "`+child+`", "Input": {"n": 2}, "Name": "fired"}, "ResultSelector": {"arn.$": "$.ExecutionArn"}, "ResultPath": "$.fire"}}}`,
		`{"n": 21}`)
	firedArn := strings.Replace(child, ":stateMachine:", ":execution:", 1) + ":fired"
	succeeded(t, d, `{"n": 21, "sync2": {"out": {"doubled": 42}, "status": "SUCCEEDED"}, "sync": {"out": "{\"doubled\":2}"}, "fire": {"arn": "`+firedArn+`"}}`)
	succeeded(t, n.finished(t, firedArn, time.Minute), `{"doubled": 4}`)
}

// An activity's worker takes its task with GetActivityTask and answers
// with the token.
func TestStepFunctionsActivity(t *testing.T) {
	ctx := context.Background()
	n := sharedNubo(t)
	c := n.sfnClient()
	act, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("review")})
	if err != nil {
		t.Fatal(err)
	}
	exec := n.start(t, n.machine(t, "reviewed", "", `{"StartAt": "Review", "States": {"Review": {"Type": "Task", "Resource": "`+
		aws.ToString(act.ActivityArn)+`", "TimeoutSeconds": 60, "End": true}}}`), `{"doc": "d-1"}`)
	task, err := c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn, WorkerName: aws.String("w1")})
	if err != nil || aws.ToString(task.Input) != `{"doc":"d-1"}` {
		t.Fatalf("GetActivityTask: %+v %v", task, err)
	}
	if _, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`{"ok": "d-1"}`)}); err != nil {
		t.Fatal(err)
	}
	succeeded(t, n.finished(t, exec, time.Minute), `{"ok": "d-1"}`)
	if got, want := eventTypes(n.history(t, exec)), "ExecutionStarted TaskStateEntered ActivityScheduled ActivityStarted ActivitySucceeded TaskStateExited ExecutionSucceeded"; got != want {
		t.Errorf("history %s", got)
	}
}

// An sns:publish task publishes on a real topic, whose queue subscriber
// receives the message serialised from its JSON.
func TestStepFunctionsPublish(t *testing.T) {
	ctx := context.Background()
	n := sharedNubo(t)
	q := n.sqsIn()
	queue, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("published")})
	if err != nil {
		t.Fatal(err)
	}
	topics := sns.NewFromConfig(aws.Config{Region: n.region, Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String("http://" + n.addr)})
	topic, err := topics.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	// The queue lets the topic send to it, as SNS requires.
	if _, err := q.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: queue.QueueUrl, Attributes: map[string]string{"Policy": allowFrom(
		"arn:aws:sqs:"+n.region+":000000000000:published", "sqs:SendMessage", source{"sns.amazonaws.com", aws.ToString(topic.TopicArn)})}}); err != nil {
		t.Fatal(err)
	}
	if _, err := topics.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"),
		Endpoint: aws.String("arn:aws:sqs:" + n.region + ":000000000000:published"), Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		t.Fatal(err)
	}
	d := n.runMachine(t, "publisher", `{"StartAt": "Tell", "States": {"Tell": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "End": true,
		"Parameters": {"TopicArn": "`+aws.ToString(topic.TopicArn)+`", "Message": {"order.$": "$.order"}}, "ResultSelector": {"id.$": "$.MessageId"}}}}`, `{"order": "o-5"}`)
	if d.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("%s %s", d.Status, aws.ToString(d.Cause))
	}
	out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: queue.QueueUrl, WaitTimeSeconds: 10})
	if err != nil || len(out.Messages) != 1 || aws.ToString(out.Messages[0].Body) != `{"order":"o-5"}` {
		t.Fatalf("received %+v %v", out, err)
	}
	var result struct{ ID string }
	json.Unmarshal([]byte(aws.ToString(d.Output)), &result)
	if result.ID == "" {
		t.Errorf("output %s has no MessageId", aws.ToString(d.Output))
	}
}
