package sfn

import (
	"time"

	"github.com/nubo-dev/nubo/internal/services/sfn/asl"
)

// errCancelled is the failure of a thread whose context ended: it
// unwinds without events, and whoever cancelled it records what happened.
var errCancelled = &asl.Failure{Name: "nubo.Cancelled"}

// step is where a state leads.
type step struct {
	next   string
	output any
	end    bool
}

// runMachine runs a machine's states on the thread from StartAt until a
// terminal state, and returns the output or the failure.
func (th *thread) runMachine(m *asl.Machine, input any) (any, *asl.Failure) {
	name := m.StartAt
	for {
		if th.ctx.Err() != nil {
			return nil, errCancelled
		}
		if rec := th.peek(); rec != nil && rec.E.StateEnteredEventDetails != nil {
			// Replaying follows the recorded path, whatever a choice or a
			// catch would decide today.
			name = rec.E.StateEnteredEventDetails.Name
		}
		st := m.States[name]
		if st == nil {
			return nil, asl.Failf(asl.ErrRuntime, "%v: no state %q", errDiverged, name)
		}
		res, f := th.runState(st, input)
		if f != nil {
			return nil, f
		}
		if res.end {
			return res.output, nil
		}
		name, input = res.next, res.output
	}
}

// runState runs one state from its Entered event to its Exited event.
func (th *thread) runState(st *asl.State, input any) (*step, *asl.Failure) {
	var start, due time.Time
	var waitErr error
	if st.Type == asl.TypeWait {
		start = th.r.s.clock.Now()
		due, waitErr = th.waitDue(st, input, start)
	}
	entered, err := th.emit(st.Type+"StateEntered", func(e *HistoryEvent) {
		if !start.IsZero() {
			// A wait counts from its Entered event: never shorter than
			// its seconds between the two events, resumed or not.
			e.Timestamp = At(start)
		}
		e.StateEnteredEventDetails = &StateEnteredDetails{Name: st.Name, Input: strp(payload(input)), InputDetails: noTruncation}
	}, due)
	if err != nil {
		return nil, asl.AsFailure(err)
	}
	sc := th.scope(st, input, entered, 0, "")
	switch st.Type {
	case asl.TypePass:
		return th.pass(st, sc, entered)
	case asl.TypeChoice:
		return th.choice(st, sc, entered)
	case asl.TypeWait:
		if entered.Due != 0 {
			due = time.UnixMilli(entered.Due)
		}
		return th.wait(st, sc, entered, due, waitErr)
	case asl.TypeSucceed:
		return th.succeed(st, sc, entered)
	case asl.TypeFail:
		f, err := st.FailWith(sc)
		if err != nil {
			return nil, th.evalFailure(st, entered, err)
		}
		return nil, f
	case asl.TypeTask:
		return th.task(st, sc, entered)
	case asl.TypeParallel:
		return th.parallel(st, sc, entered)
	}
	return th.mapState(st, sc, entered)
}

// scope is what a state's expressions see.
func (th *thread) scope(st *asl.State, input any, entered *recEvent, retries int, token string) *asl.Scope {
	return &asl.Scope{Input: input, Context: th.contextObject(st, entered, retries, token), Vars: th.vars, Now: th.r.s.clock.Now}
}

