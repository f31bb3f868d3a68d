package asl

import (
	"strconv"
	"strings"
	"time"
)

func (p *parser) task(o obj, s *State) {
	if !o.require("Resource") {
		return
	}
	s.Resource, _ = o.str("Resource")
	if p.opts.Express {
		p.expressResource(o, s.Resource)
	}
	s.TimeoutSeconds = p.seconds(o, "TimeoutSeconds", s.Language)
	s.HeartbeatSeconds = p.seconds(o, "HeartbeatSeconds", s.Language)
	if s.Language == JSONPath {
		s.TimeoutPath = o.refPath("TimeoutSecondsPath")
		s.HeartbeatPath = o.refPath("HeartbeatSecondsPath")
	}
	if s.TimeoutSeconds != nil && s.TimeoutPath != nil {
		p.w.schema(o.loc, "Only one of 'TimeoutSeconds' or 'TimeoutSecondsPath' can be specified")
	}
	if s.HeartbeatSeconds != nil && s.HeartbeatPath != nil {
		p.w.schema(o.loc, "Only one of 'HeartbeatSeconds' or 'HeartbeatSecondsPath' can be specified")
	}
	if t, ok := s.TimeoutSeconds.constInt(); ok {
		if h, ok := s.HeartbeatSeconds.constInt(); ok && h >= t {
			p.w.schema(o.at("HeartbeatSeconds"), "The value of 'HeartbeatSeconds' must be less than the value of 'TimeoutSeconds'")
		}
	}
	if c, ok := o.object("Credentials"); ok {
		if !c.has("RoleArn") && !c.has("RoleArn.$") {
			p.w.schema(c.loc, "The field 'RoleArn' is required but was missing")
		}
		s.Credentials = o.template("Credentials", s.Language)
	}
	s.Retry = p.retriers(o)
	s.Catch = p.catchers(o, s.Language)
}

// expressResource refuses the integration patterns Express workflows lack.
func (p *parser) expressResource(o obj, resource string) {
	switch {
	case strings.HasSuffix(resource, ".sync") || strings.Contains(resource, ".sync:"):
		p.w.schema(o.at("Resource"), "Express state machine does not support '.sync' service integration")
	case strings.HasSuffix(resource, ".waitForTaskToken"):
		p.w.schema(o.at("Resource"), "Express state machine does not support '.waitForTaskToken' service integration ")
	case strings.HasPrefix(resource, "arn:") && strings.Contains(resource, ":activity:"):
		p.w.schema(o.at("Resource"), "Express state machine does not support Activity ARN")
	}
}

// seconds reads TimeoutSeconds or HeartbeatSeconds: a positive integer or,
// in JSONata, an expression.
func (p *parser) seconds(o obj, field, lang string) *Template {
	t := o.valueOrExpr(field, lang, "INTEGER")
	if n, ok := t.constInt(); ok && (n < 1 || n > 99999999) {
		p.w.schema(o.at(field), "The value for the field '%s' must be between 1 and 99999999", field)
	}
	return t
}

// constInt returns a template's constant integer, if it is one.
func (t *Template) constInt() (int64, bool) {
	if t == nil {
		return 0, false
	}
	v, ok := t.Constant()
	if !ok {
		return 0, false
	}
	f, ok := numberOf(v)
	return int64(f), ok
}

func (p *parser) retriers(o obj) []*Retrier {
	list, ok := o.array("Retry")
	if !ok {
		return nil
	}
	var out []*Retrier
	for i, v := range list {
		ro, isObj := v.(map[string]any)
		loc := o.at("Retry") + "[" + strconv.Itoa(i) + "]"
		if !isObj {
			p.w.schema(loc, "The value for the field 'Retry' must be a OBJECT")
			continue
		}
		r := obj{w: p.w, loc: loc, m: ro}
		r.only("ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment")
		rt := &Retrier{IntervalSeconds: DefaultInterval, MaxAttempts: DefaultMaxAttempts, BackoffRate: DefaultBackoffRate}
		rt.ErrorEquals = p.errorEquals(r, i == len(list)-1)
		if n, ok := r.integer("IntervalSeconds", 1, 99999999); ok {
			rt.IntervalSeconds = n
		}
		if n, ok := r.integer("MaxAttempts", 0, 99999999); ok {
			rt.MaxAttempts = n
		}
		if f, ok := r.number("BackoffRate"); ok {
			if f < 1 {
				p.w.schema(r.at("BackoffRate"), "The value for the field 'BackoffRate' must be greater than or equal to 1.0")
			}
			rt.BackoffRate = f
		}
		if n, ok := r.integer("MaxDelaySeconds", 1, 31622400); ok {
			rt.MaxDelaySeconds = n
		}
		if j, ok := r.str("JitterStrategy"); ok {
			if j != "FULL" && j != "NONE" {
				p.w.schema(r.at("JitterStrategy"), "The field 'JitterStrategy' should have one of these values: [FULL, NONE]")
			}
			rt.JitterFull = j == "FULL"
		}
		out = append(out, rt)
	}
	return out
}

