package sfn

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/services/sfn/asl"
	"github.com/nubo-dev/nubo/internal/store"
)

// outcome is how one attempt of a task ended: a result, or a failure
// whose event (TaskFailed, TaskTimedOut, ...) is recorded by record, with
// the end of the retry's delay when there is one.
type outcome struct {
	result any
	f      *asl.Failure
	record func(due time.Time) (*recEvent, error)
}

// errInterrupted is the failure of a task attempt that was in flight when
// nubo stopped: its result is unknown, so its state's Retry decides.
const interruptedCause = "The task was interrupted by a restart of nubo before it reported a result."

func (th *thread) task(st *asl.State, sc *asl.Scope, entered *recEvent) (*step, *asl.Failure) {
	res := classify(st.Resource)
	attempts := make([]int, len(st.Retry))
	for retries := 0; ; retries++ {
		token := th.r.taskToken(entered.E.ID, retries)
		asc := th.scope(st, sc.Input, entered, retries, token)
		o := th.attempt(st, asc, entered, res, token, retries)
		if o.f == nil {
			return th.finish(st, asc, entered, o.result)
		}
		if o.f == errCancelled {
			return nil, o.f
		}
		delay, retry := st.RetryDelay(o.f, attempts, th.r.s.opts.Jitter)
		due := th.r.s.clock.Now().Add(delay)
		if o.record != nil {
			rec, err := o.record(dueIf(retry, due))
			if err != nil {
				return nil, asl.AsFailure(err)
			}
			if rec.Due != 0 {
				due = time.UnixMilli(rec.Due)
			}
		}
		if !retry {
			return th.caught(st, asc, entered, o.f)
		}
		if err := th.durable(); err != nil {
			return nil, asl.AsFailure(err)
		}
		if !th.replaying() {
			if err := th.sleep(due); err != nil {
				return nil, errCancelled
			}
		}
	}
}

func dueIf(ok bool, t time.Time) time.Time {
	if ok {
		return t
	}
	return time.Time{}
}

// attempt runs a task once: schedules it, makes it durable, invokes it
// (or, replaying, takes what was recorded) and waits for its result.
func (th *thread) attempt(st *asl.State, sc *asl.Scope, entered *recEvent, res resource, token string, retries int) outcome {
	eff, err := st.Prepare(sc)
	if err != nil {
		return outcome{f: th.evalFailure(st, entered, err)}
	}
	timeout, heartbeat, err := st.Timeouts(sc)
	if err != nil {
		return outcome{f: th.evalFailure(st, entered, err)}
	}
	role, err := th.taskRole(st, sc)
	if err != nil {
		return outcome{f: th.evalFailure(st, entered, err)}
	}
	ev := res.events()
	params := payload(eff)
	// A Scheduled event taken from the records with nothing after it is an
	// attempt that was in flight when nubo stopped.
	recordedSchedule := th.replaying()
	if _, err := th.emit(ev.scheduled, func(e *HistoryEvent) {
		scheduledDetails(e, th.r, res, params, timeout, heartbeat, role, st.Credentials != nil)
	}, time.Time{}); err != nil {
		return outcome{f: asl.AsFailure(err)}
	}
	if err := th.durable(); err != nil {
		return outcome{f: asl.AsFailure(err)}
	}
	call := &taskCall{th: th, st: st, res: res, ev: ev, input: eff, params: params, token: token, role: role,
		timeout: timeout, heartbeat: heartbeat, retries: retries}
	if res.kind == kindActivity {
		return call.activity()
	}
	started, err := th.emit(ev.started, func(e *HistoryEvent) {
		if res.kind == kindService {
			e.TaskStartedEventDetails = &TaskResourceDetails{ResourceType: res.typ, Resource: res.name}
		}
	}, time.Time{})
	if err != nil {
		return outcome{f: asl.AsFailure(err)}
	}
	call.started = started.E.Timestamp.Time
	if rec := th.peek(); rec != nil {
		return call.recorded(rec)
	}
	if recordedSchedule && !call.resumable() {
		return call.fail(ev.failed, &asl.Failure{Name: asl.ErrTaskFailed, Cause: interruptedCause})
	}
	return call.invoke()
}

// resumable reports whether an attempt interrupted by a restart can simply
// go on: a callback task is invoked again with the same token (its first
// invocation's answer still counts), and a child execution is started
// again under the same name, which finds the one already started.
func (c *taskCall) resumable() bool {
	return c.res.pattern == "waitForTaskToken" || c.res.kind == kindService && c.res.typ == "states" && strings.HasPrefix(c.res.action(), "startExecution")
}

