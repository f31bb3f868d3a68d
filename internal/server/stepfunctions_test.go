package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// sfnRole is the tests' role, which Step Functions may assume.
const sfnRole = role

// sfnClient is an SDK Step Functions client pointed at nubo. It sends
// StartSyncExecution to nubo's address as it is: the SDK would prefix the
// host with "sync-" (sync-states.REGION.amazonaws.com), which no resolver
// knows for 127.0.0.1.
func (n *nubo) sfnClient() *sfn.Client {
	return sfn.NewFromConfig(aws.Config{
		Region:       n.region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String("http://" + n.addr),
	}, sfn.WithAPIOptions(func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("NoHostPrefix",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
			}), middleware.Before)
	}))
}

// machine creates a state machine (Standard unless typ says otherwise)
// and returns its ARN.
func (n *nubo) machine(t *testing.T, name, typ, definition string) string {
	t.Helper()
	in := &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(definition), RoleArn: aws.String(sfnRole)}
	if typ != "" {
		in.Type = sfntypes.StateMachineType(typ)
	}
	out, err := n.sfnClient().CreateStateMachine(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateStateMachine %s: %v", name, err)
	}
	return aws.ToString(out.StateMachineArn)
}

// start starts an execution and returns its ARN.
func (n *nubo) start(t *testing.T, machineArn, input string) string {
	t.Helper()
	out, err := n.sfnClient().StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: aws.String(machineArn), Input: aws.String(input)})
	if err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	return aws.ToString(out.ExecutionArn)
}

// finished polls an execution until it is no longer running.
func (n *nubo) finished(t *testing.T, execArn string, limit time.Duration) *sfn.DescribeExecutionOutput {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		d, err := n.sfnClient().DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(execArn)})
		if err != nil {
			t.Fatalf("DescribeExecution: %v", err)
		}
		if d.Status != sfntypes.ExecutionStatusRunning {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s still running after %v", execArn, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runMachine creates a Standard state machine, runs it on input and
// returns how it ended.
func (n *nubo) runMachine(t *testing.T, name, definition, input string) *sfn.DescribeExecutionOutput {
	t.Helper()
	return n.finished(t, n.start(t, n.machine(t, name, "", definition), input), time.Minute)
}

// history returns an execution's events, oldest first.
func (n *nubo) history(t *testing.T, execArn string) []sfntypes.HistoryEvent {
	t.Helper()
	var events []sfntypes.HistoryEvent
	p := sfn.NewGetExecutionHistoryPaginator(n.sfnClient(), &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(execArn), MaxResults: 100})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("GetExecutionHistory: %v", err)
		}
		events = append(events, out.Events...)
	}
	return events
}

func eventTypes(events []sfntypes.HistoryEvent) string {
	var out []string
	for _, e := range events {
		out = append(out, string(e.Type))
	}
	return strings.Join(out, " ")
}

// succeeded checks that an execution succeeded with output want (compared
// as JSON).
func succeeded(t *testing.T, d *sfn.DescribeExecutionOutput, want string) {
	t.Helper()
	if d.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("%s: status %s: %s: %s", aws.ToString(d.Name), d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	if !sameJSON(aws.ToString(d.Output), want) {
		t.Errorf("%s: output\n got %s\nwant %s", aws.ToString(d.Name), aws.ToString(d.Output), want)
	}
}

func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}

