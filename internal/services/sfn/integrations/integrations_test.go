package integrations

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/sfn"
	"github.com/nubo-dev/nubo/internal/services/sns"
	"github.com/nubo-dev/nubo/internal/services/sqs"
)

const (
	account = "000000000000"
	region  = "us-east-1"
	execArn = "arn:aws:states:us-east-1:000000000000:execution:m:e"
)

func req(resource, input string) *sfn.TaskRequest {
	return &sfn.TaskRequest{Resource: resource, Region: region, Account: account, Input: json.RawMessage(input), ExecutionArn: execArn, StateName: "T"}
}

// fakeFunctions answers every invocation with answer, or fails with err.
type fakeFunctions struct {
	answer *lambda.Result
	err    error
	got    []*lambda.Invocation
}

func (f *fakeFunctions) Invoke(ctx context.Context, inv *lambda.Invocation) (*lambda.Result, error) {
	f.got = append(f.got, inv)
	return f.answer, f.err
}

func (f *fakeFunctions) Resolve(ctx context.Context, inv *lambda.Invocation) error { return f.err }

func (f *fakeFunctions) Enqueue(ctx context.Context, inv *lambda.Invocation) (string, error) {
	f.got = append(f.got, inv)
	return "id", f.err
}

// object decodes a task's result for checks.
func object(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("result %s: %v", raw, err)
	}
	return m
}

// failed checks that err is the task failure name, with a cause matching
// the pattern cause.
func failed(t *testing.T, err error, name, cause string) {
	t.Helper()
	var te *sfn.TaskError
	if !errors.As(err, &te) {
		t.Fatalf("got %v, want the task error %s", err, name)
	}
	if te.Name != name || !regexp.MustCompile(cause).MatchString(te.Cause) {
		t.Errorf("got %s: %s\nwant %s: /%s/", te.Name, te.Cause, name, cause)
	}
}

func TestLambdaInvoke(t *testing.T) {
	ctx := context.Background()
	f := &fakeFunctions{answer: &lambda.Result{ExecutedVersion: "$LATEST", Payload: []byte(`{"n":1}`), LogTail: []byte("log")}}
	s := &Services{Functions: f, Async: f}
	out, err := s.Invoke(ctx, req("arn:aws:states:::lambda:invoke", `{"FunctionName":"fn:live","Payload":{"a":1},"LogType":"Tail"}`))
	if err != nil {
		t.Fatal(err)
	}
	m := object(t, out)
	meta, _ := m["SdkHttpMetadata"].(map[string]any)
	if m["StatusCode"] != 200.0 || m["ExecutedVersion"] != "$LATEST" || m["LogResult"] != "bG9n" || meta["HttpStatusCode"] != 200.0 ||
		m["SdkResponseMetadata"] == nil || !strings.Contains(string(out), `"Payload":{"n":1}`) {
		t.Errorf("lambda:invoke result: %s", out)
	}
	if inv := f.got[0]; inv.Function.Name != "fn" || inv.Function.Qualifier != "live" || string(inv.Payload) != `{"a":1}` || !inv.Tail ||
		inv.Scope != (lambda.Scope{Account: account, Region: region}) {
		t.Errorf("invocation: %+v", inv)
	}

	// The aws-sdk form hands on the payload as a string, and a function
	// error as FunctionError instead of failing.
	f.answer = &lambda.Result{ExecutedVersion: "1", Payload: []byte(`{"errorType":"Boom","errorMessage":"no"}`), FunctionError: "Unhandled"}
	out, err = s.Invoke(ctx, req("arn:aws:states:::aws-sdk:lambda:invoke", `{"FunctionName":"arn:aws:lambda:us-east-1:000000000000:function:fn"}`))
	if err != nil {
		t.Fatal(err)
	}
	if m := object(t, out); m["FunctionError"] != "Unhandled" || m["Payload"] != `{"errorType":"Boom","errorMessage":"no"}` || m["SdkHttpMetadata"] != nil {
		t.Errorf("aws-sdk:lambda:invoke result: %s", out)
	}
	if string(f.got[1].Payload) != "{}" {
		t.Errorf("an invocation without Payload sends %s, want {}", f.got[1].Payload)
	}

	// The optimised form fails with the function's errorType, its error as
	// the cause; so does a bare function ARN.
	for _, r := range []*sfn.TaskRequest{
		req("arn:aws:states:::lambda:invoke.waitForTaskToken", `{"FunctionName":"fn","Payload":{"token":"t"}}`),
		req("arn:aws:lambda:us-east-1:000000000000:function:fn", `{"x":1}`),
	} {
		_, err = s.Invoke(ctx, r)
		failed(t, err, "Boom", `^\{"errorType":"Boom","errorMessage":"no"\}$`)
	}
	f.answer.Payload = []byte(`{"errorMessage":"Task timed out after 1.00 seconds"}`)
	_, err = s.Invoke(ctx, req("arn:aws:states:::lambda:invoke", `{"FunctionName":"fn"}`))
	failed(t, err, "Lambda.Unknown", "Task timed out")

	// Asynchronous invocations are queued.
	out, err = s.Invoke(ctx, req("arn:aws:states:::lambda:invoke", `{"FunctionName":"fn","InvocationType":"Event"}`))
	if err != nil || object(t, out)["StatusCode"] != 202.0 || len(f.got) != 6 {
		t.Errorf("Event invocation: %s %v (%d invocations)", out, err, len(f.got))
	}
}