// taskRole is the role a task runs as: its Credentials, else the state
// machine's.
func (th *thread) taskRole(st *asl.State, sc *asl.Scope) (string, error) {
	if st.Credentials != nil {
		v, err := st.Credentials.Eval(sc)
		if err != nil {
			return "", err
		}
		if m, ok := v.(map[string]any); ok {
			if s, ok := m["RoleArn"].(string); ok {
				return s, nil
			}
		}
	}
	th.r.mu.Lock()
	defer th.r.mu.Unlock()
	return th.r.meta.Spec.RoleArn, nil
}

func scheduledDetails(e *HistoryEvent, r *run, res resource, params string, timeout, heartbeat time.Duration, role string, explicitRole bool) {
	secs := func(d time.Duration) *int64 {
		if d == 0 {
			return nil
		}
		n := int64(d / time.Second)
		return &n
	}
	var creds *Credentials
	if explicitRole {
		creds = &Credentials{RoleArn: role}
	}
	switch res.kind {
	case kindLambda:
		e.LambdaFunctionScheduledEventDetails = &LambdaFunctionScheduled{Resource: res.arn, Input: strp(params), InputDetails: noTruncation,
			TimeoutInSeconds: secs(timeout), TaskCredentials: creds}
	case kindActivity:
		e.ActivityScheduledEventDetails = &ActivityScheduledDetails{Resource: res.arn, Input: strp(params), InputDetails: noTruncation,
			TimeoutInSeconds: secs(timeout), HeartbeatInSeconds: secs(heartbeat)}
	default:
		e.TaskScheduledEventDetails = &TaskScheduledDetails{ResourceType: res.typ, Resource: res.name, Region: r.meta.Region, Parameters: params,
			TimeoutInSeconds: secs(timeout), HeartbeatInSeconds: secs(heartbeat), TaskCredentials: creds}
	}
}

// taskCall is one attempt of a task in flight.
type taskCall struct {
	th                 *thread
	st                 *asl.State
	res                resource
	ev                 events
	input              any
	params, token      string
	role               string
	timeout, heartbeat time.Duration
	started            time.Time
	retries            int
}

// fail is an outcome whose failure event is of type typ.
func (c *taskCall) fail(typ string, f *asl.Failure) outcome {
	return outcome{f: f, record: func(due time.Time) (*recEvent, error) {
		return c.th.emit(typ, func(e *HistoryEvent) { c.errorDetails(e, typ, f) }, due)
	}}
}

func (c *taskCall) errorDetails(e *HistoryEvent, typ string, f *asl.Failure) {
	ed := &ErrorDetails{Error: f.Name, Cause: f.Cause}
	td := &TaskErrorDetails{ResourceType: c.res.typ, Resource: c.res.name, Error: f.Name, Cause: f.Cause}
	switch typ {
	case "TaskFailed":
		e.TaskFailedEventDetails = td
	case "TaskTimedOut":
		e.TaskTimedOutEventDetails = td
	case "LambdaFunctionFailed":
		e.LambdaFunctionFailedEventDetails = ed
	case "LambdaFunctionTimedOut":
		e.LambdaFunctionTimedOutEventDetails = ed
	case "ActivityFailed":
		e.ActivityFailedEventDetails = ed
	case "ActivityTimedOut":
		e.ActivityTimedOutEventDetails = ed
	}
}

// succeed records the task's result.
func (c *taskCall) succeed(result string) outcome {
	rec, err := c.th.emit(c.ev.succeeded, func(e *HistoryEvent) {
		switch c.res.kind {
		case kindLambda:
			e.LambdaFunctionSucceededEventDetails = &OutputDetails{Output: strp(result), OutputDetails: noTruncation}
		case kindActivity:
			e.ActivitySucceededEventDetails = &OutputDetails{Output: strp(result), OutputDetails: noTruncation}
		default:
			e.TaskSucceededEventDetails = &TaskOutputDetails{ResourceType: c.res.typ, Resource: c.res.name, Output: strp(result), OutputDetails: noTruncation}
		}
	}, time.Time{})
	if err != nil {
		return outcome{f: asl.AsFailure(err)}
	}
	return c.resultOf(rec)
}

// resultOf reads the output of a recorded success event.
func (c *taskCall) resultOf(rec *recEvent) outcome {
	var out *string
	switch e := rec.E; {
	case e.TaskSucceededEventDetails != nil:
		out = e.TaskSucceededEventDetails.Output
	case e.LambdaFunctionSucceededEventDetails != nil:
		out = e.LambdaFunctionSucceededEventDetails.Output
	case e.ActivitySucceededEventDetails != nil:
		out = e.ActivitySucceededEventDetails.Output
	}
	if out == nil {
		return outcome{result: nil}
	}
	v, err := decodeJSON(*out)
	if err != nil {
		return outcome{f: asl.AsFailure(err)}
	}
	return outcome{result: v}
}

