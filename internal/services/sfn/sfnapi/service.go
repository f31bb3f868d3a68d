// Package sfnapi is Step Functions' wire package: every operation of the
// sfn domain declared to the wire layer in AWS JSON 1.0 (X-Amz-Target
// "AWSStepFunctions.<Op>", SigV4 signing name "states"). The domain's
// request and response types carry AWS's member names, so each operation
// is the domain's method with the request's account and region as its
// sfn.Scope.
package sfnapi

import (
	"context"
	"log/slog"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/sfn"
	"github.com/nubo-dev/nubo/internal/wire"
)

// maxBody bounds a request: a definition of up to 1,048,576 characters,
// JSON-escaped (a quote or backslash doubles), and the fields around it.
const maxBody = 4 << 20

// New returns Step Functions' service for the wire layer; account is the
// account of every request.
func New(svc *sfn.Service, account string, log *slog.Logger) *wire.Service {
	s := scoped{account}
	return &wire.Service{
		Name: "states",
		JSON: &wire.JSONProtocol{Target: "AWSStepFunctions", Version: "1.0"},
		Errors: wire.Errors{
			MaxBody:  maxBody,
			TooLarge: awserr.New(sfn.ErrValidation, "The request must be smaller than %d bytes.", maxBody),
		},
		Log: log,
		Ops: []wire.Op{
			// State machines, versions and aliases.
			wire.ResourceFrom(op(s, "CreateStateMachine", withRole(func(in *sfn.CreateStateMachineInput) string { return in.RoleArn },
				svc.CreateStateMachine)), s.machineNamed),
			on(op(s, "DescribeStateMachine", svc.DescribeStateMachine), func(in *sfn.DescribeStateMachineInput) string { return in.StateMachineArn }),
			on(op(s, "UpdateStateMachine", withRole(func(in *sfn.UpdateStateMachineInput) string { return in.RoleArn }, svc.UpdateStateMachine)),
				func(in *sfn.UpdateStateMachineInput) string { return in.StateMachineArn }),
			on(op(s, "DeleteStateMachine", svc.DeleteStateMachine), func(in *sfn.DeleteStateMachineInput) string { return in.StateMachineArn }),
			op(s, "ListStateMachines", svc.ListStateMachines).AnyResource(),
			op(s, "ValidateStateMachineDefinition", svc.ValidateStateMachineDefinition).AnyResource(),
			on(op(s, "PublishStateMachineVersion", svc.PublishStateMachineVersion),
				func(in *sfn.PublishStateMachineVersionInput) string { return in.StateMachineArn }),
			on(op(s, "ListStateMachineVersions", svc.ListStateMachineVersions),
				func(in *sfn.ListStateMachineVersionsInput) string { return in.StateMachineArn }),
			on(op(s, "DeleteStateMachineVersion", svc.DeleteStateMachineVersion),
				func(in *sfn.DeleteStateMachineVersionInput) string { return in.StateMachineVersionArn }),
			wire.AccessFrom(op(s, "CreateStateMachineAlias", svc.CreateStateMachineAlias), s.aliasAccess),
			on(op(s, "DescribeStateMachineAlias", svc.DescribeStateMachineAlias), aliasOf),
			on(op(s, "UpdateStateMachineAlias", svc.UpdateStateMachineAlias),
				func(in *sfn.UpdateStateMachineAliasInput) string { return in.StateMachineAliasArn }),
			on(op(s, "DeleteStateMachineAlias", svc.DeleteStateMachineAlias), aliasOf),
			on(op(s, "ListStateMachineAliases", svc.ListStateMachineAliases),
				func(in *sfn.ListStateMachineAliasesInput) string { return in.StateMachineArn }),
			// Executions.
			on(op(s, "StartExecution", svc.StartExecution), machineStarted),
			on(op(s, "StartSyncExecution", svc.StartSyncExecution), machineStarted),
			on(op(s, "DescribeExecution", svc.DescribeExecution), executionOf),
			on(op(s, "ListExecutions", svc.ListExecutions), func(in *sfn.ListExecutionsInput) string {
				if in.MapRunArn != "" {
					return in.MapRunArn
				}
				return in.StateMachineArn
			}),
			on(op(s, "StopExecution", svc.StopExecution), func(in *sfn.StopExecutionInput) string { return in.ExecutionArn }),
			on(op(s, "GetExecutionHistory", svc.GetExecutionHistory), func(in *sfn.GetExecutionHistoryInput) string { return in.ExecutionArn }),
			on(op(s, "RedriveExecution", svc.RedriveExecution), func(in *sfn.RedriveExecutionInput) string { return in.ExecutionArn }),
			on(op(s, "DescribeStateMachineForExecution", svc.DescribeStateMachineForExecution), executionOf),
			// Task tokens and activities.
			on(op(s, "SendTaskSuccess", svc.SendTaskSuccess), func(in *sfn.SendTaskSuccessInput) string { return sfn.TaskTokenStateMachine(in.TaskToken) }),
			on(op(s, "SendTaskFailure", svc.SendTaskFailure), func(in *sfn.SendTaskFailureInput) string { return sfn.TaskTokenStateMachine(in.TaskToken) }),
			on(op(s, "SendTaskHeartbeat", svc.SendTaskHeartbeat), func(in *sfn.SendTaskHeartbeatInput) string { return sfn.TaskTokenStateMachine(in.TaskToken) }),
			wire.ResourceFrom(op(s, "CreateActivity", svc.CreateActivity), s.activityNamed),
			on(op(s, "DescribeActivity", svc.DescribeActivity), activityOf),
			on(op(s, "DeleteActivity", svc.DeleteActivity), activityOf),
			op(s, "ListActivities", svc.ListActivities).AnyResource(),
			on(op(s, "GetActivityTask", svc.GetActivityTask), func(in *sfn.GetActivityTaskInput) string { return in.ActivityArn }),
			// Tags.
			on(op(s, "TagResource", svc.TagResource), func(in *sfn.TagResourceInput) string { return in.ResourceArn }),
			on(op(s, "UntagResource", svc.UntagResource), func(in *sfn.UntagResourceInput) string { return in.ResourceArn }),
			on(op(s, "ListTagsForResource", svc.ListTagsForResource), func(in *sfn.ListTagsForResourceInput) string { return in.ResourceArn }),
		},
	}
}

// The resources of inputs several operations share.

func aliasOf(in *sfn.StateMachineAliasInput) string     { return in.StateMachineAliasArn }
func machineStarted(in *sfn.StartExecutionInput) string { return in.StateMachineArn }
func executionOf(in *sfn.ExecutionInput) string         { return in.ExecutionArn }
func activityOf(in *sfn.ActivityInput) string           { return in.ActivityArn }

// scoped gives operations the scope of their request.
type scoped struct{ account string }

func (s scoped) of(ctx context.Context) sfn.Scope {
	return sfn.Scope{Account: s.account, Region: wire.Region(ctx)}
}

// op declares a domain method as the operation name.
func op[In, Out any](s scoped, name string, fn func(context.Context, sfn.Scope, *In) (*Out, error)) wire.Op {
	return wire.Operation(name, func(ctx context.Context, in *In) (*Out, error) {
		return fn(ctx, s.of(ctx), in)
	})
}
