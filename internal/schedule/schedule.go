// Package schedule owns the time expressions of EventBridge rules and
// EventBridge Scheduler: rate(value unit), AWS's six-field cron(...) with
// its ?, L, W and # wildcards, and Scheduler's one-time at(...), evaluated
// in UTC or in an IANA time zone across daylight-saving changes as
// Scheduler documents — a local time that does not exist is skipped, a
// local time that happens twice fires once, the first time — and bounded
// by a start and an end date. It is pure: Next answers when a schedule
// fires next after a given instant, and the caller owns the clock.
package schedule

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // IANA zones without the host's zoneinfo: nubo is one binary
)

// Kind is the form of a schedule expression.
type Kind int

const (
	Rate Kind = iota // rate(value unit)
	Cron             // cron(fields)
	At               // at(yyyy-mm-ddThh:mm:ss), Scheduler only
)

// Error is an expression, time zone or date range AWS refuses; Message is
// worded as AWS words it, and the service sends it as a
// ValidationException.
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

// ruleInvalid is EventBridge's refusal of a rule's ScheduleExpression.
var ruleInvalid = &Error{Message: "Parameter ScheduleExpression is not valid."}

// Schedule is a parsed expression with the zone it is evaluated in and the
// dates that bound it.
type Schedule struct {
	expr  string
	kind  Kind
	every time.Duration // Rate
	cron  *cron         // Cron
	at    wall          // At: a local time
	loc   *time.Location
	// Rate: the first occurrence (first is false when it is excluded, as
	// a rule's creation time is).
	anchor time.Time
	first  bool
	start  time.Time // zero: unbounded
	end    time.Time
}

// Kind is the schedule's form.
func (s *Schedule) Kind() Kind { return s.kind }

// String is the expression as given.
func (s *Schedule) String() string { return s.expr }

// Location is the zone the schedule is evaluated in.
func (s *Schedule) Location() *time.Location { return s.loc }

// rateExpr is rate(value unit). Rules want a singular unit for 1 and a
// plural one for more; Scheduler takes either.
var rateExpr = regexp.MustCompile(`^rate\(([0-9]+) (minute|minutes|hour|hours|day|days)\)$`)

// ParseRule parses an EventBridge rule's ScheduleExpression, evaluated in
// UTC. A rate counts from created, the rule's creation: it first fires one
// interval after it. The error is *Error "Parameter ScheduleExpression is
// not valid.".
func ParseRule(expr string, created time.Time) (*Schedule, error) {
	s := &Schedule{expr: expr, loc: time.UTC}
	if m := rateExpr.FindStringSubmatch(expr); m != nil {
		n, every, ok := rateOf(m[1], m[2])
		if !ok || (n == 1) != !strings.HasSuffix(m[2], "s") {
			return nil, ruleInvalid
		}
		s.kind, s.every, s.anchor = Rate, every, created
		return s, nil
	}
	if strings.HasPrefix(expr, "cron(") && strings.HasSuffix(expr, ")") {
		if c, ok := parseCron(expr[len("cron("):len(expr)-1], false); ok {
			s.kind, s.cron = Cron, c
			return s, nil
		}
	}
	return nil, ruleInvalid
}

// rateOf is a rate's interval: a positive value of minutes, hours or days
// (a day is 24 hours, whatever the clocks do), within what a Duration
// holds.
func rateOf(value, unit string) (int64, time.Duration, bool) {
	u := 24 * time.Hour
	switch strings.TrimSuffix(unit, "s") {
	case "minute":
		u = time.Minute
	case "hour":
		u = time.Hour
	}
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil || n < 1 || n > int64(math.MaxInt64/u) {
		return 0, 0, false
	}
	return n, time.Duration(n) * u, true
}

// Options are an EventBridge Scheduler schedule's settings besides its
// expression.
type Options struct {
	// Timezone is ScheduleExpressionTimezone, an IANA zone name; "" is
	// UTC.
	Timezone string
	// StartDate and EndDate bound a recurring schedule (inclusive); zero
	// is unbounded. A one-time schedule ignores them.
	StartDate, EndDate time.Time
	// Created is when the schedule was created: a rate with no StartDate
	// fires then and every interval after.
	Created time.Time
}

var atExpr = regexp.MustCompile(`^at\(([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})\)$`)

// ParseScheduler parses an EventBridge Scheduler ScheduleExpression with
// its options. The error is *Error, "Invalid Schedule Expression <expr>."
// for the expression.
func ParseScheduler(expr string, opts Options) (*Schedule, error) {
	invalid := &Error{Message: "Invalid Schedule Expression " + expr + "."}
	loc, err := LoadZone(opts.Timezone)
	if err != nil {
		return nil, err
	}
	s := &Schedule{expr: expr, loc: loc, start: opts.StartDate, end: opts.EndDate}
	switch {
	case strings.HasPrefix(expr, "rate("):
		m := rateExpr.FindStringSubmatch(expr)
		if m == nil {
			return nil, invalid
		}
		_, every, ok := rateOf(m[1], m[2])
		if !ok {
			return nil, invalid
		}
		s.kind, s.every, s.anchor, s.first = Rate, every, opts.Created, true
		if !opts.StartDate.IsZero() {
			s.anchor = opts.StartDate
		}
	case strings.HasPrefix(expr, "cron(") && strings.HasSuffix(expr, ")"):
		c, ok := parseCron(expr[len("cron("):len(expr)-1], true)
		if !ok {
			return nil, invalid
		}
		s.kind, s.cron = Cron, c
	default:
		m := atExpr.FindStringSubmatch(expr)
		if m == nil {
			return nil, invalid
		}
		t, err := time.Parse("2006-01-02T15:04:05", m[1])
		if err != nil {
			return nil, invalid
		}
		s.kind, s.at, s.start, s.end = At, wallOf(t), time.Time{}, time.Time{}
	}
	return s, nil
}

// LoadZone loads an IANA time zone by name; "" is UTC. Only zone names are
// accepted (not "Local").
func LoadZone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		return nil, &Error{Message: "Invalid time zone " + name + "."}
	}
	return loc, nil
}