func (p *parser) catchers(o obj, lang string) []*Catcher {
	list, ok := o.array("Catch")
	if !ok {
		return nil
	}
	var out []*Catcher
	for i, v := range list {
		co, isObj := v.(map[string]any)
		loc := o.at("Catch") + "[" + strconv.Itoa(i) + "]"
		if !isObj {
			p.w.schema(loc, "The value for the field 'Catch' must be a OBJECT")
			continue
		}
		c := obj{w: p.w, loc: loc, m: co}
		if lang == JSONata {
			c.only("ErrorEquals", "Next", "Output", "Assign", "Comment")
		} else {
			c.only("ErrorEquals", "Next", "ResultPath", "Assign", "Comment")
		}
		if !c.require("ErrorEquals", "Next") {
			continue
		}
		ct := &Catcher{ErrorEquals: p.errorEquals(c, i == len(list)-1)}
		ct.Next, _ = c.str("Next")
		ct.ResultPath = c.ioPath("ResultPath", true)
		ct.Output = c.template("Output", lang)
		ct.Assign = c.template("Assign", lang)
		out = append(out, ct)
	}
	return out
}

// errorEquals reads a non-empty list of error names, in which States.ALL
// must stand alone in the last rule.
func (p *parser) errorEquals(o obj, last bool) []string {
	if !o.require("ErrorEquals") {
		return nil
	}
	list, ok := o.array("ErrorEquals")
	if !ok {
		return nil
	}
	if len(list) == 0 {
		p.w.schema(o.at("ErrorEquals"), "Value cannot be empty")
	}
	var names []string
	for _, v := range list {
		s, isStr := v.(string)
		if !isStr {
			p.w.schema(o.at("ErrorEquals"), "The value for the field 'ErrorEquals' must be a STRING")
			continue
		}
		if strings.HasPrefix(s, "States.") && !statesErrors[s] {
			p.w.schema(o.at("ErrorEquals"), "The value '%s' is not a valid error name", s)
		}
		names = append(names, s)
	}
	for _, n := range names {
		if n == ErrAll && (len(names) > 1 || !last) {
			p.w.schema(o.at("ErrorEquals"), "The error 'States.ALL' must appear alone, in the last retrier or catcher")
		}
	}
	return names
}

func (p *parser) wait(o obj, s *State) {
	n := 0
	for _, f := range []string{"Seconds", "Timestamp", "SecondsPath", "TimestampPath"} {
		if o.has(f) {
			n++
		}
	}
	if n != 1 {
		p.w.schema(o.loc, "A Wait state must have exactly one of 'Seconds', 'Timestamp', 'SecondsPath' or 'TimestampPath'")
	}
	s.Seconds = o.valueOrExpr("Seconds", s.Language, "INTEGER")
	if v, ok := s.Seconds.constInt(); ok && (v < 0 || v > 99999999) {
		p.w.schema(o.at("Seconds"), "The value for the field 'Seconds' must be between 0 and 99999999")
	}
	s.Timestamp = o.valueOrExpr("Timestamp", s.Language, "STRING")
	if s.Timestamp != nil {
		if v, ok := s.Timestamp.Constant(); ok && !validTimestamp(v) {
			p.w.schema(o.at("Timestamp"), "The value for the field 'Timestamp' must be a valid ISO-8601 timestamp")
		}
	}
	if s.Language == JSONPath {
		s.SecondsPath = o.refPath("SecondsPath")
		s.TimestampPath = o.refPath("TimestampPath")
	}
}

func validTimestamp(v any) bool {
	_, err := ParseTimestamp(v.(string))
	return err == nil
}

// ParseTimestamp reads an ISO-8601 extended offset date-time, as Wait
// states and timestamp comparisons require.
func ParseTimestamp(s string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, s)
}

func (p *parser) parallel(o obj, s *State) {
	if !o.require("Branches") {
		return
	}
	list, ok := o.array("Branches")
	if !ok {
		return
	}
	if len(list) == 0 {
		p.w.schema(o.at("Branches"), "Value cannot be empty")
	}
	for i, v := range list {
		bo, isObj := v.(map[string]any)
		loc := o.at("Branches") + "[" + strconv.Itoa(i) + "]"
		if !isObj {
			p.w.schema(loc, "The value for the field 'Branches' must be a OBJECT")
			continue
		}
		b := obj{w: p.w, loc: loc, m: bo}
		b.only("StartAt", "States", "Comment")
		if m := p.machine(b, s.Language); m != nil {
			s.Branches = append(s.Branches, m)
		}
	}
	s.Retry = p.retriers(o)
	s.Catch = p.catchers(o, s.Language)
}
