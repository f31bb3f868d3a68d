package sfn

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/services/sfn/asl"
	"github.com/nubo-dev/nubo/internal/store"
)

// Task tokens are derived from the execution, the task state's Entered
// event and the attempt, with the execution's random nonce, so that a
// replayed task has the token it had before the restart.
func (r *run) taskToken(entered int64, attempt int) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	raw := r.meta.Arn + "#" + strconv.FormatInt(entered, 10) + "#" + strconv.Itoa(attempt) + "#" + r.meta.Nonce
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// parseToken returns the execution a token belongs to and its nonce.
func parseToken(token string) (execArn, nonce string, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", "", false
	}
	parts := strings.Split(string(b), "#")
	if len(parts) != 4 {
		return "", "", false
	}
	return parts[0], parts[3], true
}

// TaskTokenStateMachine is the ARN of the state machine whose execution
// issued a task token, "" for a token nubo did not issue: SendTask* act on
// it.
func TaskTokenStateMachine(token string) string {
	execArn, _, ok := parseToken(token)
	if !ok {
		return ""
	}
	e, err := parseExecutionArn(execArn)
	if err != nil {
		return ""
	}
	return machineRef{Region: e.Region, Account: e.Account, Name: e.Machine}.arn()
}

// taskWaiter is a task waiting for SendTaskSuccess or SendTaskFailure.
type taskWaiter struct {
	r    *run
	done chan callback
	beat chan struct{}
}

// callback is a worker's answer; ack is answered once the run recorded
// it, so that the API call returns only when the answer is durable.
type callback struct {
	output string
	f      *asl.Failure
	ack    chan error
}

func (s *Service) addWaiter(r *run, token string) *taskWaiter {
	w := &taskWaiter{r: r, done: make(chan callback, 1), beat: make(chan struct{}, 1)}
	s.mu.Lock()
	s.tokens[token] = w
	close(s.waited)
	s.waited = make(chan struct{})
	s.mu.Unlock()
	return w
}

// replayGrace is how long after a node took over an execution answers
// to its tasks wait for its replay to reach them.
const replayGrace = 10 * time.Second

func (s *Service) removeWaiter(token string) {
	s.mu.Lock()
	delete(s.tokens, token)
	s.mu.Unlock()
}

// waiter finds the task a token names. A run that a node of a cluster
// took over a moment ago may still be replaying up to the task: then the
// answer waits for it.
func (s *Service) waiter(ctx context.Context, token string) (*taskWaiter, error) {
	execArn, nonce, ok := parseToken(token)
	if !ok || len(token) > 2048 {
		return nil, errorf(ErrInvalidToken, "Invalid Token: '%s'", token)
	}
	for {
		s.mu.Lock()
		if w := s.tokens[token]; w != nil {
			s.mu.Unlock()
			return w, nil
		}
		r, waited := s.runs[execArn], s.waited
		s.mu.Unlock()
		if r != nil && r.meta.Nonce != nonce {
			return nil, errorf(ErrInvalidToken, "Invalid Token: '%s'", token)
		}
		if r == nil || r.resumedAt.IsZero() || time.Since(r.resumedAt) > replayGrace {
			return nil, errorf(ErrTaskDoesNotExist, "Task Does Not Exist: '%s'", token)
		}
		grace := time.NewTimer(replayGrace - time.Since(r.resumedAt))
		select {
		case <-waited:
		case <-r.done:
		case <-grace.C:
		case <-ctx.Done():
			grace.Stop()
			return nil, ctx.Err()
		}
		grace.Stop()
	}
}

