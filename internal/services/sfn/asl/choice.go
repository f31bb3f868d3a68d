package asl

import (
	"strconv"
	"strings"
	"time"
)

// ChoiceRule is one rule of a Choice state: a JSONata Condition, or a
// JSONPath comparison of Variable, or And/Or/Not of nested rules. Only
// top-level rules have Next (and Assign, Output).
type ChoiceRule struct {
	Next      string
	Condition *Template
	Variable  *Ref
	Op        string // "StringEquals", "IsPresent", ...; "" for And/Or/Not
	Value     any
	ValuePath *Ref // for the ...Path operators
	And, Or   []*ChoiceRule
	Not       *ChoiceRule
	Assign    *Template
	Output    *Template
}

// comparison operators and the JSON type of their value.
var comparisons = map[string]string{
	"StringEquals": "STRING", "StringLessThan": "STRING", "StringGreaterThan": "STRING",
	"StringLessThanEquals": "STRING", "StringGreaterThanEquals": "STRING", "StringMatches": "STRING",
	"NumericEquals": "NUMBER", "NumericLessThan": "NUMBER", "NumericGreaterThan": "NUMBER",
	"NumericLessThanEquals": "NUMBER", "NumericGreaterThanEquals": "NUMBER",
	"BooleanEquals":   "BOOLEAN",
	"TimestampEquals": "STRING", "TimestampLessThan": "STRING", "TimestampGreaterThan": "STRING",
	"TimestampLessThanEquals": "STRING", "TimestampGreaterThanEquals": "STRING",
	"IsNull": "BOOLEAN", "IsPresent": "BOOLEAN", "IsNumeric": "BOOLEAN", "IsString": "BOOLEAN",
	"IsBoolean": "BOOLEAN", "IsTimestamp": "BOOLEAN",
}

// pathComparisons are the operators with a ...Path form.
func hasPathForm(op string) bool {
	return op != "StringMatches" && !strings.HasPrefix(op, "Is")
}

func (p *parser) choice(o obj, s *State) {
	if !o.require("Choices") {
		return
	}
	list, ok := o.array("Choices")
	if !ok {
		return
	}
	if len(list) == 0 {
		p.w.schema(o.at("Choices"), "Value cannot be empty")
	}
	for i, v := range list {
		loc := o.at("Choices") + "[" + strconv.Itoa(i) + "]"
		ro, isObj := v.(map[string]any)
		if !isObj {
			p.w.schema(loc, "The value for the field 'Choices' must be a OBJECT")
			continue
		}
		if r := p.rule(obj{w: p.w, loc: loc, m: ro}, s.Language, true); r != nil {
			s.Choices = append(s.Choices, r)
		}
	}
	s.Default, _ = o.str("Default")
}

func (p *parser) rule(o obj, lang string, top bool) *ChoiceRule {
	r := &ChoiceRule{}
	if top {
		if !o.require("Next") {
			return nil
		}
		r.Next, _ = o.str("Next")
		r.Assign = o.template("Assign", lang)
		if lang == JSONata {
			r.Output = o.template("Output", lang)
		}
	}
	if lang == JSONata {
		p.allowRule(o, top, "Condition", "Output")
		if o.require("Condition") {
			r.Condition = o.valueOrExpr("Condition", lang, "BOOLEAN")
		}
		return r
	}
	switch {
	case o.has("And") || o.has("Or"):
		p.allowRule(o, top, "And", "Or")
		r.And, r.Or = p.rules(o, "And", lang), p.rules(o, "Or", lang)
	case o.has("Not"):
		p.allowRule(o, top, "Not")
		if no, ok := o.object("Not"); ok {
			r.Not = p.rule(no, lang, false)
		}
	default:
		p.comparison(o, r, top)
	}
	return r
}

// allowRule checks a rule's fields.
func (p *parser) allowRule(o obj, top bool, fields ...string) {
	fields = append(fields, "Comment")
	if top {
		fields = append(fields, "Next", "Assign")
	}
	o.only(fields...)
}

func (p *parser) rules(o obj, field, lang string) []*ChoiceRule {
	list, ok := o.array(field)
	if !ok {
		return nil
	}
	if len(list) == 0 {
		p.w.schema(o.at(field), "Value cannot be empty")
	}
	var out []*ChoiceRule
	for i, v := range list {
		ro, isObj := v.(map[string]any)
		if !isObj {
			p.w.schema(o.at(field), "The value for the field '%s' must be a OBJECT", field)
			continue
		}
		if r := p.rule(obj{w: p.w, loc: o.at(field) + "[" + strconv.Itoa(i) + "]", m: ro}, lang, false); r != nil {
			out = append(out, r)
		}
	}
	return out
}

