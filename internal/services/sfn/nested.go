package sfn

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/sfn/asl"
)

// startExecution is the arn:aws:states:::states:startExecution
// integration, which Step Functions runs itself: it starts the child
// execution and, for .sync and .sync:2, waits for its end (after a
// restart, the recorded TaskSubmitted event names the child to wait for).
func (c *taskCall) startExecution() outcome {
	th := c.th
	var started *StartExecutionOutput
	if rec := th.peek(); rec != nil && rec.E.Type == "TaskSubmitted" {
		if err := json.Unmarshal([]byte(*rec.E.TaskSubmittedEventDetails.Output), &started); err != nil {
			return outcome{f: asl.AsFailure(err)}
		}
	} else {
		var f *asl.Failure
		if started, f = c.startChild(); f != nil {
			return c.fail(c.ev.failed, f)
		}
	}
	body := payload(map[string]any{"ExecutionArn": started.ExecutionArn, "StartDate": started.StartDate})
	if c.res.pattern == "" {
		return c.succeed(body)
	}
	if _, err := th.emit("TaskSubmitted", func(e *HistoryEvent) {
		e.TaskSubmittedEventDetails = &TaskOutputDetails{ResourceType: c.res.typ, Resource: c.res.name, Output: strp(payload(started)), OutputDetails: noTruncation}
	}, time.Time{}); err != nil {
		return outcome{f: asl.AsFailure(err)}
	}
	if err := th.durable(); err != nil {
		return outcome{f: asl.AsFailure(err)}
	}
	if rec := th.peek(); rec != nil {
		return c.recorded(rec)
	}
	ctx, cancel := th.r.s.withTimeout(th.ctx, c.started, c.timeout)
	defer cancel()
	return c.childEnded(ctx, started.ExecutionArn)
}

// startChild starts the child execution the task's parameters describe.
func (c *taskCall) startChild() (*StartExecutionOutput, *asl.Failure) {
	params, _ := c.input.(map[string]any)
	in := &StartExecutionInput{}
	in.StateMachineArn, _ = params["StateMachineArn"].(string)
	in.Name, _ = params["Name"].(string)
	if in.Name == "" {
		in.Name = childName(c.token)
	}
	switch v := params["Input"].(type) {
	case nil:
	case string:
		in.Input = &v
	default:
		s := payload(v)
		in.Input = &s
	}
	r := c.th.r
	r.mu.Lock()
	sc := Scope{Account: r.meta.Account, Region: r.meta.Region}
	req := &TaskRequest{Resource: c.res.arn, Region: r.meta.Region, Account: r.meta.Account, RoleArn: c.role, ExecutionArn: r.meta.Arn, StateName: c.st.Name}
	r.mu.Unlock()
	if a, ok := r.s.opts.Integrations.(TaskAuthorizer); ok {
		var te *TaskError
		if err := a.AllowTask(c.th.ctx, req, "states:StartExecution", in.StateMachineArn); errors.As(err, &te) {
			return nil, &asl.Failure{Name: te.Name, Cause: te.Cause}
		} else if err != nil {
			return nil, asl.AsFailure(err)
		}
	}
	out, err := r.s.StartExecution(c.th.ctx, sc, in)
	if errors.Is(err, ErrExecutionAlreadyExists) && in.Name == childName(c.token) {
		// Started before a restart interrupted this attempt.
		return c.th.r.s.existingChild(c.th.ctx, in.StateMachineArn, in.Name)
	}
	if err != nil {
		return nil, sdkFailure(err)
	}
	return out, nil
}

// childName is the name of a child execution the task does not name: a
// UUID drawn from the task's token, so that the same attempt always
// names the same child.
func childName(token string) string {
	h := sha256.Sum256([]byte(token))
	u, _ := uuid.FromBytes(h[:16])
	return u.String()
}