// recorded replays the recorded end of an attempt.
func (c *taskCall) recorded(rec *recEvent) outcome {
	e := rec.E
	switch e.Type {
	case c.ev.succeeded:
		return c.succeed("")
	case "TaskSubmitted":
		return c.startExecution()
	}
	var d ErrorDetails
	switch {
	case e.TaskFailedEventDetails != nil:
		d = ErrorDetails{e.TaskFailedEventDetails.Error, e.TaskFailedEventDetails.Cause}
	case e.TaskTimedOutEventDetails != nil:
		d = ErrorDetails{e.TaskTimedOutEventDetails.Error, e.TaskTimedOutEventDetails.Cause}
	default:
		for _, x := range []*ErrorDetails{e.LambdaFunctionFailedEventDetails, e.LambdaFunctionTimedOutEventDetails, e.ActivityFailedEventDetails, e.ActivityTimedOutEventDetails} {
			if x != nil {
				d = *x
			}
		}
	}
	return c.fail(e.Type, &asl.Failure{Name: d.Error, Cause: d.Cause})
}

// invoke runs the attempt live: through the mock, Step Functions itself,
// or the integrations, then waits for a callback if the pattern says so.
func (c *taskCall) invoke() outcome {
	th := c.th
	ctx, cancel := th.r.s.withTimeout(th.ctx, c.started, c.timeout)
	defer cancel()
	var w *taskWaiter
	if c.res.pattern == "waitForTaskToken" {
		w = th.r.s.addWaiter(th.r, c.token)
		defer th.r.s.removeWaiter(c.token)
	}
	if m, ok := th.r.s.mockResponse(th.r, c.st.Name, c.retries); ok {
		if m.err != nil {
			return c.fail(c.ev.failed, m.err)
		}
		return c.succeed(m.result)
	}
	if c.res.kind == kindService && c.res.typ == "states" && strings.HasPrefix(c.res.action(), "startExecution") {
		return c.startExecution()
	}
	result, err := c.call(ctx)
	if err != nil {
		return c.failure(ctx, err)
	}
	if w == nil {
		if len(result) > asl.MaxPayload {
			return c.fail(c.ev.failed, asl.PayloadTooLarge(c.sizeName()))
		}
		return c.succeed(string(result))
	}
	return c.await(ctx, w)
}

// sizeName is the name causes give a task whose result is too large.
func (c *taskCall) sizeName() string {
	if c.res.kind == kindService {
		return c.res.typ
	}
	return c.res.arn
}

func (c *taskCall) call(ctx context.Context) (json.RawMessage, error) {
	r := c.th.r
	integ := r.s.opts.Integrations
	if integ == nil {
		return nil, &TaskError{Name: asl.ErrTaskFailed, Cause: "nubo has no integration for the resource " + c.res.arn}
	}
	r.mu.Lock()
	req := &TaskRequest{Resource: c.res.arn, Region: r.meta.Region, Account: r.meta.Account, Input: json.RawMessage(c.params),
		RoleArn: c.role, ExecutionArn: r.meta.Arn, StateName: c.st.Name}
	r.mu.Unlock()
	if c.res.pattern == "waitForTaskToken" {
		req.TaskToken = c.token
	}
	for deadline := time.Now().Add(unavailableFor); ; {
		out, err := integ.Invoke(ctx, req)
		if !store.Unchanged(err) || time.Now().After(deadline) {
			return out, err
		}
		select {
		case <-ctx.Done():
			return out, err
		case <-time.After(time.Second):
		}
	}
}

// unavailableFor bounds how long a task's call is made again while the
// service it calls, one of nubo's, answers that it is unavailable having
// changed nothing (store.Unchanged): in a
// cluster, while what that service holds moves off a node that died, which
// took 55 s after a kill -9 on a loaded machine, past the 20 s a forwarded
// call waits. The task's timeout bounds it too.
const unavailableFor = 2 * time.Minute

// failure turns an invocation's error into the attempt's outcome.
func (c *taskCall) failure(ctx context.Context, err error) outcome {
	var te *TaskError
	switch {
	case c.th.ctx.Err() != nil:
		return outcome{f: errCancelled}
	case ctx.Err() != nil:
		return c.fail(c.ev.timedOut, &asl.Failure{Name: asl.ErrTimeout})
	case errors.As(err, &te):
		return c.fail(c.ev.failed, &asl.Failure{Name: te.Name, Cause: te.Cause})
	}
	return c.fail(c.ev.failed, &asl.Failure{Name: asl.ErrTaskFailed, Cause: err.Error()})
}

// withTimeout returns a context that ends timeout after start on the
// service's clock (never, for a zero timeout).
func (s *Service) withTimeout(parent context.Context, start time.Time, timeout time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	if timeout <= 0 {
		return ctx, cancel
	}
	timer := s.clock.After(start.Add(timeout).Sub(s.clock.Now()))
	go func() {
		select {
		case <-timer:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}
