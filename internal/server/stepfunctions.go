package server

import (
	"context"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/invoker"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/logs"
	"github.com/nubo-dev/nubo/internal/services/sfn"
	"github.com/nubo-dev/nubo/internal/services/sfn/integrations"
)

// buildStepFunctions builds Step Functions on the KV bucket "sfn" (state
// machines, versions, aliases, activities) and the table "SFN"
// (executions), with the services its Task states reach, its execution
// logs in CloudWatch Logs, and its metrics and bill.
func (s *Server) buildStepFunctions(ctx context.Context, inv *invoker.Invoker) error {
	kv, err := s.store.KV(ctx, "sfn")
	if err != nil {
		return err
	}
	table, err := s.store.Table(ctx, "SFN", "sfn")
	if err != nil {
		return err
	}
	// DynamoDB's tasks need Tables (the dynamodb.Service) and EventBridge's
	// and API Gateway's Events and APIs, once those services are part of
	// nubo; until then their tasks fail saying so.
	tasks := &integrations.Services{Functions: inv, Async: s.async, Queues: s.sqs, Topics: s.sns}
	s.sfn, err = sfn.New(ctx, kv, table, sfn.Options{
		Account:      s.cfg.Account,
		Integrations: tasks,
		Logs:         executionLogs{s.logs},
		Observer:     newStatesObserver(s.obs),
		Mock:         s.cfg.StepFunctionsMock,
		Logger:       s.log,
	})
	if err != nil {
		return err
	}
	tasks.StepFunctions = s.sfn
	s.runners = append(s.runners, s.sfn.Run)
	return nil
}

// executionLogs writes executions' events to the log group of their state
// machine's LoggingConfiguration, creating the group and the stream as
// they are first written to.
type executionLogs struct{ logs *logs.Store }

func (l executionLogs) Log(ctx context.Context, logGroupArn, stream string, message []byte) {
	// arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]
	_, group, ok := strings.Cut(logGroupArn, ":log-group:")
	if !ok {
		return
	}
	group = strings.TrimSuffix(group, ":*")
	l.logs.Append(group, stream, []lambda.LogEvent{{Timestamp: time.Now().UnixMilli(), Message: string(message)}})
}
