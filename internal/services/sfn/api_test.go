package sfn

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
)

const passDef = `{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}`

func errCode(err error) string {
	var ae *awserr.Error
	if errors.As(err, &ae) {
		return ae.Code.Name
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestStateMachineLifecycle(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	in := &CreateStateMachineInput{Name: "sm", Definition: passDef, RoleArn: "arn:aws:iam::123456789012:role/r", Tags: []Tag{{"k", "v"}}}
	out, err := h.s.CreateStateMachine(ctx, testScope, in)
	if err != nil || out.StateMachineArn != "arn:aws:states:us-east-1:123456789012:stateMachine:sm" {
		t.Fatalf("create: %+v %v", out, err)
	}
	again, err := h.s.CreateStateMachine(ctx, testScope, in)
	if err != nil || again.StateMachineArn != out.StateMachineArn {
		t.Fatalf("idempotent create: %v", err)
	}
	in2 := *in
	in2.Definition = `{"StartAt": "Q", "States": {"Q": {"Type": "Succeed"}}}`
	if _, err := h.s.CreateStateMachine(ctx, testScope, &in2); errCode(err) != "StateMachineAlreadyExists" {
		t.Errorf("conflicting create: %v", err)
	}
	for _, bad := range []*CreateStateMachineInput{
		{Name: "bad name", Definition: passDef, RoleArn: in.RoleArn},
		{Name: "x", Definition: `{}`, RoleArn: in.RoleArn},
		{Name: "x", Definition: passDef, RoleArn: "not-an-arn"},
		{Name: "x", Definition: passDef, RoleArn: in.RoleArn, Type: "BOGUS"},
		{Name: "x", Definition: passDef, RoleArn: in.RoleArn, LoggingConfiguration: &LoggingConfiguration{Level: "ALL"}},
	} {
		if _, err := h.s.CreateStateMachine(ctx, testScope, bad); err == nil {
			t.Errorf("create %+v succeeded", bad)
		}
	}
	_, err = h.s.CreateStateMachine(ctx, testScope, &CreateStateMachineInput{Name: "x", Definition: `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}`, RoleArn: in.RoleArn})
	if errCode(err) != "InvalidDefinition" || !strings.Contains(err.Error(), "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: B at /States/A/Next") {
		t.Errorf("invalid definition: %v", err)
	}

	d, err := h.s.DescribeStateMachine(ctx, testScope, &DescribeStateMachineInput{StateMachineArn: out.StateMachineArn})
	if err != nil || d.Definition != passDef || d.Type != TypeStandard || d.Status != "ACTIVE" || d.LoggingConfiguration.Level != "OFF" {
		t.Fatalf("describe: %+v %v", d, err)
	}
	up, err := h.s.UpdateStateMachine(ctx, testScope, &UpdateStateMachineInput{StateMachineArn: out.StateMachineArn, Definition: in2.Definition, Publish: true, VersionDescription: "v1"})
	if err != nil || up.StateMachineVersionArn != out.StateMachineArn+":1" || up.RevisionID == d.RevisionID {
		t.Fatalf("update: %+v %v", up, err)
	}
	v, err := h.s.DescribeStateMachine(ctx, testScope, &DescribeStateMachineInput{StateMachineArn: up.StateMachineVersionArn})
	if err != nil || v.Definition != in2.Definition || v.Description != "v1" {
		t.Fatalf("describe version: %+v %v", v, err)
	}
	list, err := h.s.ListStateMachines(ctx, testScope, &ListInput{})
	if err != nil || len(list.StateMachines) != 1 || list.StateMachines[0].Name != "sm" {
		t.Fatalf("list: %+v %v", list, err)
	}
	tags, err := h.s.ListTagsForResource(ctx, testScope, &ListTagsForResourceInput{ResourceArn: out.StateMachineArn})
	if err != nil || len(tags.Tags) != 1 || tags.Tags[0] != (Tag{"k", "v"}) {
		t.Fatalf("tags: %+v %v", tags, err)
	}
	h.s.TagResource(ctx, testScope, &TagResourceInput{ResourceArn: out.StateMachineArn, Tags: []Tag{{"a", "1"}}})
	h.s.UntagResource(ctx, testScope, &UntagResourceInput{ResourceArn: out.StateMachineArn, TagKeys: []string{"k"}})
	tags, _ = h.s.ListTagsForResource(ctx, testScope, &ListTagsForResourceInput{ResourceArn: out.StateMachineArn})
	if len(tags.Tags) != 1 || tags.Tags[0] != (Tag{"a", "1"}) {
		t.Errorf("tags after changes: %+v", tags.Tags)
	}

	// Everything survives a restart.
	h.restart(nil)
	v, err = h.s.DescribeStateMachine(ctx, testScope, &DescribeStateMachineInput{StateMachineArn: up.StateMachineVersionArn})
	if err != nil || v.Definition != in2.Definition {
		t.Fatalf("version after restart: %v", err)
	}
	if _, err := h.s.DeleteStateMachine(ctx, testScope, &DeleteStateMachineInput{StateMachineArn: out.StateMachineArn}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.DescribeStateMachine(ctx, testScope, &DescribeStateMachineInput{StateMachineArn: out.StateMachineArn}); errCode(err) != "StateMachineDoesNotExist" {
		t.Errorf("describe deleted: %v", err)
	}
	if _, err := h.s.DescribeStateMachine(ctx, testScope, &DescribeStateMachineInput{StateMachineArn: "arn:aws:sqs:us-east-1:1:q"}); errCode(err) != "InvalidArn" {
		t.Errorf("bad arn: %v", err)
	}
}

func TestVersionsAndAliases(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	arn := h.create("sm", "", passDef)
	p1, err := h.s.PublishStateMachineVersion(ctx, testScope, &PublishStateMachineVersionInput{StateMachineArn: arn})
	if err != nil || p1.StateMachineVersionArn != arn+":1" {
		t.Fatalf("publish: %+v %v", p1, err)
	}
	if p, _ := h.s.PublishStateMachineVersion(ctx, testScope, &PublishStateMachineVersionInput{StateMachineArn: arn}); p.StateMachineVersionArn != arn+":1" {
		t.Errorf("republishing the same revision made %s", p.StateMachineVersionArn)
	}
	h.s.UpdateStateMachine(ctx, testScope, &UpdateStateMachineInput{StateMachineArn: arn, Definition: `{"StartAt": "Q", "States": {"Q": {"Type": "Pass", "Result": 2, "End": true}}}`})
	if _, err := h.s.PublishStateMachineVersion(ctx, testScope, &PublishStateMachineVersionInput{StateMachineArn: arn, RevisionID: "stale"}); errCode(err) != "ConflictException" {
		t.Errorf("stale revision: %v", err)
	}
	p2, _ := h.s.PublishStateMachineVersion(ctx, testScope, &PublishStateMachineVersionInput{StateMachineArn: arn})
	vs, _ := h.s.ListStateMachineVersions(ctx, testScope, &ListStateMachineVersionsInput{StateMachineArn: arn})
	if len(vs.StateMachineVersions) != 2 || vs.StateMachineVersions[0].StateMachineVersionArn != p2.StateMachineVersionArn {
		t.Fatalf("versions %+v", vs)
	}
	al, err := h.s.CreateStateMachineAlias(ctx, testScope, &CreateStateMachineAliasInput{Name: "live",
		RoutingConfiguration: []RoutingConfigurationListItem{{StateMachineVersionArn: p1.StateMachineVersionArn, Weight: 100}}})
	if err != nil || al.StateMachineAliasArn != arn+":live" {
		t.Fatalf("alias: %+v %v", al, err)
	}
	for _, bad := range [][]RoutingConfigurationListItem{
		{{StateMachineVersionArn: p1.StateMachineVersionArn, Weight: 50}},
		{{StateMachineVersionArn: p1.StateMachineVersionArn, Weight: 50}, {StateMachineVersionArn: p1.StateMachineVersionArn, Weight: 50}},
		{{StateMachineVersionArn: arn + ":9", Weight: 100}},
	} {
		if _, err := h.s.CreateStateMachineAlias(ctx, testScope, &CreateStateMachineAliasInput{Name: "bad", RoutingConfiguration: bad}); err == nil {
			t.Errorf("alias with routing %+v", bad)
		}
	}
	// An execution through the alias runs version 1 and names both.
	exec := h.startExec(al.StateMachineAliasArn, `{"v": 1}`)
	d := h.wait(exec)
	if d.Status != StatusSucceeded || deref(d.Output) != `{"v":1}` || d.StateMachineVersionArn != p1.StateMachineVersionArn || d.StateMachineAliasArn != al.StateMachineAliasArn {
		t.Fatalf("alias execution %+v", d)
	}
	list, _ := h.s.ListExecutions(ctx, testScope, &ListExecutionsInput{StateMachineArn: al.StateMachineAliasArn})
	if len(list.Executions) != 1 {
		t.Errorf("executions of the alias: %+v", list)
	}
	if _, err := h.s.DeleteStateMachineVersion(ctx, testScope, &DeleteStateMachineVersionInput{StateMachineVersionArn: p1.StateMachineVersionArn}); errCode(err) != "ConflictException" {
		t.Errorf("deleting a routed version: %v", err)
	}
	desc := "moved"
	if _, err := h.s.UpdateStateMachineAlias(ctx, testScope, &UpdateStateMachineAliasInput{StateMachineAliasArn: al.StateMachineAliasArn, Description: &desc,
		RoutingConfiguration: []RoutingConfigurationListItem{{StateMachineVersionArn: p2.StateMachineVersionArn, Weight: 100}}}); err != nil {
		t.Fatal(err)
	}
	da, _ := h.s.DescribeStateMachineAlias(ctx, testScope, &StateMachineAliasInput{StateMachineAliasArn: al.StateMachineAliasArn})
	if da.Description != "moved" || da.RoutingConfiguration[0].StateMachineVersionArn != p2.StateMachineVersionArn || da.UpdateDate == nil {
		t.Errorf("alias after update %+v", da)
	}
	if _, err := h.s.DeleteStateMachineVersion(ctx, testScope, &DeleteStateMachineVersionInput{StateMachineVersionArn: p1.StateMachineVersionArn}); err != nil {
		t.Errorf("delete version: %v", err)
	}
	if _, err := h.s.DeleteStateMachineAlias(ctx, testScope, &StateMachineAliasInput{StateMachineAliasArn: al.StateMachineAliasArn}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.DescribeStateMachineAlias(ctx, testScope, &StateMachineAliasInput{StateMachineAliasArn: al.StateMachineAliasArn}); errCode(err) != "ResourceNotFound" {
		t.Errorf("deleted alias: %v", err)
	}
}

func TestExecutionAPI(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	arn := h.create("sm", "", `{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100, "End": true}}}`)
	in := `{"a": 1}`
	start := func(name, input string) (*StartExecutionOutput, error) {
		return h.s.StartExecution(ctx, testScope, &StartExecutionInput{StateMachineArn: arn, Name: name, Input: &input})
	}
	first, err := start("e1", in)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := start("e1", in); err != nil || again.ExecutionArn != first.ExecutionArn {
		t.Errorf("idempotent start: %v", err)
	}
	if _, err := start("e1", `{"b": 2}`); errCode(err) != "ExecutionAlreadyExists" {
		t.Errorf("start with other input: %v", err)
	}
	if _, err := start("e2", `{`); errCode(err) != "InvalidExecutionInput" {
		t.Errorf("bad input: %v", err)
	}
	if _, err := start("bad name", in); errCode(err) != "InvalidName" {
		t.Errorf("bad name: %v", err)
	}
	stop, err := h.s.StopExecution(ctx, testScope, &StopExecutionInput{ExecutionArn: first.ExecutionArn, Error: "Stopped", Cause: "by test"})
	if err != nil || stop.StopDate == nil {
		t.Fatalf("stop: %v", err)
	}
	d := h.wait(first.ExecutionArn)
	if d.Status != StatusAborted || d.Error != "Stopped" || d.RedriveStatus != "REDRIVABLE" {
		t.Fatalf("stopped: %+v", d)
	}
	if got := types(h.history(first.ExecutionArn)); got[len(got)-1] != "ExecutionAborted" {
		t.Errorf("history %v", got)
	}
	for i := 0; i < 3; i++ {
		start("", in)
	}
	page, _ := h.s.ListExecutions(ctx, testScope, &ListExecutionsInput{StateMachineArn: arn, ListInput: ListInput{MaxResults: 2}})
	rest, _ := h.s.ListExecutions(ctx, testScope, &ListExecutionsInput{StateMachineArn: arn, ListInput: ListInput{NextToken: page.NextToken}})
	if len(page.Executions) != 2 || page.NextToken == "" || len(rest.Executions) != 2 || rest.NextToken != "" {
		t.Errorf("pages %d %q %d %q", len(page.Executions), page.NextToken, len(rest.Executions), rest.NextToken)
	}
	aborted, _ := h.s.ListExecutions(ctx, testScope, &ListExecutionsInput{StateMachineArn: arn, StatusFilter: StatusAborted})
	if len(aborted.Executions) != 1 || aborted.Executions[0].ExecutionArn != first.ExecutionArn {
		t.Errorf("aborted %+v", aborted)
	}
	hist, _ := h.s.GetExecutionHistory(ctx, testScope, &GetExecutionHistoryInput{ExecutionArn: first.ExecutionArn, ReverseOrder: true, MaxResults: 1})
	if len(hist.Events) != 1 || hist.Events[0].Type != "ExecutionAborted" || hist.NextToken == "" {
		t.Errorf("reverse history %+v", hist)
	}
	f := false
	hist, _ = h.s.GetExecutionHistory(ctx, testScope, &GetExecutionHistoryInput{ExecutionArn: first.ExecutionArn, IncludeExecutionData: &f})
	if hist.Events[0].ExecutionStartedEventDetails.Input != nil {
		t.Errorf("history without data has input")
	}
	sfe, err := h.s.DescribeStateMachineForExecution(ctx, testScope, &ExecutionInput{ExecutionArn: first.ExecutionArn})
	if err != nil || !strings.Contains(sfe.Definition, `"Wait"`) {
		t.Errorf("state machine for execution %+v %v", sfe, err)
	}
	if _, err := h.s.DescribeExecution(ctx, testScope, &ExecutionInput{ExecutionArn: arn[:len(arn)-len(":stateMachine:sm")] + ":execution:sm:nope"}); errCode(err) != "ExecutionDoesNotExist" {
		t.Errorf("missing execution: %v", err)
	}
}

func TestExecutionTimeout(t *testing.T) {
	h := newHarness(t, nil)
	arn := h.create("sm", "", `{"TimeoutSeconds": 5, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100, "End": true}}}`)
	exec := h.startExec(arn, `{}`)
	h.clock.WaitFor(t, 5*time.Second)
	h.clock.Advance(5 * time.Second)
	h.clock.Advance(5 * time.Second)
	d := h.wait(exec)
	if d.Status != StatusTimedOut || d.Error != "States.Timeout" {
		t.Fatalf("%+v", d)
	}
	if got := types(h.history(exec)); got[len(got)-1] != "ExecutionTimedOut" {
		t.Errorf("history %v", got)
	}
}

func TestRedrive(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	var mu sync.Mutex
	fail := map[string]bool{"2": true}
	succeeded := map[string]int{}
	h.integ.fn = func(ctx context.Context, req *TaskRequest) (json.RawMessage, error) {
		mu.Lock()
		defer mu.Unlock()
		if fail[string(req.Input)] {
			return nil, &TaskError{Name: "Boom", Cause: "item " + string(req.Input)}
		}
		succeeded[string(req.Input)]++
		return req.Input, nil
	}
	arn := h.create("sm", "", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": [1, 2, 3], "Next": "M"},
		"M": {"Type": "Map", "ItemProcessor": {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}, "End": true}}}`)
	exec := h.startExec(arn, `{}`)
	if d := h.wait(exec); d.Status != StatusFailed || d.Error != "Boom" {
		t.Fatalf("first run: %+v", d)
	}
	mu.Lock()
	fail = map[string]bool{}
	mu.Unlock()
	if _, err := h.s.RedriveExecution(ctx, testScope, &RedriveExecutionInput{ExecutionArn: exec}); err != nil {
		t.Fatal(err)
	}
	d := h.wait(exec)
	if d.Status != StatusSucceeded || deref(d.Output) != `[1,2,3]` || d.RedriveCount != 1 {
		t.Fatalf("redriven: %+v %s", d, deref(d.Output))
	}
	// The redrive runs the failed item and any the failure stopped (item 3,
	// when the machine was too busy to finish it first), and no item that
	// succeeded.
	mu.Lock()
	if want := map[string]int{"1": 1, "2": 1, "3": 1}; !maps.Equal(succeeded, want) {
		t.Errorf("successes per item %v, want each once", succeeded)
	}
	mu.Unlock()
	events := types(h.history(exec))
	if !strings.Contains(strings.Join(events, " "), "ExecutionFailed ExecutionRedriven") || events[len(events)-1] != "ExecutionSucceeded" {
		t.Errorf("history %v", events)
	}
	if _, err := h.s.RedriveExecution(ctx, testScope, &RedriveExecutionInput{ExecutionArn: exec}); errCode(err) != "ExecutionNotRedrivable" {
		t.Errorf("redriving a success: %v", err)
	}
}

// A restart during a redriven execution resumes it where the redrive left
// it: its first attempt's events are not replayed as its second's.
func TestRedrivenExecutionResumesAfterRestart(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	tokens := make(chan string, 4)
	h.integ.fn = func(ctx context.Context, req *TaskRequest) (json.RawMessage, error) {
		tokens <- req.TaskToken
		return json.RawMessage(`{}`), nil
	}
	arn := h.create("sm", "", `{"StartAt": "P", "States": {"P": {"Type": "Pass", "Next": "T"},
		"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
			"Parameters": {"FunctionName": "f", "Payload": {"token.$": "$$.Task.Token"}}, "End": true}}}`)
	exec := h.startExec(arn, `{}`)
	<-tokens
	if _, err := h.s.StopExecution(ctx, testScope, &StopExecutionInput{ExecutionArn: exec}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.RedriveExecution(ctx, testScope, &RedriveExecutionInput{ExecutionArn: exec}); err != nil {
		t.Fatal(err)
	}
	token := <-tokens
	h.restart(nil)
	var again string
	select {
	case again = <-tokens:
	case <-time.After(30 * time.Second):
		t.Fatalf("not resumed: %+v", h.wait(exec))
	}
	if again != token { // the task is invoked again, with its token
		t.Fatalf("token %q after the restart, %q before", again, token)
	}
	if _, err := h.s.SendTaskSuccess(ctx, testScope, &SendTaskSuccessInput{TaskToken: token, Output: `{"ok":1}`}); err != nil {
		t.Fatal(err)
	}
	if d := h.wait(exec); d.Status != StatusSucceeded || deref(d.Output) != `{"ok":1}` || d.RedriveCount != 1 {
		t.Fatalf("%+v %s", d, deref(d.Output))
	}
}

func TestActivities(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	act, err := h.s.CreateActivity(ctx, testScope, &CreateActivityInput{Name: "work"})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := h.s.DescribeActivity(ctx, testScope, &ActivityInput{ActivityArn: act.ActivityArn}); err != nil || d.Name != "work" {
		t.Fatalf("describe: %v", err)
	}
	arn := h.create("sm", "", `{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "`+act.ActivityArn+`", "HeartbeatSeconds": 30, "End": true}}}`)
	exec := h.startExec(arn, `{"job": 1}`)
	task, err := h.s.GetActivityTask(ctx, testScope, &GetActivityTaskInput{ActivityArn: act.ActivityArn, WorkerName: "w1"})
	if err != nil || task.TaskToken == "" || deref(task.Input) != `{"job":1}` {
		t.Fatalf("task %+v %v", task, err)
	}
	if _, err := h.s.SendTaskHeartbeat(ctx, testScope, &SendTaskHeartbeatInput{TaskToken: task.TaskToken}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.SendTaskSuccess(ctx, testScope, &SendTaskSuccessInput{TaskToken: task.TaskToken, Output: `{"done": true}`}); err != nil {
		t.Fatal(err)
	}
	d := h.wait(exec)
	if d.Status != StatusSucceeded || deref(d.Output) != `{"done":true}` {
		t.Fatalf("%+v", d)
	}
	events := h.history(exec)
	want := "ExecutionStarted TaskStateEntered ActivityScheduled ActivityStarted ActivitySucceeded TaskStateExited ExecutionSucceeded"
	if got := strings.Join(types(events), " "); got != want {
		t.Fatalf("history %s", got)
	}
	if events[3].ActivityStartedEventDetails.WorkerName != "w1" {
		t.Errorf("worker %+v", events[3].ActivityStartedEventDetails)
	}
	// A poll with no task answers empty at the end of the poll. (The clock
	// moves first, so that the first poll's timer is not taken for it.)
	h.clock.Advance(time.Second)
	done := make(chan *GetActivityTaskOutput)
	go func() {
		out, _ := h.s.GetActivityTask(ctx, testScope, &GetActivityTaskInput{ActivityArn: act.ActivityArn})
		done <- out
	}()
	h.clock.WaitFor(t, time.Minute)
	h.clock.Advance(time.Minute)
	h.clock.Advance(time.Minute)
	if out := <-done; out.TaskToken != "" {
		t.Errorf("empty poll got %+v", out)
	}
	list, _ := h.s.ListActivities(ctx, testScope, &ListInput{})
	if len(list.Activities) != 1 {
		t.Errorf("activities %+v", list)
	}
	if _, err := h.s.GetActivityTask(ctx, testScope, &GetActivityTaskInput{ActivityArn: act.ActivityArn + "x"}); errCode(err) != "ActivityDoesNotExist" {
		t.Errorf("unknown activity: %v", err)
	}
}

func TestNestedExecution(t *testing.T) {
	h := newHarness(t, nil)
	child := h.create("child", "", `{"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"got.$": "$.x"}, "End": true}}}`)
	for _, tc := range []struct{ resource, want string }{
		{"arn:aws:states:::states:startExecution.sync:2", `{"got":5}`},
		{"arn:aws:states:::states:startExecution.sync", `"{\"got\":5}"`},
	} {
		d := h.run(`{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "`+tc.resource+`",
			"Parameters": {"StateMachineArn": "`+child+`", "Input": {"x.$": "$.x"}}, "OutputPath": "$.Output", "End": true}}}`, `{"x": 5}`)
		if d.Status != StatusSucceeded || deref(d.Output) != tc.want {
			t.Errorf("%s: %s %s %s", tc.resource, d.Status, deref(d.Output), d.Cause)
		}
	}
	d := h.run(`{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution",
		"Parameters": {"StateMachineArn": "`+child+`-missing"}, "End": true}}}`, `{}`)
	if d.Status != StatusFailed || d.Error != "StepFunctions.StateMachineDoesNotExistException" {
		t.Errorf("missing child: %s %s", d.Status, d.Error)
	}
}

func TestExpress(t *testing.T) {
	logs := &memLogs{}
	h := newHarness(t, func(o *Options) { o.Logs = logs })
	ctx := context.Background()
	out, err := h.s.CreateStateMachine(ctx, testScope, &CreateStateMachineInput{Name: "x", Type: TypeExpress, RoleArn: "arn:aws:iam::123456789012:role/r",
		Definition:           `{"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"v.$": "$.v"}, "End": true}}}`,
		LoggingConfiguration: &LoggingConfiguration{Level: "ALL", IncludeExecutionData: true, Destinations: []LogDestination{{CloudWatchLogsLogGroup: &CloudWatchLogsLogGroup{LogGroupArn: "arn:aws:logs:us-east-1:123456789012:log-group:sfn:*"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	in := `{"v": 3}`
	res, err := h.s.StartSyncExecution(ctx, testScope, &StartExecutionInput{StateMachineArn: out.StateMachineArn, Input: &in})
	if err != nil || res.Status != StatusSucceeded || deref(res.Output) != `{"v":3}` || !strings.Contains(res.ExecutionArn, ":express:x:") || res.BillingDetails.BilledDurationInMilliseconds != 100 {
		t.Fatalf("sync: %+v %v", res, err)
	}
	if got := logs.types(); got != "ExecutionStarted PassStateEntered PassStateExited ExecutionSucceeded" {
		t.Errorf("logged %s", got)
	}
	var first map[string]any
	json.Unmarshal(logs.messages()[0], &first)
	if first["id"] != "1" || first["type"] != "ExecutionStarted" || first["execution_arn"] != res.ExecutionArn || first["details"].(map[string]any)["input"] != `{"v": 3}` {
		t.Errorf("log message %v", first)
	}
	if _, err := h.s.DescribeExecution(ctx, testScope, &ExecutionInput{ExecutionArn: res.ExecutionArn}); errCode(err) != "InvalidArn" {
		t.Errorf("describe express: %v", err)
	}
	async, err := h.s.StartExecution(ctx, testScope, &StartExecutionInput{StateMachineArn: out.StateMachineArn, Input: &in})
	if err != nil || !strings.Contains(async.ExecutionArn, ":express:") {
		t.Fatalf("async: %+v %v", async, err)
	}
	std := h.create("std", "", passDef)
	if _, err := h.s.StartSyncExecution(ctx, testScope, &StartExecutionInput{StateMachineArn: std}); errCode(err) != "StateMachineTypeNotSupported" {
		t.Errorf("sync on standard: %v", err)
	}
}

// memLogs collects execution logs.
type memLogs struct {
	mu   sync.Mutex
	msgs [][]byte
}

func (l *memLogs) Log(ctx context.Context, group, stream string, msg []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, msg)
}

func (l *memLogs) messages() [][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([][]byte(nil), l.msgs...)
}

func (l *memLogs) types() string {
	var out []string
	for _, m := range l.messages() {
		var e struct{ Type string }
		json.Unmarshal(m, &e)
		out = append(out, e.Type)
	}
	return strings.Join(out, " ")
}

func TestMockConfig(t *testing.T) {
	cfg, err := ParseMockConfig([]byte(`{
		"StateMachines": {"sm": {"TestCases": {"HappyPath": {"T": "Ok"}, "Retry": {"T": "FailThenOk"}}}},
		"MockedResponses": {
			"Ok": {"0": {"Return": {"StatusCode": 200, "Payload": {"mock": true}}}},
			"FailThenOk": {"0-1": {"Throw": {"Error": "Lambda.ResourceNotReadyException", "Cause": "not ready"}}, "2": {"Return": {"Payload": "finally"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(o *Options) { o.Mock = cfg })
	arn := h.create("sm", "", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "OutputPath": "$.Payload",
		"Retry": [{"ErrorEquals": ["Lambda.ResourceNotReadyException"], "IntervalSeconds": 1, "MaxAttempts": 3}], "End": true}}}`)
	if d := h.wait(h.startExec(arn+"#HappyPath", `{}`)); d.Status != StatusSucceeded || deref(d.Output) != `{"mock":true}` {
		t.Fatalf("happy path: %+v", d)
	}
	exec := h.startExec(arn+"#Retry", `{}`)
	h.clock.WaitFor(t, time.Second)
	h.clock.Advance(time.Second)
	h.clock.WaitFor(t, 2*time.Second)
	h.clock.Advance(2 * time.Second)
	h.clock.Advance(2 * time.Second)
	if d := h.wait(exec); d.Status != StatusSucceeded || deref(d.Output) != `"finally"` {
		t.Fatalf("retry: %+v", d)
	}
	if h.integ.count() != 0 {
		t.Errorf("mocked tasks reached the integrations %d times", h.integ.count())
	}
	for _, bad := range []string{`{"StateMachines": {"sm": {"TestCases": {"c": {"T": "Nope"}}}}}`, `{"MockedResponses": {"R": {"x": {"Return": 1}}}}`, `{"MockedResponses": {"R": {"0": {}}}}`} {
		if _, err := ParseMockConfig([]byte(bad)); err == nil {
			t.Errorf("ParseMockConfig(%s) succeeded", bad)
		}
	}
}

func TestValidateDefinition(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	out, err := h.s.ValidateStateMachineDefinition(ctx, testScope, &ValidateStateMachineDefinitionInput{Definition: passDef})
	if err != nil || out.Result != "OK" || len(out.Diagnostics) != 0 {
		t.Fatalf("%+v %v", out, err)
	}
	out, _ = h.s.ValidateStateMachineDefinition(ctx, testScope, &ValidateStateMachineDefinitionInput{Type: TypeExpress,
		Definition: `{"StartAt": "S", "States": {"S": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish.waitForTaskToken", "End": true}}}`})
	b, _ := json.Marshal(out)
	if string(b) != `{"result":"FAIL","diagnostics":[{"severity":"ERROR","code":"SCHEMA_VALIDATION_FAILED","message":"Express state machine does not support '.waitForTaskToken' service integration ","location":"/States/S/Resource"}],"truncated":false}` {
		t.Errorf("diagnostics %s", b)
	}
}
