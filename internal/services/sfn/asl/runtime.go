package asl

import (
	"fmt"
	"math"
	"time"
)

// maxWait is the longest a Wait state may wait: an execution lasts at most
// a year.
const maxWait = 365 * 24 * time.Hour

// WaitUntil computes when a Wait state ends, from its effective input.
func (st *State) WaitUntil(sc *Scope, now time.Time) (time.Time, error) {
	var until time.Time
	switch {
	case st.Seconds != nil:
		v, err := st.Seconds.Eval(sc)
		if err != nil {
			return time.Time{}, err
		}
		f, ok := numberOf(v)
		if !ok || f != math.Trunc(f) || f < 0 {
			return time.Time{}, Failf(ErrQueryEvaluationError, "The field 'Seconds' must evaluate to a non-negative integer, but was: %s", compact(v))
		}
		until = now.Add(time.Duration(f) * time.Second)
	case st.Timestamp != nil:
		v, err := st.Timestamp.Eval(sc)
		if err != nil {
			return time.Time{}, err
		}
		s, _ := v.(string)
		if until, err = ParseTimestamp(s); err != nil {
			return time.Time{}, Failf(ErrRuntime, "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: %s", rawText(v))
		}
	case st.SecondsPath != nil:
		v, err := st.SecondsPath.Get(sc)
		if err != nil {
			return time.Time{}, Failf(ErrRuntime, "The SecondsPath parameter does not reference an input value: %s", st.SecondsPath.Src)
		}
		f, ok := numberOf(v)
		switch {
		case !ok || f != math.Trunc(f):
			return time.Time{}, Failf(ErrRuntime, "The SecondsPath parameter cannot be parsed as a long value: %s == %s", st.SecondsPath.Src, rawText(v))
		case f < 0:
			return time.Time{}, Failf(ErrRuntime, "The SecondsPath parameter references a negative value: %s == %s", st.SecondsPath.Src, rawText(v))
		}
		until = now.Add(time.Duration(f) * time.Second)
	case st.TimestampPath != nil:
		v, err := st.TimestampPath.Get(sc)
		if err != nil {
			return time.Time{}, Failf(ErrRuntime, "The TimestampPath parameter does not reference an input value: %s", st.TimestampPath.Src)
		}
		s, _ := v.(string)
		if until, err = ParseTimestamp(s); err != nil {
			return time.Time{}, Failf(ErrRuntime, "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: %s == %s", st.TimestampPath.Src, rawText(v))
		}
	}
	if until.Sub(now) > maxWait {
		return time.Time{}, Failf(ErrRuntime, "Wait state delay is too long.")
	}
	return until, nil
}

// Timeouts evaluates a Task state's TimeoutSeconds and HeartbeatSeconds
// (0: none) against its effective input.
func (st *State) Timeouts(sc *Scope) (timeout, heartbeat time.Duration, err error) {
	if timeout, err = seconds(sc, st.TimeoutSeconds, st.TimeoutPath, "TimeoutSeconds"); err != nil {
		return 0, 0, err
	}
	heartbeat, err = seconds(sc, st.HeartbeatSeconds, st.HeartbeatPath, "HeartbeatSeconds")
	return timeout, heartbeat, err
}

func seconds(sc *Scope, t *Template, ref *Ref, field string) (time.Duration, error) {
	var v any
	var err error
	switch {
	case t != nil:
		v, err = t.Eval(sc)
	case ref != nil:
		v, err = ref.getInvalidPath(sc)
	default:
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	f, ok := numberOf(v)
	if !ok || f != math.Trunc(f) || f < 1 || f > 99999999 {
		name := field
		if ref != nil {
			name = field + "Path"
		}
		return 0, Failf(ErrRuntime, "The %s value must be a positive integer: %s", name, rawText(v))
	}
	return time.Duration(f) * time.Second, nil
}

// FailWith evaluates a Fail state's error and cause. sc.Input is the
// state's input.
func (st *State) FailWith(sc *Scope) (*Failure, error) {
	f := &Failure{}
	for _, part := range []struct {
		value, path *Template
		field       string
		dst         *string
	}{{st.Error, st.ErrorPath, "ErrorPath", &f.Name}, {st.Cause, st.CausePath, "CausePath", &f.Cause}} {
		t := part.value
		if t == nil {
			t = part.path
		}
		if t == nil {
			continue
		}
		v, err := t.Eval(sc)
		if err != nil {
			if fl := AsFailure(err); fl.Name == ErrRuntime && part.path != nil {
				return nil, Failf(ErrRuntime, "The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'", pathSrc(part.path), part.field, compact(sc.Input))
			}
			return nil, err
		}
		s, ok := v.(string)
		if !ok {
			return nil, Failf(ErrRuntime, "The value of the field '%s' must be a string, but was: %s", part.field, compact(v))
		}
		*part.dst = s
	}
	return f, nil
}

func pathSrc(t *Template) string {
	switch n := t.root.(type) {
	case refNode:
		return n.ref.Src
	case callNode:
		return n.src
	}
	return fmt.Sprint(t.Field)
}