func TestLambdaErrors(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		err         error
		name, cause string
	}{
		{lambda.FunctionNotFound("arn:aws:lambda:us-east-1:000000000000:function:nope"), "Lambda.ResourceNotFoundException",
			`^Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope \(Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: [0-9a-f-]{36}; Proxy: null\)$`},
		{lambda.Throttled(lambda.ReasonConcurrentInvocationLimitExceeded), "Lambda.TooManyRequestsException", `Status Code: 429; Error Code: TooManyRequestsException`},
		{errors.New("disk on fire"), "Lambda.ServiceException", `^disk on fire \(Service: AWSLambda; Status Code: 500; Error Code: ServiceException;`},
		{lambda.Errorf(lambda.ErrValidation, "bad"), "Lambda.AWSLambdaException", `^bad \(Service: AWSLambda`},
	} {
		s := &Services{Functions: &fakeFunctions{err: c.err}}
		_, err := s.Invoke(ctx, req("arn:aws:states:::lambda:invoke", `{"FunctionName":"nope"}`))
		failed(t, err, c.name, c.cause)
	}
	s := &Services{Functions: &fakeFunctions{err: lambda.FunctionNotFound("x")}}
	_, err := s.Invoke(ctx, req("arn:aws:states:::aws-sdk:lambda:invoke", `{"FunctionName":"x"}`))
	failed(t, err, "Lambda.ResourceNotFoundException", `^Function not found: x \(Service: Lambda, Status Code: 404, Request ID: [0-9a-f-]{36}\)$`)
	_, err = s.Invoke(ctx, req("arn:aws:states:::lambda:invoke", `{"Payload":{}}`))
	failed(t, err, "Lambda.AWSLambdaException", "Value null at 'functionName'")
}

// fakeQueues records what is sent, or fails.
type fakeQueues struct {
	got  []sqs.SendInput
	refs []sqs.Ref
	err  error
}

func (q *fakeQueues) Account() string { return account }

func (q *fakeQueues) Send(ctx context.Context, ref sqs.Ref, entries []sqs.SendInput) ([]sqs.SendResult, []error, error) {
	if q.err != nil {
		return nil, nil, q.err
	}
	q.got, q.refs = append(q.got, entries...), append(q.refs, ref)
	return []sqs.SendResult{{MessageID: "m-1", MD5OfBody: "md5"}}, []error{nil}, nil
}

type fakeTopics struct {
	got []*sns.PublishInput
	arn string
}

func (f *fakeTopics) PublishMessage(ctx context.Context, topicARN string, in *sns.PublishInput) (sns.PublishResult, error) {
	f.got, f.arn = append(f.got, in), topicARN
	return sns.PublishResult{MessageID: "p-1"}, nil
}

