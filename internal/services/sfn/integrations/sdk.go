package integrations

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nubo-dev/nubo/internal/services/sfn"
)

// StepFunctions is the Step Functions API that aws-sdk:sfn:* tasks call
// (sfn.Service).
type StepFunctions interface {
	StartExecution(ctx context.Context, sc sfn.Scope, in *sfn.StartExecutionInput) (*sfn.StartExecutionOutput, error)
	StartSyncExecution(ctx context.Context, sc sfn.Scope, in *sfn.StartExecutionInput) (*sfn.StartSyncExecutionOutput, error)
	DescribeExecution(ctx context.Context, sc sfn.Scope, in *sfn.ExecutionInput) (*sfn.DescribeExecutionOutput, error)
	StopExecution(ctx context.Context, sc sfn.Scope, in *sfn.StopExecutionInput) (*sfn.StopExecutionOutput, error)
	ListExecutions(ctx context.Context, sc sfn.Scope, in *sfn.ListExecutionsInput) (*sfn.ListExecutionsOutput, error)
	SendTaskSuccess(ctx context.Context, sc sfn.Scope, in *sfn.SendTaskSuccessInput) (*struct{}, error)
	SendTaskFailure(ctx context.Context, sc sfn.Scope, in *sfn.SendTaskFailureInput) (*struct{}, error)
	SendTaskHeartbeat(ctx context.Context, sc sfn.Scope, in *sfn.SendTaskHeartbeatInput) (*struct{}, error)
	DescribeStateMachine(ctx context.Context, sc sfn.Scope, in *sfn.DescribeStateMachineInput) (*sfn.DescribeStateMachineOutput, error)
}

// stepFunctions runs aws-sdk:sfn:ACTION.
func (s *Services) stepFunctions(ctx context.Context, t *task, action string) (json.RawMessage, error) {
	if s.StepFunctions == nil {
		return nil, missing("Step Functions' own API to tasks")
	}
	x := s.StepFunctions
	machine := func(in *sfn.StartExecutionInput) string { return in.StateMachineArn }
	execution := func(in *sfn.ExecutionInput) string { return in.ExecutionArn }
	switch action {
	case "startExecution":
		return sfnCall(ctx, s, t, "StartExecution", machine, x.StartExecution)
	case "startSyncExecution":
		return sfnCall(ctx, s, t, "StartSyncExecution", machine, x.StartSyncExecution)
	case "describeExecution":
		return sfnCall(ctx, s, t, "DescribeExecution", execution, x.DescribeExecution)
	case "stopExecution":
		return sfnCall(ctx, s, t, "StopExecution", func(in *sfn.StopExecutionInput) string { return in.ExecutionArn }, x.StopExecution)
	case "listExecutions":
		return sfnCall(ctx, s, t, "ListExecutions", func(in *sfn.ListExecutionsInput) string { return in.StateMachineArn }, x.ListExecutions)
	case "sendTaskSuccess":
		return sfnCall(ctx, s, t, "SendTaskSuccess", func(in *sfn.SendTaskSuccessInput) string { return sfn.TaskTokenStateMachine(in.TaskToken) }, x.SendTaskSuccess)
	case "sendTaskFailure":
		return sfnCall(ctx, s, t, "SendTaskFailure", func(in *sfn.SendTaskFailureInput) string { return sfn.TaskTokenStateMachine(in.TaskToken) }, x.SendTaskFailure)
	case "sendTaskHeartbeat":
		return sfnCall(ctx, s, t, "SendTaskHeartbeat", func(in *sfn.SendTaskHeartbeatInput) string { return sfn.TaskTokenStateMachine(in.TaskToken) }, x.SendTaskHeartbeat)
	case "describeStateMachine":
		return sfnCall(ctx, s, t, "DescribeStateMachine", func(in *sfn.DescribeStateMachineInput) string { return in.StateMachineArn }, x.DescribeStateMachine)
	}
	return nil, runtimeError("nubo does not serve the resource %s.", t.Resource)
}

// sfnCall runs one Step Functions operation for an aws-sdk task: its
// parameters are the request (Input and Output given as JSON are sent
// serialised), its result the response with the SDK's PascalCase member
// names.
func sfnCall[In, Out any](ctx context.Context, s *Services, t *task, action string, resource func(*In) string,
	op func(context.Context, sfn.Scope, *In) (*Out, error)) (json.RawMessage, error) {
	id := newRequestID()
	var fields map[string]json.RawMessage
	if err := params(t, &fields); err != nil {
		return nil, err
	}
	for k, v := range fields {
		if (strings.EqualFold(k, "Input") || strings.EqualFold(k, "Output")) && len(v) > 0 && v[0] != '"' {
			fields[k], _ = json.Marshal(string(v))
		}
	}
	in := new(In)
	raw, _ := json.Marshal(fields)
	if err := decode(t.Resource, raw, in); err != nil {
		return nil, err
	}
	res := resource(in)
	if res == "" {
		res = "*"
	}
	if err := s.allow(ctx, t, sfnService, id, "states:"+action, res); err != nil {
		return nil, err
	}
	out, err := op(ctx, sfn.Scope{Account: t.Account, Region: t.Region}, in)
	if err != nil {
		return nil, sfnService.failure(t, id, err)
	}
	body, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(pascal(v))
}

// pascal capitalises the member names of a response, as the SDKs name
// them (executionArn becomes ExecutionArn).
func pascal(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			r, n := utf8.DecodeRuneInString(k)
			out[string(unicode.ToUpper(r))+k[n:]] = pascal(e)
		}
		return out
	case []any:
		for i, e := range x {
			x[i] = pascal(e)
		}
	}
	return v
}
