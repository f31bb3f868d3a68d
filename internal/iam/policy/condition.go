package policy

import (
	"encoding/json"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Context holds a request's condition keys (aws:SourceIp, aws:username,
// ...) and their values. Keys are case-insensitive; a multi-valued key
// (aws:TagKeys) has several values.
type Context map[string][]string

// Set sets a key's values.
func (c Context) Set(key string, values ...string) { c[strings.ToLower(key)] = values }

// Values returns a key's values, nil when the request has none.
func (c Context) Values(key string) []string { return c[strings.ToLower(key)] }

// Condition is one test of a Condition block: an operator, a key and the
// values to compare with.
type Condition struct {
	Operator string // as written: "ForAnyValue:StringLike", "DateGreaterThanIfExists"
	Key      string // lowercase
	Values   []string
	op       operator
	ifExists bool
	set      setQualifier
}

type setQualifier int

const (
	single setQualifier = iota
	forAnyValue
	forAllValues
)

// operator is a base condition operator: how one context value compares
// with one policy value, and whether the result is negated.
type operator struct {
	match   func(ctx, pol string) bool
	arn     bool // the policy value is an ARN pattern (variables keep literal)
	like    bool // the policy value is a wildcard pattern
	negated bool
	null    bool
}

var operators = map[string]operator{
	"StringEquals":              {match: func(c, p string) bool { return c == p }},
	"StringNotEquals":           {match: func(c, p string) bool { return c == p }, negated: true},
	"StringEqualsIgnoreCase":    {match: strings.EqualFold},
	"StringNotEqualsIgnoreCase": {match: strings.EqualFold, negated: true},
	"StringLike":                {like: true},
	"StringNotLike":             {like: true, negated: true},
	"NumericEquals":             {match: numeric(func(c int) bool { return c == 0 })},
	"NumericNotEquals":          {match: numeric(func(c int) bool { return c == 0 }), negated: true},
	"NumericLessThan":           {match: numeric(func(c int) bool { return c < 0 })},
	"NumericLessThanEquals":     {match: numeric(func(c int) bool { return c <= 0 })},
	"NumericGreaterThan":        {match: numeric(func(c int) bool { return c > 0 })},
	"NumericGreaterThanEquals":  {match: numeric(func(c int) bool { return c >= 0 })},
	"DateEquals":                {match: date(func(c int) bool { return c == 0 })},
	"DateNotEquals":             {match: date(func(c int) bool { return c == 0 }), negated: true},
	"DateLessThan":              {match: date(func(c int) bool { return c < 0 })},
	"DateLessThanEquals":        {match: date(func(c int) bool { return c <= 0 })},
	"DateGreaterThan":           {match: date(func(c int) bool { return c > 0 })},
	"DateGreaterThanEquals":     {match: date(func(c int) bool { return c >= 0 })},
	"Bool":                      {match: strings.EqualFold},
	"BinaryEquals":              {match: func(c, p string) bool { return c == p }},
	"IpAddress":                 {match: ipMatch},
	"NotIpAddress":              {match: ipMatch, negated: true},
	"ArnEquals":                 {arn: true},
	"ArnLike":                   {arn: true},
	"ArnNotEquals":              {arn: true, negated: true},
	"ArnNotLike":                {arn: true, negated: true},
	"Null":                      {null: true},
}

func numeric(ok func(int) bool) func(c, p string) bool {
	return func(c, p string) bool {
		a, err1 := strconv.ParseFloat(c, 64)
		b, err2 := strconv.ParseFloat(p, 64)
		return err1 == nil && err2 == nil && ok(cmp(a, b))
	}
}

func date(ok func(int) bool) func(c, p string) bool {
	return func(c, p string) bool {
		a, ok1 := parseDate(c)
		b, ok2 := parseDate(p)
		return ok1 && ok2 && ok(a.Compare(b))
	}
}

func cmp(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseDate reads the date forms IAM accepts: ISO 8601 (with or without a
// time) and epoch seconds.
func parseDate(s string) (time.Time, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), true
	}
	for _, f := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if t, err := time.Parse(f, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func ipMatch(c, p string) bool {
	ip, err := netip.ParseAddr(c)
	if err != nil {
		return false
	}
	if prefix, err := netip.ParsePrefix(p); err == nil {
		return prefix.Contains(ip)
	}
	want, err := netip.ParseAddr(p)
	return err == nil && want == ip
}

// parseConditions reads a Condition block: {operator: {key: value(s)}}.
func parseConditions(v any) ([]Condition, error) {
	block, ok := v.(map[string]any)
	if !ok {
		return nil, errSyntax
	}
	var out []Condition
	for name, keys := range block {
		base, set := name, single
		if b, ok := strings.CutPrefix(base, "ForAnyValue:"); ok {
			base, set = b, forAnyValue
		} else if b, ok := strings.CutPrefix(base, "ForAllValues:"); ok {
			base, set = b, forAllValues
		}
		base, ifExists := strings.CutSuffix(base, "IfExists")
		op, known := operators[base]
		if !known || op.null && (ifExists || set != single) {
			return nil, syntaxErr("Invalid Condition type : %s", name)
		}
		m, ok := keys.(map[string]any)
		if !ok || len(m) == 0 {
			return nil, errSyntax
		}
		for key, raw := range m {
			values, ok := conditionValues(raw)
			if !ok || key == "" {
				return nil, errSyntax
			}
			out = append(out, Condition{Operator: name, Key: strings.ToLower(key), Values: values, op: op, ifExists: ifExists, set: set})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Operator+out[i].Key < out[j].Operator+out[j].Key })
	return out, nil
}

// conditionValues reads a value or a list of values: strings, numbers or
// booleans, all compared as their text.
func conditionValues(v any) ([]string, bool) {
	list, isList := v.([]any)
	if !isList {
		list = []any{v}
	}
	if len(list) == 0 {
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		switch e := e.(type) {
		case string:
			out = append(out, e)
		case json.Number:
			out = append(out, e.String())
		case bool:
			out = append(out, strconv.FormatBool(e))
		default:
			return nil, false
		}
	}
	return out, true
}