// The control plane as the SDK sees it: create, describe, update with a
// version, aliases, list, executions by name (idempotent), stop, and the
// errors' codes and messages.
func TestStepFunctionsAPI(t *testing.T) {
	ctx := context.Background()
	n := sharedNubo(t)
	c := n.sfnClient()
	waitDef := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`
	arn := n.machine(t, "api", "", waitDef)
	if want := "arn:aws:states:" + n.region + ":000000000000:stateMachine:api"; arn != want {
		t.Fatalf("ARN %s, want %s", arn, want)
	}
	d, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	if err != nil || aws.ToString(d.Definition) != waitDef || d.Type != sfntypes.StateMachineTypeStandard || d.Status != sfntypes.StateMachineStatusActive {
		t.Fatalf("describe: %+v %v", d, err)
	}
	up, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Publish: true, VersionDescription: aws.String("first")})
	if err != nil || aws.ToString(up.StateMachineVersionArn) != arn+":1" {
		t.Fatalf("update: %+v %v", up, err)
	}
	alias, err := c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("live"),
		RoutingConfiguration: []sfntypes.RoutingConfigurationListItem{{StateMachineVersionArn: up.StateMachineVersionArn, Weight: 100}}})
	if err != nil || aws.ToString(alias.StateMachineAliasArn) != arn+":live" {
		t.Fatalf("alias: %+v %v", alias, err)
	}

	started, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: alias.StateMachineAliasArn, Name: aws.String("first"), Input: aws.String(`{"a":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: alias.StateMachineAliasArn, Name: aws.String("first"), Input: aws.String(`{"a":1}`)})
	if err != nil || aws.ToString(again.ExecutionArn) != aws.ToString(started.ExecutionArn) || !again.StartDate.Equal(*started.StartDate) {
		t.Fatalf("a second start with the same name and input: %+v %v", again, err)
	}
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Name: aws.String("first"), Input: aws.String(`{"a":2}`)})
	checkError(t, err, apiError{"ExecutionAlreadyExists", 400, "Execution Already Exists: '" + aws.ToString(started.ExecutionArn) + "'"})
	isErr[*sfntypes.ExecutionAlreadyExists](t, err)

	list, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(arn), StatusFilter: sfntypes.ExecutionStatusRunning})
	if err != nil || len(list.Executions) != 1 || aws.ToString(list.Executions[0].StateMachineAliasArn) != arn+":live" {
		t.Fatalf("list: %+v %v", list, err)
	}
	stop, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: started.ExecutionArn, Error: aws.String("Operator"), Cause: aws.String("no longer needed")})
	if err != nil || stop.StopDate == nil {
		t.Fatalf("stop: %+v %v", stop, err)
	}
	e := n.finished(t, aws.ToString(started.ExecutionArn), time.Minute)
	if e.Status != sfntypes.ExecutionStatusAborted || aws.ToString(e.Error) != "Operator" || aws.ToString(e.StateMachineVersionArn) != arn+":1" {
		t.Errorf("stopped: %s %s %s", e.Status, aws.ToString(e.Error), aws.ToString(e.StateMachineVersionArn))
	}
	if got := eventTypes(n.history(t, aws.ToString(started.ExecutionArn))); got != "ExecutionStarted WaitStateEntered ExecutionAborted" {
		t.Errorf("history of the stopped execution: %s", got)
	}

	_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn + "x")})
	checkError(t, err, apiError{"StateMachineDoesNotExist", 400, "State Machine Does Not Exist: '" + arn + "x'"})
	_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("bad"), RoleArn: aws.String(sfnRole),
		Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}`)})
	checkError(t, err, apiError{"InvalidDefinition", 400, "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: B at /States/A/Next…"})
	_, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String("nope")})
	checkError(t, err, apiError{"InvalidArn", 400, "Invalid Arn: 'nope'"})
	v, err := c.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(`{"StartAt":"A","States":{}}`)})
	if err != nil || v.Result != sfntypes.ValidateStateMachineDefinitionResultCodeFail || len(v.Diagnostics) == 0 {
		t.Errorf("validate: %+v %v", v, err)
	}
	machines, err := c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	if err != nil || len(machines.StateMachines) != 1 {
		t.Errorf("list state machines: %+v %v", machines, err)
	}
}

// A Standard execution's history and its data survive a clean restart,
// and a waiting execution goes on after it.
func TestStepFunctionsRestart(t *testing.T) {
	n := startNubo(t, "")
	dir := n.dir
	arn := n.machine(t, "restart", "", `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"done":true},"ResultPath":"$.r","Next":"W"},
		"W":{"Type":"Wait","Seconds":1,"End":true}}}`)
	done := n.finished(t, n.start(t, arn, `{"n":1}`), time.Minute)
	waiting := n.start(t, arn, `{"n":2}`)
	before := eventTypes(n.history(t, aws.ToString(done.ExecutionArn)))
	n.stop()
	n = startNubo(t, dir)
	if got := eventTypes(n.history(t, aws.ToString(done.ExecutionArn))); got != before {
		t.Errorf("history after the restart: %s, want %s", got, before)
	}
	succeeded(t, n.finished(t, waiting, time.Minute), `{"n":2,"r":{"done":true}}`)
	if _, err := n.sfnClient().StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: aws.String(arn),
		Name: done.Name, Input: aws.String(`{}`)}); !errors.As(err, new(*sfntypes.ExecutionAlreadyExists)) {
		t.Errorf("a name used before the restart: %v", err)
	}
}
