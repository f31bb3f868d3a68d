package integrations

import (
	"context"
	"errors"
	"strings"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/sfn"
	"github.com/nubo-dev/nubo/internal/targets"
)

// A Task state calls other services as its execution's role (the Task's
// Credentials.RoleArn, else the state machine's), which Step Functions
// assumes: the call needs the role's permission for its action on its
// resource, and the resource's own policy is weighed with it, as for
// EventBridge's and Scheduler's deliveries (the same targets.Allow). A
// refused call fails the task as the service's AccessDenied error.

// statesPrincipal is the service that assumes execution roles.
const statesPrincipal = "states.amazonaws.com"

// allow authorises one call of a task: action on resource as the task's
// role. sv names a refusal.
func (s *Services) allow(ctx context.Context, t *task, sv *service, requestID, action, resource string) error {
	if s.Allow == nil {
		return nil
	}
	src := targets.Source{Role: t.RoleArn, AssumedBy: statesPrincipal, Session: session(t.ExecutionArn)}
	err := s.Allow(ctx, src, action, resource)
	if errors.Is(err, targets.ErrDenied) {
		msg := strings.TrimPrefix(err.Error(), targets.ErrDenied.Error()+": ")
		return sv.failure(t, requestID, &awserr.Error{Code: sv.denied, Message: msg})
	}
	if err != nil {
		return sv.failure(t, requestID, err)
	}
	return nil
}

// AllowTask authorises a call Step Functions makes itself for a task (a
// nested execution's states:StartExecution), failing it as the optimised
// integration names a refusal (sfn.TaskAuthorizer).
func (s *Services) AllowTask(ctx context.Context, req *sfn.TaskRequest, action, resource string) error {
	return s.allow(ctx, &task{TaskRequest: req}, sfnService, newRequestID(), action, resource)
}

// session is the role session name of an execution's calls: its name, cut
// to the 64 characters STS allows.
func session(executionArn string) string {
	name := executionArn[strings.LastIndexByte(executionArn, ':')+1:]
	if len(name) > 64 {
		name = name[:64]
	}
	if len(name) < 2 {
		name = "states-" + name
	}
	return name
}

// tableARN is the ARN of a table named by name or ARN in the task's
// account and region.
func tableARN(t *task, table string) string {
	if strings.HasPrefix(table, "arn:") {
		return table
	}
	return arn.New("dynamodb", t.Region, t.Account, "table/"+table).String()
}
