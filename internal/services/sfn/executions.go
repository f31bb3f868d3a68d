package sfn

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/nubo-dev/nubo/internal/services/sfn/asl"
)

// target is what an execution runs: the state machine and, when named,
// the version and alias.
type target struct {
	machine    *machine
	spec       spec
	updated    time.Time
	versionArn string
	aliasArn   string
	testCase   string
}

// resolveTarget finds what a StartExecution's stateMachineArn names:
// the latest revision, a version or an alias ("#TestCase" picks a mock
// test case).
func (s *Service) resolveTarget(ctx context.Context, machineArn string) (*target, error) {
	arnPart, testCase, _ := strings.Cut(machineArn, "#")
	ref, err := parseMachineArn(arnPart)
	if err != nil {
		return nil, err
	}
	if s.cl != nil {
		s.mu.Lock()
		_, known := s.machines[ref.arn()]
		s.mu.Unlock()
		if !known { // created through another node a moment ago?
			if err := s.syncIndex(ctx); err != nil {
				return nil, err
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.lookupLocked(ref)
	if err != nil {
		return nil, err
	}
	t := &target{machine: m, spec: m.spec, updated: m.Updated, testCase: testCase}
	if ref.Qualifier != "" {
		v, err := s.resolveQualifierLocked(m, ref)
		if err != nil {
			return nil, err
		}
		t.spec, t.updated = v.spec, v.Created
		t.versionArn = m.Arn + ":" + strconv.Itoa(v.Number)
		if !ref.isVersion() {
			t.aliasArn = ref.qualified()
		}
	}
	return t, nil
}

// checkInput validates an execution's input: JSON of at most 256 KB.
func checkInput(in *string) (string, error) {
	if in == nil || *in == "" {
		return "{}", nil
	}
	if len(*in) > asl.MaxPayload {
		return "", errorf(ErrInvalidExecutionInput, "Invalid State Machine Execution Input: 'the input must be at most %d bytes'", asl.MaxPayload)
	}
	if _, err := decodeJSON(*in); err != nil {
		return "", errorf(ErrInvalidExecutionInput, "Invalid State Machine Execution Input: '%s'", err.Error())
	}
	return *in, nil
}

func newNonce() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// StartExecution starts a Standard execution (durable before it returns)
// or an asynchronous Express one. Starting a running Standard execution
// again with the same name and input returns it.
func (s *Service) StartExecution(ctx context.Context, sc Scope, in *StartExecutionInput) (*StartExecutionOutput, error) {
	t, err := s.resolveTarget(ctx, in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	input, err := checkInput(in.Input)
	if err != nil {
		return nil, err
	}
	name := in.Name
	if name == "" {
		name = uuid.NewString()
	}
	if !validName(name) {
		return nil, invalidName(name)
	}
	if t.spec.Type == TypeExpress {
		return s.startExpressAsync(ctx, t, name, input, in.TraceHeader)
	}
	meta := s.newMeta(t, name, input, in.TraceHeader, executionArn(t.machine.Region, s.opts.Account, t.machine.Name, name))
	key := execKey(t.machine.Region, t.machine.Name, name)
	if s.cl != nil {
		return s.cl.start.Do(ctx, &startIn{Meta: meta, Key: key})
	}
	return s.startStandard(ctx, meta, key)
}

// startStandard starts a Standard execution on the node that holds it.
func (s *Service) startStandard(ctx context.Context, meta *execMeta, key string) (*StartExecutionOutput, error) {
	exists := func(e *execEntry) (*StartExecutionOutput, error) {
		if e.Status == StatusRunning && e.InputHash == hashOf(meta.Input) {
			return &StartExecutionOutput{ExecutionArn: e.Arn, StartDate: At(e.Start)}, nil
		}
		return nil, errorf(ErrExecutionAlreadyExists, "Execution Already Exists: '%s'", meta.Arn)
	}
	entry := meta.entry(key)
	s.mu.Lock()
	if e := s.execs[meta.Arn]; e != nil {
		s.mu.Unlock()
		return exists(e)
	}
	s.execs[meta.Arn] = entry // reserves the name
	s.mu.Unlock()
	unreserve := func() {
		s.mu.Lock()
		if s.execs[meta.Arn] == entry {
			delete(s.execs, meta.Arn)
		}
		s.mu.Unlock()
	}
	if s.cl != nil {
		// The summary is stored first: were this node to die before the
		// execution is, the node that acquires it finds nothing to run
		// (and had it died after, a summary saying RUNNING is what makes
		// the others resume it).
		old, err := s.cl.reserve(ctx, entry)
		if err != nil || old != nil {
			unreserve()
			if err != nil {
				return nil, err
			}
			return exists(old)
		}
	}
	if err := s.startRun(meta, key, nil, 0, false); err != nil {
		unreserve()
		if s.cl != nil {
			s.cl.kv.Delete(context.WithoutCancel(ctx), indexKey(key))
		}
		return nil, err
	}
	return &StartExecutionOutput{ExecutionArn: meta.Arn, StartDate: At(meta.Start)}, nil
}

func (s *Service) newMeta(t *target, name, input, trace, execArn string) *execMeta {
	return &execMeta{Arn: execArn, Name: name, Region: t.machine.Region, Account: s.opts.Account,
		MachineArn: t.machine.Arn, MachineName: t.machine.Name, VersionArn: t.versionArn, AliasArn: t.aliasArn,
		Spec: t.spec, SpecUpdated: t.updated, Status: StatusRunning, Start: s.clock.Now().Truncate(time.Millisecond),
		Input: input, TraceHeader: trace, Nonce: newNonce(), TestCase: t.testCase}
}

// startRun starts (events empty) or resumes an execution. A new Standard
// execution's ExecutionStarted event and metadata are stored before it
// returns.
func (s *Service) startRun(meta *execMeta, key string, events []recEvent, seq int, express bool) error {
	r, root, err := s.newRun(meta, key, events, events, seq, express)
	if err != nil {
		return err
	}
	if len(events) == 0 {
		if _, err := root.emit("ExecutionStarted", func(e *HistoryEvent) {
			e.ExecutionStartedEventDetails = &ExecutionStartedDetails{Input: strp(meta.Input), InputDetails: noTruncation,
				RoleArn: meta.Spec.RoleArn, StateMachineAliasArn: meta.AliasArn, StateMachineVersionArn: meta.VersionArn}
		}, time.Time{}); err != nil {
			r.cancel(nil)
			return err
		}
		root.last = 0 // the first state follows no event, as AWS records it
		if err := r.commit(context.Background(), metaStart); err != nil {
			r.cancel(nil)
			return err
		}
	}
	s.launch(r, root)
	return nil
}

// startRunWith resumes a redriven execution: its history is shown in
// full, replayed as far as replay goes, and continues after redriven.
func (s *Service) startRunWith(meta *execMeta, key string, history, replay []recEvent, seq int, redriven recEvent) error {
	r, root, err := s.newRun(meta, key, history, replay, seq, false)
	if err != nil {
		return err
	}
	r.pending = append(r.pending, redriven)
	if err := r.commit(context.Background(), metaOutcome); err != nil {
		r.cancel(nil)
		return err
	}
	root.last = redriven.E.ID
	s.launch(r, root)
	return nil
}

// newRun builds a run over its history, with the events to replay.
func (s *Service) newRun(meta *execMeta, key string, history, replay []recEvent, seq int, express bool) (*run, *thread, error) {
	m, err := meta.Spec.machine()
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancelCause(s.runCtx)
	r := &run{s: s, key: key, m: m, express: express, ctx: ctx, cancel: cancel, done: make(chan struct{}),
		meta: meta, nextID: 1, seq: seq, replay: map[string][]recEvent{}}
	r.input, _ = decodeJSON(meta.Input)
	for _, e := range history {
		r.events = append(r.events, e.E)
		r.nextID = max(r.nextID, e.E.ID+1)
	}
	for _, e := range replay {
		if e.E.Type != "ExecutionStarted" && e.E.Type != "ExecutionRedriven" {
			r.replay[e.T] = append(r.replay[e.T], e)
		}
	}
	return r, &thread{r: r, vars: &vars{m: map[string]any{}}, ctx: ctx}, nil
}

// launch runs an execution under the service.
func (s *Service) launch(r *run, root *thread) {
	s.mu.Lock()
	s.runs[r.meta.Arn] = r
	s.wg.Add(1)
	s.indexChangedLocked()
	s.mu.Unlock()
	go r.main(root)
	if r.m.TimeoutSeconds > 0 {
		go r.timeout(r.meta.Start.Add(time.Duration(r.m.TimeoutSeconds) * time.Second))
	}
}

// timeout ends the execution at its deadline.
func (r *run) timeout(deadline time.Time) {
	select {
	case <-r.s.clock.After(deadline.Sub(r.s.clock.Now())):
		r.cancel(errTimedOut)
	case <-r.done:
	}
}

// main runs the execution to its end and records it.
func (r *run) main(root *thread) {
	defer r.s.wg.Done()
	defer close(r.done)
	out, f := root.runMachine(r.m, r.input)
	cause := context.Cause(r.ctx)
	if r.s.runCtx.Err() != nil {
		return // resumed by the next start
	}
	if errors.Is(cause, errReleased) || errors.Is(cause, errNotHeld) {
		// Resumed from its records by the node that holds it next.
		r.s.mu.Lock()
		delete(r.s.runs, r.meta.Arn)
		r.s.mu.Unlock()
		if errors.Is(cause, errNotHeld) {
			r.s.cl.g.Forget(r.key)
		}
		return
	}
	r.end(root, out, f, cause)
	r.s.mu.Lock()
	delete(r.s.runs, r.meta.Arn)
	r.s.mu.Unlock()
}

// end records the execution's last event and its status.
func (r *run) end(root *thread, out any, f *asl.Failure, cause error) {
	var st *stopped
	status, typ := StatusSucceeded, "ExecutionSucceeded"
	var details *ErrorDetails
	switch {
	case errors.As(cause, &st):
		status, typ, details = StatusAborted, "ExecutionAborted", &ErrorDetails{Error: st.Name, Cause: st.Cause}
	case errors.Is(cause, errTimedOut):
		status, typ, details = StatusTimedOut, "ExecutionTimedOut", &ErrorDetails{Error: asl.ErrTimeout, Cause: "The execution timed out."}
	case f != nil:
		status, typ, details = StatusFailed, "ExecutionFailed", &ErrorDetails{Error: f.Name, Cause: f.Cause}
	}
	var output *string
	if details == nil {
		body := payload(out)
		if len(body) > asl.MaxPayload {
			status, typ, details = StatusFailed, "ExecutionFailed", &ErrorDetails{Error: asl.ErrDataLimitExceeded, Cause: "The execution output exceeds the maximum number of bytes service limit."}
		} else {
			output = &body
		}
	}
	rec, err := root.emit(typ, func(e *HistoryEvent) {
		switch typ {
		case "ExecutionSucceeded":
			e.ExecutionSucceededEventDetails = &OutputDetails{Output: output, OutputDetails: noTruncation}
		case "ExecutionFailed":
			e.ExecutionFailedEventDetails = details
		case "ExecutionAborted":
			e.ExecutionAbortedEventDetails = details
		default:
			e.ExecutionTimedOutEventDetails = details
		}
	}, time.Time{})
	if err != nil {
		r.s.log.Error("record the end of an execution", "execution", r.meta.Arn, "err", err)
		return
	}
	r.mu.Lock()
	r.meta.Status, r.meta.Stop, r.meta.Output = status, rec.E.Timestamp.Time, output
	if details != nil {
		r.meta.Error, r.meta.Cause = details.Error, details.Cause
	}
	entry := r.meta.entry(r.key)
	r.mu.Unlock()
	if err := r.commit(context.Background(), metaOutcome); err != nil {
		r.s.log.Error("store the end of an execution", "execution", r.meta.Arn, "err", err)
		if r.s.cl != nil {
			// Still RUNNING as stored: the node that holds it next (main
			// gives it up) replays it and records its end.
			return
		}
	}
	if !r.express {
		r.s.mu.Lock()
		r.s.execs[entry.Arn] = entry
		r.s.indexChangedLocked()
		r.s.mu.Unlock()
		if r.s.cl != nil {
			if err := r.s.cl.publish(context.Background(), entry); err != nil {
				// hold tries again (and, should this node die first, the
				// node that acquires the execution next publishes it).
				r.s.log.Warn("publish the end of an execution", "execution", r.meta.Arn, "err", err)
				r.s.mu.Lock()
				r.s.unpublished[entry.Key] = entry
				r.s.mu.Unlock()
			}
		}
	}
}