// comparison reads Variable and exactly one operator.
func (p *parser) comparison(o obj, r *ChoiceRule, top bool) {
	var ops []string
	for _, k := range sortedKeys(o.m) {
		base := strings.TrimSuffix(k, "Path")
		if _, ok := comparisons[k]; ok || (base != k && hasPathForm(base) && comparisons[base] != "") {
			ops = append(ops, k)
		}
	}
	if len(ops) != 1 {
		p.w.schema(o.loc, "A choice rule must have exactly one comparison operator")
		return
	}
	op := ops[0]
	p.allowRule(o, top, "Variable", op)
	if !o.require("Variable") {
		return
	}
	r.Variable = o.ref("Variable")
	if typ, ok := comparisons[op]; ok {
		r.Op = op
		if !hasType(o.m[op], typ) || typ == "BOOLEAN" && !isBool(o.m[op]) {
			o.typeError(op, typ)
			return
		}
		r.Value = o.m[op]
		if strings.HasPrefix(op, "Timestamp") {
			if _, err := ParseTimestamp(r.Value.(string)); err != nil {
				p.w.schema(o.at(op), "The value for the field '%s' must be a valid ISO-8601 timestamp", op)
			}
		}
		return
	}
	r.Op = strings.TrimSuffix(op, "Path")
	r.ValuePath = o.ref(op)
}

func isBool(v any) bool {
	_, ok := v.(bool)
	return ok
}

// Choose returns the first matching rule of a Choice state, or nil.
func (st *State) Choose(sc *Scope) (*ChoiceRule, error) {
	for _, r := range st.Choices {
		ok, err := r.eval(sc)
		if err != nil {
			return nil, err
		}
		if ok {
			return r, nil
		}
	}
	return nil, nil
}

func (r *ChoiceRule) eval(sc *Scope) (bool, error) {
	switch {
	case r.Condition != nil:
		v, err := r.Condition.Eval(sc)
		if err != nil {
			return false, err
		}
		b, ok := v.(bool)
		if !ok {
			return false, Failf(ErrQueryEvaluationError, "The JSONata expression '%s' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was '%s' for value: %s", exprSrc(r.Condition), jsonType(v), compact(v)).At("Condition")
		}
		return b, nil
	case r.Not != nil:
		ok, err := r.Not.eval(sc)
		return !ok, err
	case r.And != nil:
		for _, c := range r.And {
			if ok, err := c.eval(sc); err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case r.Or != nil:
		for _, c := range r.Or {
			if ok, err := c.eval(sc); err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	}
	return r.compare(sc)
}

func exprSrc(t *Template) string {
	if e, ok := t.root.(exprNode); ok {
		return e.expr.Src
	}
	return compact(t.root.(litNode).v)
}

func (r *ChoiceRule) compare(sc *Scope) (bool, error) {
	v, err := r.Variable.Get(sc)
	present := err == nil
	if r.Op == "IsPresent" {
		return present == r.Value.(bool), nil
	}
	if !present {
		return false, Failf(ErrRuntime, "Invalid path '%s': The choice state's condition path references an invalid value.", r.Variable.Src)
	}
	want := r.Value
	if r.ValuePath != nil {
		if want, err = r.ValuePath.Get(sc); err != nil {
			return false, Failf(ErrRuntime, "Invalid path '%s': The choice state's condition path references an invalid value.", r.ValuePath.Src)
		}
	}
	return compareOp(r.Op, v, want), nil
}

// compareOp applies an operator; values of the wrong type never match.
func compareOp(op string, v, want any) bool {
	switch {
	case strings.HasPrefix(op, "Is"):
		return isType(op, v) == want.(bool)
	case op == "BooleanEquals":
		b, ok := v.(bool)
		w, wok := want.(bool)
		return ok && wok && b == w
	case op == "StringMatches":
		s, ok := v.(string)
		return ok && StringMatches(s, want.(string))
	case strings.HasPrefix(op, "String"):
		s, ok := v.(string)
		w, wok := want.(string)
		return ok && wok && ordered(op[len("String"):], strings.Compare(s, w))
	case strings.HasPrefix(op, "Numeric"):
		a, ok := numberOf(v)
		b, wok := numberOf(want)
		return ok && wok && ordered(op[len("Numeric"):], cmp3(a, b))
	case strings.HasPrefix(op, "Timestamp"):
		a, ok := timestamp(v)
		b, wok := timestamp(want)
		return ok && wok && ordered(op[len("Timestamp"):], a.Compare(b))
	}
	return false
}

func timestamp(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	t, err := ParseTimestamp(s)
	return t, err == nil
}

func isType(op string, v any) bool {
	switch op {
	case "IsNull":
		return v == nil
	case "IsNumeric":
		_, ok := numberOf(v)
		return ok
	case "IsString":
		_, ok := v.(string)
		return ok
	case "IsBoolean":
		_, ok := v.(bool)
		return ok
	case "IsTimestamp":
		_, ok := timestamp(v)
		return ok
	}
	return false
}

func cmp3(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ordered applies a comparison suffix ("Equals", "LessThan", ...) to c.
func ordered(suffix string, c int) bool {
	switch suffix {
	case "Equals":
		return c == 0
	case "LessThan":
		return c < 0
	case "GreaterThan":
		return c > 0
	case "LessThanEquals":
		return c <= 0
	case "GreaterThanEquals":
		return c >= 0
	}
	return false
}

// StringMatches matches s against a pattern in which * matches any run of
// characters and \* and \\ stand for themselves.
func StringMatches(s, pattern string) bool {
	var parts []string // literal runs split at unescaped *
	var cur strings.Builder
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; {
		case c == '\\' && i+1 < len(pattern):
			i++
			cur.WriteByte(pattern[i])
		case c == '*':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	parts = append(parts, cur.String())
	if len(parts) == 1 {
		return s == parts[0]
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return len(s) >= len(last) && strings.HasSuffix(s, last)
}