// contextObject is $$ (or $states.context) of a state.
func (th *thread) contextObject(st *asl.State, entered *recEvent, retries int, token string) map[string]any {
	r := th.r
	r.mu.Lock()
	m := r.meta
	exec := map[string]any{"Id": m.Arn, "Name": m.Name, "RoleArn": m.Spec.RoleArn, "StartTime": isoTime(m.Start), "RedriveCount": m.RedriveCount}
	if m.RedriveCount > 0 {
		exec["RedriveTime"] = isoTime(m.RedriveDate)
	}
	exec["Input"] = r.input
	r.mu.Unlock()
	ctx := map[string]any{
		"Execution":    exec,
		"StateMachine": map[string]any{"Id": m.MachineArn, "Name": m.MachineName},
		"State":        map[string]any{"Name": st.Name, "EnteredTime": isoTime(entered.E.Timestamp.Time), "RetryCount": retries},
	}
	if token != "" {
		ctx["Task"] = map[string]any{"Token": token}
	}
	if th.item != nil {
		ctx["Map"] = map[string]any{"Item": th.item}
	}
	return ctx
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// evalFailure turns an error of evaluating a state's fields into the
// state's failure: the cause gets AWS's sentence naming the state, and a
// JSONata error is recorded as EvaluationFailed.
func (th *thread) evalFailure(st *asl.State, entered *recEvent, err error) *asl.Failure {
	f := asl.AsFailure(err)
	if f == errCancelled {
		return f
	}
	out := &asl.Failure{Name: f.Name, Cause: asl.InState(st.Name, entered.E.ID, f.Cause), Location: f.Location}
	if f.Name == asl.ErrQueryEvaluationError {
		if _, err := th.emit("EvaluationFailed", func(e *HistoryEvent) {
			e.EvaluationFailedEventDetails = &EvaluationFailedDetails{Error: out.Name, Cause: out.Cause, Location: out.Location, State: st.Name}
		}, time.Time{}); err != nil {
			return asl.AsFailure(err)
		}
	}
	return out
}

// exit records the state's Exited event and applies its variables. While
// replaying it returns the recorded output, so that values drawn at random
// or from the clock stay what they were.
func (th *thread) exit(st *asl.State, entered *recEvent, out *asl.Outcome, next string) (*step, *asl.Failure) {
	body := payload(out.Output)
	if len(body) > asl.MaxPayload {
		return nil, asl.PayloadTooLarge(st.Name)
	}
	var assigned map[string]string
	if out.Assigned != nil {
		assigned = map[string]string{}
		for k, v := range out.Assigned {
			assigned[k] = payload(v)
		}
	}
	rec, err := th.emit(st.Type+"StateExited", func(e *HistoryEvent) {
		e.StateExitedEventDetails = &StateExitedDetails{Name: st.Name, Output: strp(body), OutputDetails: noTruncation, AssignedVariables: assigned}
		if assigned != nil {
			e.StateExitedEventDetails.AssignedVariablesDetails = noTruncation
		}
	}, time.Time{})
	if err != nil {
		return nil, asl.AsFailure(err)
	}
	output := out.Output
	if d := rec.E.StateExitedEventDetails; d.Output != nil && *d.Output != body {
		if output, err = decodeJSON(*d.Output); err != nil {
			return nil, asl.AsFailure(err)
		}
	}
	for name, v := range rec.E.StateExitedEventDetails.AssignedVariables {
		val, err := decodeJSON(v)
		if err != nil {
			return nil, asl.AsFailure(err)
		}
		th.vars.m[name] = val
	}
	return &step{next: next, output: output, end: st.End || st.Type == asl.TypeSucceed}, nil
}

// finish computes a state's outcome from its result and exits it, or
// hands the failure to its Catch.
func (th *thread) finish(st *asl.State, sc *asl.Scope, entered *recEvent, result any) (*step, *asl.Failure) {
	out, err := st.Finish(sc, result)
	if err != nil {
		return th.caught(st, sc, entered, th.evalFailure(st, entered, err))
	}
	res, f := th.exit(st, entered, out, st.Next)
	if f != nil && f.Name == asl.ErrDataLimitExceeded {
		return th.caught(st, sc, entered, f)
	}
	return res, f
}

// caught applies the state's Catch to a failure: the first matching
// catcher's output goes to its Next state; with none the failure stands.
func (th *thread) caught(st *asl.State, sc *asl.Scope, entered *recEvent, f *asl.Failure) (*step, *asl.Failure) {
	if f == errCancelled || f.Fatal() {
		return nil, f
	}
	c := st.CatchFor(f)
	if c == nil {
		return nil, f
	}
	out, err := c.Caught(st, sc, f)
	if err != nil {
		return nil, th.evalFailure(st, entered, err)
	}
	next := *st
	next.End = false
	return th.exit(&next, entered, out, c.Next)
}

func (th *thread) pass(st *asl.State, sc *asl.Scope, entered *recEvent) (*step, *asl.Failure) {
	eff, err := st.Prepare(sc)
	if err != nil {
		return nil, th.evalFailure(st, entered, err)
	}
	result := eff
	if st.HasResult {
		result = st.Result
	}
	out, err := st.Finish(sc, result)
	if err != nil {
		return nil, th.evalFailure(st, entered, err)
	}
	return th.exit(st, entered, out, st.Next)
}

func (th *thread) succeed(st *asl.State, sc *asl.Scope, entered *recEvent) (*step, *asl.Failure) {
	eff, err := st.Prepare(sc)
	if err != nil {
		return nil, th.evalFailure(st, entered, err)
	}
	out, err := st.Finish(sc, eff)
	if err != nil {
		return nil, th.evalFailure(st, entered, err)
	}
	return th.exit(st, entered, out, "")
}

func (th *thread) choice(st *asl.State, sc *asl.Scope, entered *recEvent) (*step, *asl.Failure) {
	eff, err := st.Prepare(sc)
	if err != nil {
		return nil, th.evalFailure(st, entered, err)
	}
	esc := *sc
	esc.Input = eff
	rule, err := st.Choose(&esc)
	if err != nil {
		return nil, th.evalFailure(st, entered, err)
	}
	next := st.Default
	if rule != nil {
		next = rule.Next
	}
	if next == "" {
		return nil, asl.Failf(asl.ErrNoChoiceMatched, "%s", asl.InState(st.Name, entered.E.ID, "No Choice Rules matched and no Default was specified."))
	}
	out, err := st.ChoiceOutcome(sc, eff, rule)
	if err != nil {
		return nil, th.evalFailure(st, entered, err)
	}
	return th.exit(st, entered, out, next)
}

// waitDue computes when a Wait state entered at now ends.
func (th *thread) waitDue(st *asl.State, input any, now time.Time) (time.Time, error) {
	fake := &recEvent{E: &HistoryEvent{Timestamp: At(now)}}
	sc := th.scope(st, input, fake, 0, "")
	eff, err := st.Prepare(sc)
	if err != nil {
		return time.Time{}, err
	}
	esc := *sc
	esc.Input = eff
	return st.WaitUntil(&esc, now)
}

func (th *thread) wait(st *asl.State, sc *asl.Scope, entered *recEvent, due time.Time, waitErr error) (*step, *asl.Failure) {
	if waitErr != nil {
		return nil, th.evalFailure(st, entered, waitErr)
	}
	if !th.replaying() {
		if err := th.r.commit(th.ctx, metaNone); err != nil {
			return nil, asl.AsFailure(err)
		}
		if err := th.sleep(due); err != nil {
			return nil, errCancelled
		}
	}
	eff, err := st.Prepare(sc)
	if err != nil {
		return nil, th.evalFailure(st, entered, err)
	}
	out, err := st.Finish(sc, eff)
	if err != nil {
		return nil, th.evalFailure(st, entered, err)
	}
	return th.exit(st, entered, out, st.Next)
}
