package sfn

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

func TestHelloWorld(t *testing.T) {
	h := newHarness(t, nil)
	arn := h.create("hello", "", `{"StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "Result": "Hello World!", "Next": "World"}, "World": {"Type": "Pass", "End": true}}}`)
	exec := h.startExec(arn, `{"a": 1}`)
	d := h.wait(exec)
	if d.Status != StatusSucceeded || deref(d.Output) != `"Hello World!"` {
		t.Fatalf("status %s output %s", d.Status, deref(d.Output))
	}
	events := h.history(exec)
	want := "ExecutionStarted PassStateEntered PassStateExited PassStateEntered PassStateExited ExecutionSucceeded"
	if got := strings.Join(types(events), " "); got != want {
		t.Fatalf("history %s", got)
	}
	var prev []int64
	for i, e := range events {
		if e.ID != int64(i+1) {
			t.Errorf("event %d has id %d", i, e.ID)
		}
		prev = append(prev, e.PreviousEventID)
	}
	if b, _ := json.Marshal(prev); string(b) != "[0,0,2,3,4,5]" {
		t.Errorf("previous event ids %s", b)
	}
	if e := events[2].StateExitedEventDetails; e.Name != "Hello" || deref(e.Output) != `"Hello World!"` {
		t.Errorf("exited %+v", e)
	}
	if e := events[1].StateEnteredEventDetails; deref(e.Input) != `{"a": 1}` && deref(e.Input) != `{"a":1}` {
		t.Errorf("entered input %s", deref(e.Input))
	}
}