// existingChild finds a child execution started before a restart (in a
// cluster, maybe through another node: execution reads the table).
func (s *Service) existingChild(ctx context.Context, machineArn, name string) (*StartExecutionOutput, *asl.Failure) {
	ref, err := parseMachineArn(machineArn)
	if err != nil {
		return nil, sdkFailure(err)
	}
	arn := executionArn(ref.Region, s.opts.Account, ref.Name, name)
	m, _, err := s.execution(ctx, arn)
	if err != nil {
		return nil, sdkFailure(err)
	}
	return &StartExecutionOutput{ExecutionArn: arn, StartDate: At(m.Start)}, nil
}

// sdkFailure is the task failure of an API error, named as Step Functions
// names service exceptions (StepFunctions.StateMachineDoesNotExistException).
func sdkFailure(err error) *asl.Failure {
	if ae, ok := err.(*awserr.Error); ok {
		name := ae.Code.Name
		if len(name) < 9 || name[len(name)-9:] != "Exception" {
			name += "Exception"
		}
		return &asl.Failure{Name: "StepFunctions." + name, Cause: ae.Message}
	}
	return &asl.Failure{Name: asl.ErrTaskFailed, Cause: err.Error()}
}

// childEnded waits for a child execution and turns its end into the
// task's outcome: .sync hands on DescribeExecution's fields with the
// output as a string, .sync:2 with the output as JSON.
func (c *taskCall) childEnded(ctx context.Context, execArn string) outcome {
	s := c.th.r.s
	if err := s.awaitExecution(ctx, execArn); err != nil {
		if c.th.ctx.Err() != nil {
			return outcome{f: errCancelled}
		}
		if ctx.Err() != nil {
			return c.fail(c.ev.timedOut, &asl.Failure{Name: asl.ErrTimeout})
		}
		return c.fail(c.ev.failed, sdkFailure(err))
	}
	d, err := s.DescribeExecution(context.WithoutCancel(ctx), Scope{}, &ExecutionInput{ExecutionArn: execArn})
	if err != nil {
		return c.fail(c.ev.failed, sdkFailure(err))
	}
	result := map[string]any{"ExecutionArn": d.ExecutionArn, "StateMachineArn": d.StateMachineArn, "Name": d.Name, "Status": d.Status,
		"StartDate": d.StartDate, "StopDate": d.StopDate, "Input": d.Input, "InputDetails": map[string]any{"Included": true}}
	if d.Output != nil {
		result["Output"], result["OutputDetails"] = *d.Output, map[string]any{"Included": true}
		if c.res.pattern == "sync:2" {
			result["Output"], _ = decodeJSON(*d.Output)
			if in, err := decodeJSON(*d.Input); err == nil {
				result["Input"] = in
			}
		}
	}
	if d.Status != StatusSucceeded {
		f := &asl.Failure{Name: asl.ErrTaskFailed, Cause: payload(result)}
		if d.Status == StatusTimedOut {
			f.Name = asl.ErrTimeout
		}
		return c.fail(c.ev.failed, f)
	}
	return c.succeed(payload(result))
}

// awaitExecution returns once an execution is closed. In a cluster it may
// run on another node, or move between nodes while it is awaited: the
// index says when it closes.
func (s *Service) awaitExecution(ctx context.Context, execArn string) error {
	synced := false
	for {
		s.mu.Lock()
		r, e, changed := s.runs[execArn], s.execs[execArn], s.indexed
		s.mu.Unlock()
		switch {
		case r != nil:
			select {
			case <-r.done:
			case <-ctx.Done():
				return ctx.Err()
			}
			if s.runCtx.Err() != nil {
				return context.Canceled
			}
			if cause := context.Cause(r.ctx); errors.Is(cause, errReleased) || errors.Is(cause, errNotHeld) {
				continue // to be resumed elsewhere
			}
			return nil
		case e == nil && s.cl != nil && !synced:
			// Started through another node, maybe not yet indexed here.
			synced = true
			if err := s.syncIndex(ctx); err != nil {
				return err
			}
			continue
		case e == nil:
			return execDoesNotExist(execArn)
		case e.Status != StatusRunning || s.cl == nil:
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