func TestMessaging(t *testing.T) {
	ctx := context.Background()
	q, topics := &fakeQueues{}, &fakeTopics{}
	s := &Services{Queues: q, Topics: topics}
	out, err := s.Invoke(ctx, req("arn:aws:states:::sqs:sendMessage", `{"QueueUrl":"https://sqs.eu-west-1.amazonaws.com/000000000000/jobs","MessageBody":{"k":"v"},"MessageAttributes":{"a":{"DataType":"String","StringValue":"b"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if m := object(t, out); m["MessageId"] != "m-1" || m["MD5OfMessageBody"] != "md5" || m["SdkHttpMetadata"] == nil {
		t.Errorf("sqs:sendMessage result: %s", out)
	}
	if q.got[0].Body != `{"k":"v"}` || q.refs[0] != (sqs.Ref{Region: "eu-west-1", Name: "jobs"}) || q.got[0].Attributes["a"].StringValue != "b" {
		t.Errorf("sent %+v to %+v", q.got[0], q.refs[0])
	}
	_, err = s.Invoke(ctx, req("arn:aws:states:::sqs:sendMessage", `{"QueueUrl":"http://127.0.0.1:4566/000000000000/jobs"}`))
	failed(t, err, "SQS.AmazonSQSException", `^The request must contain the parameter MessageBody\. \(Service: AmazonSQS; Status Code: 400; Error Code: MissingParameter;`)
	_, err = s.Invoke(ctx, req("arn:aws:states:::sqs:sendMessage", `{"QueueUrl":"http://127.0.0.1:4566/111111111111/jobs","MessageBody":"x"}`))
	failed(t, err, "SQS.QueueDoesNotExistException", `^The specified queue does not exist\.`)
	_, err = s.Invoke(ctx, req("arn:aws:states:::aws-sdk:sqs:sendMessage", `{"QueueUrl":"http://h/000000000000/jobs"}`))
	failed(t, err, "Sqs.SqsException", `\(Service: Sqs, Status Code: 400, Request ID: `)

	out, err = s.Invoke(ctx, req("arn:aws:states:::sns:publish.waitForTaskToken", `{"TopicArn":"arn:aws:sns:us-east-1:000000000000:t","Message":{"token":"tt"},"Subject":"s"}`))
	if err != nil || object(t, out)["MessageId"] != "p-1" || topics.got[0].Message != `{"token":"tt"}` || topics.got[0].Subject != "s" || topics.arn != "arn:aws:sns:us-east-1:000000000000:t" {
		t.Errorf("sns:publish: %s %v %+v", out, err, topics.got)
	}
	_, err = s.Invoke(ctx, req("arn:aws:states:::sns:publish", `{"Message":"x"}`))
	failed(t, err, "SNS.InvalidParameterException", `^Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter \(Service: AmazonSNS; Status Code: 400; Error Code: InvalidParameter;`)
}

// The services nubo does not serve yet fail their tasks saying what is
// missing; so do resources nubo does not know.
func TestMissing(t *testing.T) {
	ctx := context.Background()
	s := &Services{}
	for res, want := range map[string]string{
		"arn:aws:states:::events:putEvents":           "EventBridge",
		"arn:aws:states:::apigateway:invoke":          "API Gateway",
		"arn:aws:states:::dynamodb:getItem":           "DynamoDB",
		"arn:aws:states:::sqs:sendMessage":            "SQS",
		"arn:aws:states:::aws-sdk:sfn:listExecutions": "Step Functions",
	} {
		_, err := s.Invoke(ctx, req(res, `{}`))
		failed(t, err, "States.TaskFailed", "^nubo does not serve "+want)
	}
	for _, res := range []string{"arn:aws:states:::batch:submitJob.sync", "arn:aws:states:::aws-sdk:s3:getObject", "arn:aws:states:::lambda:invoke.sync", "not-an-arn"} {
		_, err := s.Invoke(ctx, req(res, `{}`))
		failed(t, err, "States.Runtime", "")
	}
}

type fakeEvents struct{ got []EventEntry }

func (f *fakeEvents) PutEvents(ctx context.Context, account, region string, entries []EventEntry) ([]EventResult, error) {
	f.got = entries
	out := make([]EventResult, len(entries))
	for i, e := range entries {
		out[i] = EventResult{EventId: "e"}
		if e.Detail == "bad" {
			out[i] = EventResult{ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed."}
		}
	}
	return out, nil
}

type fakeAPIs struct{ status int }

func (f fakeAPIs) Invoke(ctx context.Context, account, region string, r *APIRequest) (*APIResponse, error) {
	return &APIResponse{StatusCode: f.status, ResponseBody: map[string]any{"message": "Missing Authentication Token"}}, nil
}

func TestEventsAndAPIs(t *testing.T) {
	ctx := context.Background()
	ev := &fakeEvents{}
	s := &Services{Events: ev, APIs: fakeAPIs{403}}
	out, err := s.Invoke(ctx, req("arn:aws:states:::events:putEvents", `{"Entries":[{"Source":"s","DetailType":"d","Detail":{"m":1},"Resources":["r"]}]}`))
	if err != nil || string(out) != `{"Entries":[{"EventId":"e"}],"FailedEntryCount":0}` {
		t.Errorf("events:putEvents: %s %v", out, err)
	}
	if e := ev.got[0]; e.Detail != `{"m":1}` || strings.Join(e.Resources, " ") != "r arn:aws:states:us-east-1:000000000000:stateMachine:m "+execArn {
		t.Errorf("entry: %+v", e)
	}
	_, err = s.Invoke(ctx, req("arn:aws:states:::events:putEvents", `{"Entries":[{"Source":"s","DetailType":"d","Detail":"bad"}]}`))
	failed(t, err, "EventBridge.FailedEntry", `"FailedEntryCount":1`)
	_, err = s.Invoke(ctx, req("arn:aws:states:::apigateway:invoke", `{"ApiEndpoint":"abc.execute-api.localhost","Method":"GET"}`))
	failed(t, err, "ApiGateway.403", `^\{"message":"Missing Authentication Token"\}$`)
}

// fakeSFN starts executions.
type fakeSFN struct{ StepFunctions }

func (fakeSFN) StartExecution(ctx context.Context, sc sfn.Scope, in *sfn.StartExecutionInput) (*sfn.StartExecutionOutput, error) {
	if in.Input == nil || *in.Input != `{"a":1}` || in.StateMachineArn != "arn:aws:states:us-east-1:000000000000:stateMachine:child" {
		return nil, errors.New("unexpected request")
	}
	return &sfn.StartExecutionOutput{ExecutionArn: "arn:x"}, nil
}

func TestStepFunctionsSDK(t *testing.T) {
	s := &Services{StepFunctions: fakeSFN{}}
	out, err := s.Invoke(context.Background(), req("arn:aws:states:::aws-sdk:sfn:startExecution",
		`{"StateMachineArn":"arn:aws:states:us-east-1:000000000000:stateMachine:child","Input":{"a":1}}`))
	if err != nil || string(out) != `{"ExecutionArn":"arn:x","StartDate":null}` {
		t.Errorf("aws-sdk:sfn:startExecution: %s %v", out, err)
	}
}
