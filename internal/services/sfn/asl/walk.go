package asl

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/nubo-dev/nubo/internal/services/sfn/jsonpath"
)

// Diagnostic is one finding of validation, as ValidateStateMachineDefinition
// reports it.
type Diagnostic struct {
	Severity string `json:"severity"` // ERROR or WARNING
	Code     string `json:"code"`
	Message  string `json:"message"`
	Location string `json:"location,omitempty"`
}

// Diagnostic codes.
const (
	CodeSchema          = "SCHEMA_VALIDATION_FAILED"
	CodeMissingTarget   = "MISSING_TRANSITION_TARGET"
	CodeMissingEndState = "MISSING_END_STATE"
	CodeInvalidJSON     = "INVALID_JSON_DESCRIPTION"
)

// walker collects diagnostics while reading a decoded definition.
type walker struct {
	diags []Diagnostic
}

func (w *walker) add(code, loc, format string, args ...any) {
	w.diags = append(w.diags, Diagnostic{Severity: "ERROR", Code: code, Message: fmt.Sprintf(format, args...), Location: loc})
}

func (w *walker) schema(loc, format string, args ...any) {
	w.add(CodeSchema, loc, format, args...)
}

// obj is a JSON object of the definition at a location ("/States/A").
type obj struct {
	w   *walker
	loc string
	m   map[string]any
}

func (o obj) at(field string) string { return o.loc + "/" + field }

func (o obj) has(field string) bool {
	_, ok := o.m[field]
	return ok
}

// only reports the fields of o not in allowed.
func (o obj) only(allowed ...string) {
	for _, k := range sortedKeys(o.m) {
		if !slices.Contains(allowed, k) {
			o.w.schema(o.loc, "Field '%s' is not supported", k)
		}
	}
}

// require reports the fields o lacks.
func (o obj) require(fields ...string) bool {
	var missing []string
	for _, f := range fields {
		if !o.has(f) {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		o.w.schema(o.loc, "These fields are required: [%s]", strings.Join(missing, ", "))
	}
	return len(missing) == 0
}

func (o obj) typeError(field, typ string) {
	o.w.schema(o.at(field), "The value for the field '%s' must be a %s", field, typ)
}

func (o obj) str(field string) (string, bool) {
	v, ok := o.m[field]
	if !ok {
		return "", false
	}
	s, isStr := v.(string)
	if !isStr {
		o.typeError(field, "STRING")
	}
	return s, isStr
}

func (o obj) boolean(field string) (bool, bool) {
	v, ok := o.m[field]
	if !ok {
		return false, false
	}
	b, isBool := v.(bool)
	if !isBool {
		o.typeError(field, "BOOLEAN")
	}
	return b, isBool
}

func (o obj) number(field string) (float64, bool) {
	v, ok := o.m[field]
	if !ok {
		return 0, false
	}
	f, isNum := jsonpath.Number(v)
	if !isNum {
		o.typeError(field, "NUMBER")
	}
	return f, isNum
}

// integer reads a non-negative whole number within [lo, hi].
func (o obj) integer(field string, lo, hi int64) (int64, bool) {
	v, ok := o.m[field]
	if !ok {
		return 0, false
	}
	f, isNum := jsonpath.Number(v)
	if !isNum || f != math.Trunc(f) {
		o.typeError(field, "INTEGER")
		return 0, false
	}
	if f < float64(lo) || f > float64(hi) {
		o.w.schema(o.at(field), "The value for the field '%s' must be between %d and %d", field, lo, hi)
		return 0, false
	}
	return int64(f), true
}

func (o obj) object(field string) (obj, bool) {
	v, ok := o.m[field]
	if !ok {
		return obj{}, false
	}
	m, isObj := v.(map[string]any)
	if !isObj {
		o.typeError(field, "OBJECT")
		return obj{}, false
	}
	return obj{w: o.w, loc: o.at(field), m: m}, true
}

func (o obj) array(field string) ([]any, bool) {
	v, ok := o.m[field]
	if !ok {
		return nil, false
	}
	a, isArr := v.([]any)
	if !isArr {
		o.typeError(field, "ARRAY")
	}
	return a, isArr
}

// ref reads a path field ($, $$ or $name).
func (o obj) ref(field string) *Ref {
	s, ok := o.str(field)
	if !ok {
		return nil
	}
	r, err := ParseRef(s)
	if err != nil {
		o.w.schema(o.at(field), "The value for the field '%s' must be a valid JSONPath", field)
		return nil
	}
	return r
}

// refPath reads a reference path field (ResultPath, and the paths of
// Wait, Map and Task fields).
func (o obj) refPath(field string) *Ref {
	r := o.ref(field)
	if r != nil && !r.Path.Reference() {
		o.w.schema(o.at(field), "The value for the field '%s' must be a valid Reference Path", field)
		return nil
	}
	return r
}

// ioPath reads InputPath, OutputPath or ResultPath, which may be null.
func (o obj) ioPath(field string, reference bool) IOPath {
	v, ok := o.m[field]
	if !ok {
		return IOPath{}
	}
	if v == nil {
		return IOPath{Null: true}
	}
	if reference {
		return IOPath{Ref: o.refPath(field)}
	}
	return IOPath{Ref: o.ref(field)}
}

// template compiles a template field in the state's language.
func (o obj) template(field, lang string) *Template {
	v, ok := o.m[field]
	if !ok {
		return nil
	}
	return compileTemplate(field, v, lang, func(key, msg string) {
		o.w.schema(o.at(field), "%s", msg)
	})
}

// valueOrExpr reads a field that holds a value of one JSON type, or, in
// JSONata, a "{% %}" expression that yields one at run time.
func (o obj) valueOrExpr(field, lang, typ string) *Template {
	v, ok := o.m[field]
	if !ok {
		return nil
	}
	if s, isStr := v.(string); isStr && lang == JSONata && IsExpr(s) {
		return o.template(field, lang)
	}
	if !hasType(v, typ) {
		o.typeError(field, typ)
		return nil
	}
	return Literal(field, v)
}

func hasType(v any, typ string) bool {
	switch typ {
	case "STRING":
		_, ok := v.(string)
		return ok
	case "INTEGER":
		f, ok := jsonpath.Number(v)
		return ok && f == math.Trunc(f)
	case "NUMBER":
		_, ok := jsonpath.Number(v)
		return ok
	}
	return true
}

// decode reads JSON keeping numbers exact.
func decode(data []byte) (any, error) {
	d := json.NewDecoder(strings.NewReader(string(data)))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, fmt.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}