func TestStatesLanguage(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct {
		name, def, input, status, output, error string
	}{
		{"choice", `{"StartAt": "C", "States": {
			"C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"}], "Default": "Small"},
			"Big": {"Type": "Pass", "Result": "big", "End": true}, "Small": {"Type": "Pass", "Result": "small", "End": true}}}`,
			`{"n": 11}`, StatusSucceeded, `"big"`, ""},
		{"no choice", `{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "E"}]}, "E": {"Type": "Succeed"}}}`,
			`{"n": 2}`, StatusFailed, "", "States.NoChoiceMatched"},
		{"fail", `{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "SomeFailure", "Cause": "This state machines raises a 'SomeFailure' failure."}}}`,
			`{}`, StatusFailed, "", "SomeFailure"},
		{"runtime", `{"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": "$.nope", "End": true}}}`,
			`{}`, StatusFailed, "", "States.Runtime"},
		{"variables", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Assign": {"x": 1, "y.$": "$.in"}, "Next": "B"},
			"B": {"Type": "Pass", "Parameters": {"x.$": "$x", "y.$": "$y", "s.$": "States.Format('{}-{}', $x, $y)"}, "End": true}}}`,
			`{"in": "v"}`, StatusSucceeded, `{"s":"1-v","x":1,"y":"v"}`, ""},
		{"jsonata", `{"QueryLanguage": "JSONata", "StartAt": "A", "States": {
			"A": {"Type": "Pass", "Assign": {"total": "{% $sum($states.input.xs) %}"}, "Output": {"n": "{% $count($states.input.xs) %}"}, "Next": "B"},
			"B": {"Type": "Choice", "Choices": [{"Condition": "{% $total > 5 %}", "Next": "C", "Output": {"total": "{% $total %}", "n": "{% $states.input.n %}"}}], "Default": "D"},
			"C": {"Type": "Succeed"}, "D": {"Type": "Fail", "Error": "Small"}}}`,
			`{"xs": [1, 2, 3]}`, StatusSucceeded, `{"n":3,"total":6}`, ""},
		{"parallel", `{"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "ResultSelector": {"a.$": "$[0]", "b.$": "$[1].v"}, "Branches": [
			{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 1, "End": true}}},
			{"StartAt": "B", "States": {"B": {"Type": "Pass", "Parameters": {"v.$": "$.in"}, "End": true}}}]}}}`,
			`{"in": "x"}`, StatusSucceeded, `{"a":1,"b":"x"}`, ""},
		{"parallel failure caught", `{"StartAt": "P", "States": {"P": {"Type": "Parallel", "Next": "Done", "Catch": [{"ErrorEquals": ["Boom"], "ResultPath": "$.err", "Next": "Done"}], "Branches": [
			{"StartAt": "A", "States": {"A": {"Type": "Fail", "Error": "Boom", "Cause": "c"}}},
			{"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}]}, "Done": {"Type": "Pass", "End": true}}}`,
			`{"in": 1}`, StatusSucceeded, `{"err":{"Cause":"c","Error":"Boom"},"in":1}`, ""},
		{"map", `{"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
			"ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index", "k.$": "$.k"},
			"ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "ResultPath": "$.out", "End": true}}}`,
			`{"items": ["a", "b", "c"], "k": 0}`, StatusSucceeded, `{"items":["a","b","c"],"k":0,"out":[{"i":0,"k":0,"v":"a"},{"i":1,"k":0,"v":"b"},{"i":2,"k":0,"v":"c"}]}`, ""},
		{"map tolerated", `{"StartAt": "M", "States": {"M": {"Type": "Map", "ToleratedFailureCount": 1,
			"ItemProcessor": {"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 2, "Next": "F"}], "Default": "P"},
			"F": {"Type": "Fail", "Error": "Two"}, "P": {"Type": "Pass", "End": true}}}, "End": true}}}`,
			`[1, 2, 3]`, StatusSucceeded, `[1,{"Cause":"","Error":"Two"},3]`, ""},
		{"map exceeds tolerance", `{"StartAt": "M", "States": {"M": {"Type": "Map", "ToleratedFailurePercentage": 10, "MaxConcurrency": 1,
			"ItemProcessor": {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}}, "End": true}}}`,
			`[1, 2]`, StatusFailed, "", "States.ExceedToleratedFailureThreshold"},
		{"map jsonata", `{"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {"Type": "Map", "Items": "{% $states.input.xs %}",
			"ItemSelector": {"double": "{% $states.context.Map.Item.Value * 2 %}"}, "Output": "{% $states.result.double %}",
			"ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}`,
			`{"xs": [1, 2]}`, StatusSucceeded, `[2,4]`, ""},
		{"map scope", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Assign": {"x": 42, "items": [1, 2]}, "Next": "M"},
			"M": {"Type": "Map", "ItemsPath": "$items", "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "Assign": {"inner.$": "$x"}, "Parameters": {"x.$": "$x"}, "End": true}}}, "Next": "B"},
			"B": {"Type": "Pass", "Parameters": {"x.$": "$x", "r.$": "$"}, "End": true}}}`,
			`{}`, StatusSucceeded, `{"r":[{"x":42},{"x":42}],"x":42}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := h.run(tc.def, tc.input)
			if d.Status != tc.status || tc.output != "" && deref(d.Output) != tc.output || d.Error != tc.error {
				t.Fatalf("status %s output %s error %s: %s", d.Status, deref(d.Output), d.Error, d.Cause)
			}
		})
	}
}

func TestWaitWithFakeClock(t *testing.T) {
	h := newHarness(t, nil)
	arn := h.create("wait", "", `{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 86400, "Next": "P"}, "P": {"Type": "Pass", "End": true}}}`)
	exec := h.startExec(arn, `{}`)
	h.clock.WaitFor(t, 24*time.Hour)
	if d := h.wait2(exec); d.Status != StatusRunning {
		t.Fatalf("status %s before the wait ended", d.Status)
	}
	h.clock.Advance(24 * time.Hour)
	if d := h.wait(exec); d.Status != StatusSucceeded {
		t.Fatalf("status %s", d.Status)
	}
}

