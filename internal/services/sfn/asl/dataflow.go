package asl

import (
	"math"
	"time"
)

// Prepare computes a state's effective input from the input it entered
// with (sc.Input). In JSONPath that is InputPath and then, for Pass, Task
// and Parallel states, Parameters; a Map state's items are selected later.
// In JSONata it is Arguments, or the input itself.
func (st *State) Prepare(sc *Scope) (any, error) {
	if st.Language == JSONata {
		if st.Arguments != nil && st.Type != TypeMap {
			return st.Arguments.Eval(sc)
		}
		return sc.Input, nil
	}
	in, err := applyPath(st.InputPath, sc)
	if err != nil {
		return nil, err
	}
	if st.Parameters != nil && st.Type != TypeMap {
		return st.Parameters.Eval(sc.withInput(in))
	}
	return in, nil
}

// applyPath applies InputPath or OutputPath: absent keeps the value, null
// gives {}.
func applyPath(p IOPath, sc *Scope) (any, error) {
	switch {
	case p.Null:
		return map[string]any{}, nil
	case p.Ref == nil:
		return sc.Input, nil
	}
	return p.Ref.getInvalidPath(sc)
}

// Outcome is what a state hands to the next: its output, and the
// variables it assigns.
type Outcome struct {
	Output   any
	Assigned map[string]any // nil when the state has no Assign
}

// Finish computes a state's output from its result. sc.Input is the input
// the state entered with. In JSONPath the result goes through
// ResultSelector, Assign (whose $ is the result), ResultPath (into the
// entered input) and OutputPath; in JSONata Assign and Output see it as
// $states.result. States without a result (Choice, Wait, Succeed) pass
// their effective input.
func (st *State) Finish(sc *Scope, result any) (*Outcome, error) {
	if st.Language == JSONata {
		return st.finishJSONata(sc, result)
	}
	var err error
	if st.ResultSelector != nil {
		if result, err = st.ResultSelector.Eval(sc.withInput(result)); err != nil {
			return nil, err
		}
	}
	out := &Outcome{}
	if st.Assign != nil {
		if out.Assigned, err = assign(st.Assign, sc.withInput(result)); err != nil {
			return nil, err
		}
	}
	switch st.Type {
	case TypeChoice, TypeWait, TypeSucceed:
		out.Output = result
	default:
		if out.Output, err = applyResultPath(st.ResultPath, sc.Input, result); err != nil {
			return nil, err
		}
	}
	out.Output, err = applyPath(st.OutputPath, sc.withInput(out.Output))
	return out, err
}

func (st *State) finishJSONata(sc *Scope, result any) (*Outcome, error) {
	s := *sc
	if st.Type == TypeTask || st.Type == TypeMap || st.Type == TypeParallel {
		s.Result, s.HasResult = result, true
	}
	out := &Outcome{Output: result}
	if st.Type == TypePass || st.Type == TypeChoice || st.Type == TypeWait || st.Type == TypeSucceed {
		out.Output = sc.Input
	}
	var err error
	if st.Assign != nil {
		if out.Assigned, err = assign(st.Assign, &s); err != nil {
			return nil, err
		}
	}
	if st.Output != nil {
		if out.Output, err = st.Output.Eval(&s); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// assign evaluates an Assign template into the variables it sets.
func assign(t *Template, sc *Scope) (map[string]any, error) {
	v, err := t.Eval(sc)
	if err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

// applyResultPath places result into input as ResultPath says.
func applyResultPath(p IOPath, input, result any) (any, error) {
	switch {
	case p.Null:
		return input, nil
	case p.Ref == nil || p.Ref.Src == "$":
		return result, nil
	}
	out, err := p.Ref.Path.Set(input, result)
	if err != nil {
		return nil, Failf(ErrResultPathMatchFailure, "Unable to apply ResultPath \"%s\" to input \"%s\"", p.Ref.Src, compact(input))
	}
	return out, nil
}

// ChoiceOutcome is Finish for a Choice state: the matched rule's Assign
// and (in JSONata) Output apply, else the state's own.
func (st *State) ChoiceOutcome(sc *Scope, effective any, rule *ChoiceRule) (*Outcome, error) {
	if rule == nil || rule.Assign == nil && rule.Output == nil {
		return st.Finish(sc, effective)
	}
	c := *st
	if rule.Assign != nil {
		c.Assign = rule.Assign
	}
	if rule.Output != nil {
		c.Output = rule.Output
	}
	return c.Finish(sc, effective)
}

// CatchFor returns the first Catcher matching a failure, or nil.
func (st *State) CatchFor(f *Failure) *Catcher {
	for _, c := range st.Catch {
		if Matches(c.ErrorEquals, f.Name) {
			return c
		}
	}
	return nil
}

// ErrorOutput is the value a Catcher hands on: {"Error", "Cause"}.
func ErrorOutput(f *Failure) map[string]any {
	return map[string]any{"Error": f.Name, "Cause": f.Cause}
}

// Caught computes the output and assignments of a state whose failure a
// Catcher handled. sc.Input is the state's entered input.
func (c *Catcher) Caught(st *State, sc *Scope, f *Failure) (*Outcome, error) {
	errOut := any(ErrorOutput(f))
	out := &Outcome{}
	var err error
	if st.Language == JSONata {
		s := *sc
		s.ErrorOutput, s.HasErrorOutput = errOut, true
		out.Output = errOut
		if c.Assign != nil {
			if out.Assigned, err = assign(c.Assign, &s); err != nil {
				return nil, err
			}
		}
		if c.Output != nil {
			out.Output, err = c.Output.Eval(&s)
		}
		return out, err
	}
	if c.Assign != nil {
		if out.Assigned, err = assign(c.Assign, sc.withInput(errOut)); err != nil {
			return nil, err
		}
	}
	out.Output, err = applyResultPath(c.ResultPath, sc.Input, errOut)
	return out, err
}

// RetryDelay finds the retrier for a failure and, when it allows one more
// attempt, the delay before it. attempts counts the retries already made
// by each retrier (indexed as Retry) and is updated. rnd draws the full
// jitter, a number in [0, 1).
func (st *State) RetryDelay(f *Failure, attempts []int, rnd func() float64) (time.Duration, bool) {
	if f.Fatal() {
		return 0, false
	}
	for i, r := range st.Retry {
		if !Matches(r.ErrorEquals, f.Name) {
			continue
		}
		if int64(attempts[i]) >= r.MaxAttempts {
			return 0, false
		}
		delay := float64(r.IntervalSeconds) * math.Pow(r.BackoffRate, float64(attempts[i]))
		if r.MaxDelaySeconds > 0 {
			delay = math.Min(delay, float64(r.MaxDelaySeconds))
		}
		if r.JitterFull {
			delay *= rnd()
		}
		attempts[i]++
		return time.Duration(delay * float64(time.Second)), true
	}
	return 0, false
}
