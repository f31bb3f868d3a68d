package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/nubo-dev/nubo/internal/testnet"
)

// crashMachine draws an id, runs a Lambda task of 1.5 s, waits 2 s and
// maps its items through another Lambda task: a crash can land in a task,
// in a wait, or in a Map.
const crashMachine = `{"StartAt": "Prepare", "States": {
	"Prepare": {"Type": "Pass", "Parameters": {"n.$": "$.n", "items.$": "$.items", "id.$": "States.UUID()"}, "Next": "Slow"},
	"Slow": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "ResultPath": "$.slow", "Next": "Pause",
		"Parameters": {"FunctionName": "sleeper", "Payload": {"op": "sleep", "ms": 1500, "value.$": "$.id"}},
		"ResultSelector": {"value.$": "$.Payload.value"},
		"Retry": [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1, "MaxAttempts": 3}]},
	"Pause": {"Type": "Wait", "Seconds": 2, "Next": "Each"},
	"Each": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2, "ResultPath": "$.each", "Next": "Done",
		"ItemSelector": {"i.$": "$$.Map.Item.Value", "id.$": "$.id"},
		"ItemProcessor": {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
			"Parameters": {"FunctionName": "sleeper", "Payload": {"op": "sleep", "ms": 200, "value.$": "States.Format('{}-{}', $.id, $.i)"}},
			"OutputPath": "$.Payload.value", "Retry": [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1, "MaxAttempts": 3}]}}}},
	"Done": {"Type": "Pass", "Parameters": {"id.$": "$.id", "slow.$": "$.slow.value", "each.$": "$.each", "n.$": "$.n"}, "End": true}}}`

// crashOutput is what crashMachine answers.
type crashOutput struct {
	ID, Slow string
	Each     []string
	N        int
}

// TestStepFunctionsSurviveKill9 kills a real nubo serve with SIGKILL while
// one execution's Lambda task is in flight and another waits, starts it
// again on the same data directory, and checks that both complete as an
// execution that never saw a crash does: the same states, the values drawn
// before the crash kept, and the interrupted task retried under its Retry.
func TestStepFunctionsSurviveKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test: skipped with -short")
	}
	t.Parallel()
	dir := t.TempDir()
	bin := nuboBinary(t)
	addr := testnet.Addr(t)
	data := filepath.Join(dir, "data")
	p := startProcess(t, bin, data, addr)
	n := &nubo{addr: addr, region: region, client: lambdaClient(addr, region)}
	ctx := context.Background()
	in := createInput(t, "sleeper")
	in.Code.ZipFile = goFunctionZip(t)
	in.Timeout = aws.Int32(30)
	if _, err := n.client.CreateFunction(ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := lambda.NewFunctionActiveV2Waiter(n.client, fastActive).Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("sleeper")}, waitLimit); err != nil {
		t.Fatal(err)
	}
	arn := n.machine(t, "durable", "", crashMachine)
	input := `{"n": 7, "items": [1, 2, 3]}`

	waiting := n.start(t, arn, input)
	n.waitForEvent(t, waiting, sfntypes.HistoryEventTypeWaitStateEntered)
	inTask := n.start(t, arn, input)
	n.waitForEvent(t, inTask, sfntypes.HistoryEventTypeTaskStarted)
	drawn := map[string]string{waiting: n.drawnID(t, waiting), inTask: n.drawnID(t, inTask)}
	p.kill()
	t.Log("killed nubo with -9: one execution in its Lambda task, one in its wait")

	startProcess(t, bin, data, addr)
	control := n.start(t, arn, input)
	var states []string
	for _, exec := range []string{control, waiting, inTask} {
		d := n.finished(t, exec, 2*time.Minute)
		if d.Status != sfntypes.ExecutionStatusSucceeded {
			t.Fatalf("%s: %s %s %s", exec, d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
		}
		var out crashOutput
		if err := json.Unmarshal([]byte(aws.ToString(d.Output)), &out); err != nil {
			t.Fatal(err)
		}
		want := crashOutput{ID: out.ID, Slow: out.ID, N: 7, Each: []string{out.ID + "-1", out.ID + "-2", out.ID + "-3"}}
		if id, ok := drawn[exec]; ok && out.ID != id {
			t.Errorf("%s: id %s after the crash, %s before", exec, out.ID, id)
		}
		if fmt.Sprint(out) != fmt.Sprint(want) {
			t.Errorf("%s: output %+v, want %+v", exec, out, want)
		}
		events := n.history(t, exec)
		entered := enteredStates(events)
		if states == nil {
			states = entered
		} else if !slices.Equal(entered, states) {
			t.Errorf("%s entered %v, the control %v", exec, entered, states)
		}
		failed := strings.Count(eventTypes(events), "TaskFailed")
		if wantFailed := map[bool]int{true: 1, false: 0}[exec == inTask]; failed != wantFailed {
			t.Errorf("%s: %d TaskFailed events, want %d: %s", exec, failed, wantFailed, eventTypes(events))
		}
	}
}

// waitForEvent polls an execution's history until an event of type typ is
// recorded.
func (n *nubo) waitForEvent(t *testing.T, execArn string, typ sfntypes.HistoryEventType) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, e := range n.history(t, execArn) {
			if e.Type == typ {
				return
			}
		}
	}
	t.Fatalf("%s recorded no %s", execArn, typ)
}

// drawnID is the id an execution of crashMachine drew in its first state.
func (n *nubo) drawnID(t *testing.T, execArn string) string {
	t.Helper()
	for _, e := range n.history(t, execArn) {
		if e.Type == sfntypes.HistoryEventTypePassStateExited {
			var out struct{ ID string }
			json.Unmarshal([]byte(aws.ToString(e.StateExitedEventDetails.Output)), &out)
			return out.ID
		}
	}
	t.Fatalf("%s has not left its first state", execArn)
	return ""
}

// enteredStates are the names of the states an execution entered, sorted
// (Map iterations interleave).
func enteredStates(events []sfntypes.HistoryEvent) []string {
	var out []string
	for _, e := range events {
		if e.StateEnteredEventDetails != nil {
			out = append(out, aws.ToString(e.StateEnteredEventDetails.Name))
		}
	}
	slices.Sort(out)
	return out
}