// wait2 describes without waiting.
func (h *harness) wait2(execArn string) *DescribeExecutionOutput {
	d, err := h.s.DescribeExecution(context.Background(), testScope, &ExecutionInput{ExecutionArn: execArn})
	if err != nil {
		h.t.Fatal(err)
	}
	return d
}

func TestTaskRetryAndCatch(t *testing.T) {
	h := newHarness(t, nil)
	fails := 2
	h.integ.fn = func(ctx context.Context, req *TaskRequest) (json.RawMessage, error) {
		if fails > 0 {
			fails--
			return nil, &TaskError{Name: "Lambda.ServiceException", Cause: "try again"}
		}
		return json.RawMessage(`{"Payload": {"ok": true}, "StatusCode": 200}`), nil
	}
	arn := h.create("retry", "", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
		"Parameters": {"FunctionName": "f", "Payload.$": "$"}, "OutputPath": "$.Payload",
		"Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 2, "BackoffRate": 3, "MaxAttempts": 3}], "End": true}}}`)
	exec := h.startExec(arn, `{"x": 1}`)
	h.clock.WaitFor(t, 2*time.Second)
	h.clock.Advance(2 * time.Second)
	h.clock.WaitFor(t, 6*time.Second)
	h.clock.Advance(6 * time.Second)
	h.clock.Advance(6 * time.Second)
	d := h.wait(exec)
	if d.Status != StatusSucceeded || deref(d.Output) != `{"ok":true}` {
		t.Fatalf("status %s output %s (%s)", d.Status, deref(d.Output), d.Cause)
	}
	want := "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskFailed TaskScheduled TaskStarted TaskFailed TaskScheduled TaskStarted TaskSucceeded TaskStateExited ExecutionSucceeded"
	events := h.history(exec)
	if got := strings.Join(types(events), " "); got != want {
		t.Fatalf("history %s", got)
	}
	if s := events[2].TaskScheduledEventDetails; s.ResourceType != "lambda" || s.Resource != "invoke" || s.Parameters != `{"FunctionName":"f","Payload":{"x":1}}` || s.Region != "us-east-1" {
		t.Errorf("scheduled %+v", s)
	}
	if f := events[4].TaskFailedEventDetails; f.Error != "Lambda.ServiceException" || f.Resource != "invoke" {
		t.Errorf("failed %+v", f)
	}

	h.integ.fn = func(ctx context.Context, req *TaskRequest) (json.RawMessage, error) {
		return nil, &TaskError{Name: "CustomError", Cause: "bad"}
	}
	d = h.run(`{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
		"Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.error", "Next": "H"}], "End": true}, "H": {"Type": "Pass", "End": true}}}`, `{"in": 1}`)
	if d.Status != StatusSucceeded || deref(d.Output) != `{"error":{"Cause":"bad","Error":"CustomError"},"in":1}` {
		t.Fatalf("caught: %s %s", d.Status, deref(d.Output))
	}
}

// A service of nubo's that answers it is unavailable, having changed
// nothing (a cluster moving a queue off a node that died), is called again
// within the same attempt; one whose request may have taken effect is not.
func TestTaskCallsAgainWhileUnavailable(t *testing.T) {
	h := newHarness(t, nil)
	unavailable := 2
	h.integ.fn = func(ctx context.Context, req *TaskRequest) (json.RawMessage, error) {
		if unavailable > 0 {
			unavailable--
			err := store.Unavailable("the cluster is moving sqs us-east-1/q between nodes")
			return nil, &TaskError{Name: "SQS.ServiceUnavailableException", Cause: err.Error(), Err: err}
		}
		return json.RawMessage(`{"MessageId": "m"}`), nil
	}
	definition := `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
		"Parameters": {"QueueUrl": "q", "MessageBody": "b"}, "End": true}}}`
	d := h.run(definition, `{}`)
	if d.Status != StatusSucceeded || h.integ.count() != 3 {
		t.Fatalf("status %s (%s) after %d calls, want SUCCEEDED after 3", d.Status, d.Cause, h.integ.count())
	}
	h.integ.fn = func(ctx context.Context, req *TaskRequest) (json.RawMessage, error) {
		err := store.Interrupted("the node called died before it answered")
		return nil, &TaskError{Name: "SQS.ServiceUnavailableException", Cause: err.Error(), Err: err}
	}
	d = h.run(definition, `{}`)
	if d.Status != StatusFailed || d.Error != "SQS.ServiceUnavailableException" || h.integ.count() != 4 {
		t.Fatalf("interrupted: status %s %s after %d calls, want FAILED after 4", d.Status, d.Error, h.integ.count())
	}
}

func TestTaskTimeoutAndDataLimit(t *testing.T) {
	h := newHarness(t, nil)
	h.integ.fn = func(ctx context.Context, req *TaskRequest) (json.RawMessage, error) {
		if strings.Contains(req.Resource, "slow") {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return json.RawMessage(`"` + strings.Repeat("x", 300*1024) + `"`), nil
	}
	arn := h.create("slow", "", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:slow:call", "TimeoutSeconds": 5, "End": true}}}`)
	exec := h.startExec(arn, `{}`)
	h.clock.WaitFor(t, 5*time.Second)
	h.clock.Advance(5 * time.Second)
	h.clock.Advance(5 * time.Second)
	if d := h.wait(exec); d.Status != StatusFailed || d.Error != "States.Timeout" {
		t.Fatalf("timeout: %s %s", d.Status, d.Error)
	}
	if got := types(h.history(exec)); got[len(got)-2] != "TaskTimedOut" {
		t.Errorf("history %v", got)
	}
	d := h.run(`{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}`, `{}`)
	if d.Status != StatusFailed || d.Error != "States.DataLimitExceeded" || d.Cause != "The state/task 'lambda' returned a result with a size exceeding the maximum number of bytes service limit." {
		t.Fatalf("data limit: %s %s %s", d.Status, d.Error, d.Cause)
	}
}

func TestWaitForTaskToken(t *testing.T) {
	h := newHarness(t, nil)
	tokens := make(chan string, 1)
	h.integ.fn = func(ctx context.Context, req *TaskRequest) (json.RawMessage, error) {
		var in map[string]string
		json.Unmarshal(req.Input, &in)
		tokens <- in["token"]
		return json.RawMessage(`{"MessageId": "m"}`), nil
	}
	arn := h.create("callback", "", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
		"Parameters": {"token.$": "$$.Task.Token"}, "HeartbeatSeconds": 60, "End": true}}}`)
	ctx := context.Background()
	exec := h.startExec(arn, `{}`)
	token := <-tokens
	if _, err := h.s.SendTaskHeartbeat(ctx, testScope, &SendTaskHeartbeatInput{TaskToken: token}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.SendTaskSuccess(ctx, testScope, &SendTaskSuccessInput{TaskToken: token, Output: `{"done": 1}`}); err != nil {
		t.Fatal(err)
	}
	if d := h.wait(exec); d.Status != StatusSucceeded || deref(d.Output) != `{"done":1}` {
		t.Fatalf("%s %s", d.Status, deref(d.Output))
	}
	_, err := h.s.SendTaskSuccess(ctx, testScope, &SendTaskSuccessInput{TaskToken: token, Output: `{}`})
	if !errors.Is(err, ErrTaskDoesNotExist) {
		t.Errorf("second SendTaskSuccess: %v", err)
	}
	if _, err := h.s.SendTaskFailure(ctx, testScope, &SendTaskFailureInput{TaskToken: "garbage"}); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("bad token: %v", err)
	}

	exec = h.startExec(arn, `{}`)
	token = <-tokens
	if _, err := h.s.SendTaskFailure(ctx, testScope, &SendTaskFailureInput{TaskToken: token, Error: "Rejected", Cause: "no"}); err != nil {
		t.Fatal(err)
	}
	if d := h.wait(exec); d.Status != StatusFailed || d.Error != "Rejected" || d.Cause != "no" {
		t.Fatalf("%s %s %s", d.Status, d.Error, d.Cause)
	}

	h.clock.Advance(time.Second) // so that the earlier tasks' heartbeat timers differ
	exec = h.startExec(arn, `{}`)
	<-tokens
	h.clock.WaitFor(t, time.Minute)
	h.clock.Advance(time.Minute)
	h.clock.Advance(time.Minute)
	if d := h.wait(exec); d.Status != StatusFailed || d.Error != "States.HeartbeatTimeout" {
		t.Fatalf("heartbeat: %s %s", d.Status, d.Error)
	}
}

func TestEventLimit(t *testing.T) {
	h := newHarness(t, nil)
	d := h.run(`{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "IsPresent": true, "Next": "E"}], "Default": "A"}, "E": {"Type": "Succeed"}}}`, `{}`)
	if d.Status != StatusFailed || d.Error != "States.Runtime" || d.Cause != "The execution reached the maximum number of history events (25000)." {
		t.Fatalf("%s %s %s", d.Status, d.Error, d.Cause)
	}
	last, err := h.s.GetExecutionHistory(context.Background(), testScope, &GetExecutionHistoryInput{ExecutionArn: d.ExecutionArn, ReverseOrder: true, MaxResults: 1})
	if err != nil || last.Events[0].Type != "ExecutionFailed" || last.Events[0].ID != maxEvents+1 {
		t.Errorf("last event %+v %v", last.Events[0], err)
	}
}

// A commit of several records cut short leaves records after a missing
// one; they are ignored and dropped, and the execution goes on from what
// was acknowledged.
func TestRecordGap(t *testing.T) {
	h := newHarness(t, nil)
	arn := h.create("gap", "", `{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 10, "Next": "P"}, "P": {"Type": "Pass", "End": true}}}`)
	exec := h.startExec(arn, `{}`)
	h.clock.WaitFor(t, 10*time.Second)
	key := execKey("us-east-1", "gap", exec[strings.LastIndexByte(exec, ':')+1:])
	stray, _ := historyRow(key, 7, &record{Events: []recEvent{{E: &HistoryEvent{Type: "PassStateEntered", ID: 99}}}})
	if err := h.s.table.Write(stray).Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.restart(nil)
	<-h.s.resumed
	h.clock.WaitFor(t, 10*time.Second)
	h.clock.Advance(10 * time.Second)
	d := h.wait(exec)
	if d.Status != StatusSucceeded {
		t.Fatalf("%+v", d)
	}
	want := "ExecutionStarted WaitStateEntered WaitStateExited PassStateEntered PassStateExited ExecutionSucceeded"
	if got := strings.Join(types(h.history(exec)), " "); got != want {
		t.Fatalf("history %s", got)
	}
}

// A commit of more than a record's worth of events is stored as several
// records and read back whole.
func TestLargeCommit(t *testing.T) {
	h := newHarness(t, nil)
	big := strings.Repeat("x", 200*1024)
	d := h.run(`{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "`+big+`", "Next": "B"}, "B": {"Type": "Pass", "Next": "C"},
		"C": {"Type": "Pass", "Next": "D"}, "D": {"Type": "Pass", "Result": "small", "End": true}}}`, `{}`)
	if d.Status != StatusSucceeded || deref(d.Output) != `"small"` {
		t.Fatalf("%+v", d)
	}
	events := h.history(d.ExecutionArn)
	if len(events) != 10 || events[9].Type != "ExecutionSucceeded" {
		t.Fatalf("history %v", types(events))
	}
	key := execKey("us-east-1", d.ExecutionArn[strings.Index(d.ExecutionArn, "execution:")+10:strings.LastIndexByte(d.ExecutionArn, ':')], d.Name)
	_, records, err := h.s.loadHistory(context.Background(), key)
	if err != nil || records < 3 {
		t.Errorf("%d records, %v", records, err)
	}
}
