package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/invoker"
	"github.com/nubo-dev/nubo/internal/services/events"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/logs"
	"github.com/nubo-dev/nubo/internal/services/sfn"
	"github.com/nubo-dev/nubo/internal/services/sfn/integrations"
	"github.com/nubo-dev/nubo/internal/targets"
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
	tasks := &integrations.Services{Functions: inv, Async: s.async, Queues: s.sqs, Topics: s.sns,
		Tables: s.dynamodb, Events: stateEvents{s.events}}
	if s.verifies() {
		// Tasks act as their execution role, as deliveries do.
		tasks.Allow = s.allowDelivery
	}
	s.sfn, err = sfn.New(ctx, kv, table, sfn.Options{
		Account:      s.cfg.Account,
		Integrations: tasks,
		Logs:         executionLogs{s.logs},
		Observer:     newStatesObserver(s.obs),
		Mock:         s.cfg.StepFunctionsMock,
		Logger:       s.log,
		Cluster:      s.cluster,
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

// stateEvents puts a Task state's events on EventBridge.
type stateEvents struct{ svc *events.Service }

func (e stateEvents) PutEvents(ctx context.Context, account, region string, entries []integrations.EventEntry) ([]integrations.EventResult, error) {
	in := make([]events.Entry, len(entries))
	for i, en := range entries {
		in[i] = events.Entry{Source: en.Source, DetailType: en.DetailType, Detail: en.Detail, EventBusName: en.EventBusName,
			Resources: en.Resources, TraceHeader: en.TraceHeader}
	}
	res, _, err := e.svc.PutEvents(ctx, region, in)
	if err != nil {
		return nil, err
	}
	out := make([]integrations.EventResult, len(res))
	for i, r := range res {
		out[i] = integrations.EventResult{EventId: r.EventId, ErrorCode: r.ErrorCode, ErrorMessage: r.ErrorMessage}
	}
	return out, nil
}

// stateMachines starts executions for EventBridge rules' and Scheduler's
// Step Functions targets.
type stateMachines struct{ svc *sfn.Service }

func (m stateMachines) StartExecution(ctx context.Context, stateMachineARN string, msg targets.Message) error {
	a, err := arn.Parse(stateMachineARN)
	if err != nil {
		return fmt.Errorf("%w: %s", targets.ErrUnsupported, stateMachineARN)
	}
	input := string(msg.Body)
	_, err = m.svc.StartExecution(ctx, sfn.Scope{Account: a.Account, Region: a.Region}, &sfn.StartExecutionInput{StateMachineArn: stateMachineARN, Input: &input})
	if errors.Is(err, sfn.ErrStateMachineDoesNotExist) {
		return fmt.Errorf("%w: %w", targets.ErrNotFound, err)
	}
	return err
}