// answer hands a callback to its task and waits until it is recorded.
func (s *Service) answer(ctx context.Context, token string, cb callback) error {
	w, err := s.waiter(ctx, token)
	if err != nil {
		return err
	}
	cb.ack = make(chan error, 1)
	select {
	case w.done <- cb:
	default:
		return errorf(ErrTaskDoesNotExist, "Task Does Not Exist: '%s'", token)
	}
	select {
	case err := <-cb.ack:
		return err
	case <-w.r.done:
		if cause := context.Cause(w.r.ctx); errors.Is(cause, errReleased) || errors.Is(cause, errNotHeld) || s.runCtx.Err() != nil {
			// Stopped where it stood, maybe before it recorded the
			// answer: its task waits for it again where it resumes.
			return store.Interrupted("the execution moved between nodes while it took the answer")
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SendTaskSuccess completes the task of a token with its output.
func (s *Service) SendTaskSuccess(ctx context.Context, sc Scope, in *SendTaskSuccessInput) (*struct{}, error) {
	if _, err := decodeJSON(in.Output); err != nil {
		return nil, errorf(ErrInvalidOutput, "Invalid Output: '%s'", in.Output)
	}
	if len(in.Output) > asl.MaxPayload {
		return nil, errorf(ErrValidation, "1 validation error detected: Value at 'output' failed to satisfy constraint: Member must have length less than or equal to %d", asl.MaxPayload)
	}
	return &struct{}{}, s.answerAnywhere(ctx, &answerIn{Token: in.TaskToken, Output: in.Output})
}

// SendTaskFailure fails the task of a token.
func (s *Service) SendTaskFailure(ctx context.Context, sc Scope, in *SendTaskFailureInput) (*struct{}, error) {
	return &struct{}{}, s.answerAnywhere(ctx, &answerIn{Token: in.TaskToken, Failed: true, Error: in.Error, Cause: in.Cause})
}

// SendTaskHeartbeat tells a waiting task its worker is alive.
func (s *Service) SendTaskHeartbeat(ctx context.Context, sc Scope, in *SendTaskHeartbeatInput) (*struct{}, error) {
	return &struct{}{}, s.answerAnywhere(ctx, &answerIn{Token: in.TaskToken, Heartbeat: true})
}

// answerAnywhere hands an answer to the node that runs its execution.
func (s *Service) answerAnywhere(ctx context.Context, in *answerIn) error {
	if _, _, ok := parseToken(in.Token); !ok || len(in.Token) > 2048 {
		return errorf(ErrInvalidToken, "Invalid Token: '%s'", in.Token)
	}
	if s.cl != nil {
		_, err := s.cl.answer.Do(ctx, in)
		return err
	}
	return s.answerHere(ctx, in)
}

// answerHere hands an answer to its task, on the node that runs it.
func (s *Service) answerHere(ctx context.Context, in *answerIn) error {
	switch {
	case in.Heartbeat:
		w, err := s.waiter(ctx, in.Token)
		if err != nil {
			return err
		}
		select {
		case w.beat <- struct{}{}:
		default:
		}
		return nil
	case in.Failed:
		return s.answer(ctx, in.Token, callback{f: &asl.Failure{Name: in.Error, Cause: in.Cause}})
	}
	return s.answer(ctx, in.Token, callback{output: in.Output})
}

// await waits for a task's callback, its timeout or a missed heartbeat.
func (c *taskCall) await(ctx context.Context, w *taskWaiter) outcome {
	s := c.th.r.s
	var missed <-chan time.Time
	if c.heartbeat > 0 {
		missed = s.clock.After(c.heartbeat)
	}
	for {
		select {
		case cb := <-w.done:
			return c.answered(cb)
		case <-w.beat:
			if c.heartbeat > 0 {
				missed = s.clock.After(c.heartbeat)
			}
		case <-missed:
			return c.fail(c.ev.timedOut, &asl.Failure{Name: asl.ErrHeartbeatTimeout})
		case <-ctx.Done():
			if c.th.ctx.Err() != nil {
				return outcome{f: errCancelled}
			}
			return c.fail(c.ev.timedOut, &asl.Failure{Name: asl.ErrTimeout})
		}
	}
}

// answered records a callback and acknowledges it once durable.
func (c *taskCall) answered(cb callback) outcome {
	if cb.f != nil {
		o := c.fail(c.ev.failed, cb.f)
		record := o.record
		o.record = func(due time.Time) (*recEvent, error) {
			rec, err := record(due)
			if err == nil {
				err = c.th.r.commit(c.th.ctx, metaNone)
			}
			cb.ack <- err
			return rec, err
		}
		return o
	}
	if len(cb.output) > asl.MaxPayload {
		cb.ack <- nil
		return c.fail(c.ev.failed, asl.PayloadTooLarge(c.sizeName()))
	}
	o := c.succeed(cb.output)
	cb.ack <- c.th.r.commit(c.th.ctx, metaNone)
	return o
}

// activity runs an attempt of an activity task: it waits for a worker's
// GetActivityTask, then for the worker's answer.
func (c *taskCall) activity() outcome {
	th := c.th
	ctx, cancel := th.r.s.withTimeout(th.ctx, th.r.s.clock.Now(), c.timeout)
	defer cancel()
	w := th.r.s.addWaiter(th.r, c.token)
	defer th.r.s.removeWaiter(c.token)
	if rec := th.peek(); rec == nil || rec.E.Type != c.ev.started {
		t := &activityTask{token: c.token, input: c.params, take: make(chan string), started: make(chan error, 1), gone: make(chan struct{})}
		defer close(t.gone)
		th.r.s.offerActivityTask(c.res.arn, t)
		select {
		case worker := <-t.take:
			if _, err := th.emit(c.ev.started, func(e *HistoryEvent) {
				e.ActivityStartedEventDetails = &ActivityStartedDetails{WorkerName: worker}
			}, time.Time{}); err != nil {
				t.started <- err
				return outcome{f: asl.AsFailure(err)}
			}
			err := th.r.commit(th.ctx, metaNone)
			t.started <- err
			if err != nil {
				return outcome{f: asl.AsFailure(err)}
			}
		case <-ctx.Done():
			th.r.s.withdrawActivityTask(c.res.arn, t)
			if th.ctx.Err() != nil {
				return outcome{f: errCancelled}
			}
			return c.fail(c.ev.timedOut, &asl.Failure{Name: asl.ErrTimeout})
		}
	} else if _, err := th.emit(c.ev.started, nil, time.Time{}); err != nil {
		return outcome{f: asl.AsFailure(err)}
	}
	if rec := th.peek(); rec != nil {
		return c.recorded(rec)
	}
	return c.await(ctx, w)
}
