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
			op(s, "CreateStateMachine", svc.CreateStateMachine),
			op(s, "DescribeStateMachine", svc.DescribeStateMachine),
			op(s, "UpdateStateMachine", svc.UpdateStateMachine),
			op(s, "DeleteStateMachine", svc.DeleteStateMachine),
			op(s, "ListStateMachines", svc.ListStateMachines),
			op(s, "ValidateStateMachineDefinition", svc.ValidateStateMachineDefinition),
			op(s, "PublishStateMachineVersion", svc.PublishStateMachineVersion),
			op(s, "ListStateMachineVersions", svc.ListStateMachineVersions),
			op(s, "DeleteStateMachineVersion", svc.DeleteStateMachineVersion),
			op(s, "CreateStateMachineAlias", svc.CreateStateMachineAlias),
			op(s, "DescribeStateMachineAlias", svc.DescribeStateMachineAlias),
			op(s, "UpdateStateMachineAlias", svc.UpdateStateMachineAlias),
			op(s, "DeleteStateMachineAlias", svc.DeleteStateMachineAlias),
			op(s, "ListStateMachineAliases", svc.ListStateMachineAliases),
			// Executions.
			op(s, "StartExecution", svc.StartExecution),
			op(s, "StartSyncExecution", svc.StartSyncExecution),
			op(s, "DescribeExecution", svc.DescribeExecution),
			op(s, "ListExecutions", svc.ListExecutions),
			op(s, "StopExecution", svc.StopExecution),
			op(s, "GetExecutionHistory", svc.GetExecutionHistory),
			op(s, "RedriveExecution", svc.RedriveExecution),
			op(s, "DescribeStateMachineForExecution", svc.DescribeStateMachineForExecution),
			// Task tokens and activities.
			op(s, "SendTaskSuccess", svc.SendTaskSuccess),
			op(s, "SendTaskFailure", svc.SendTaskFailure),
			op(s, "SendTaskHeartbeat", svc.SendTaskHeartbeat),
			op(s, "CreateActivity", svc.CreateActivity),
			op(s, "DescribeActivity", svc.DescribeActivity),
			op(s, "DeleteActivity", svc.DeleteActivity),
			op(s, "ListActivities", svc.ListActivities),
			op(s, "GetActivityTask", svc.GetActivityTask),
			// Tags.
			op(s, "TagResource", svc.TagResource),
			op(s, "UntagResource", svc.UntagResource),
			op(s, "ListTagsForResource", svc.ListTagsForResource),
		},
	}
}

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
