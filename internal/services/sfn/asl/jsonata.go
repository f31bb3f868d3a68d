package asl

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	jsonata "github.com/blues/jsonata-go"
	"github.com/blues/jsonata-go/jtypes"
)

// Expr is a JSONata expression of a "{% ... %}" string.
type Expr struct {
	Src  string // the expression, without the delimiters
	prog *jsonata.Expr
	vars []string // the $names it mentions, to bind only those
}

var varNames = regexp.MustCompile(`\$[A-Za-z_][A-Za-z0-9_]*`)

// IsExpr reports whether s is a JSONata expression string: "{%" at the
// start and "%}" at the end.
func IsExpr(s string) bool {
	return len(s) >= 4 && strings.HasPrefix(s, "{%") && strings.HasSuffix(s, "%}")
}

// CompileExpr compiles the expression of a "{% ... %}" string.
func CompileExpr(s string) (*Expr, error) {
	src := strings.TrimSpace(s[2 : len(s)-2])
	if src == "" {
		return nil, errors.New("empty JSONata expression")
	}
	prog, err := compile(src)
	if err != nil {
		return nil, err
	}
	e := &Expr{Src: src, prog: prog}
	seen := map[string]bool{}
	for _, m := range varNames.FindAllString(src, -1) {
		name := m[1:]
		if !seen[name] && name != "states" {
			seen[name] = true
			e.vars = append(e.vars, name)
		}
	}
	return e, nil
}

// compile compiles src with jsonata-go, whose lexer panics on some
// malformed input (FuzzParse found "A!\uFFFD00"): that is a syntax error
// like any other, not a crash.
func compile(src string) (prog *jsonata.Expr, err error) {
	defer func() {
		if recover() != nil {
			prog, err = nil, errors.New("syntax error")
		}
	}()
	prog, err = jsonata.Compile(src)
	if err == nil {
		prog.SetLimits(evalLimits)
	}
	return prog, err
}

// evalLimits bound each evaluation, as jsonata-js's timebox does (U1001
// and U1002): a function that calls itself without end would otherwise
// overflow the goroutine's stack, which no recover catches, and one
// that runs without end would hold its execution for ever. 10,000
// levels take at most 16 MB of stack (measured: a function recursing
// through $map), and let a plain function call itself about 3,000 deep.
// An evaluation's values may hold 32 Mi strings' bytes and arrays'
// items in all, at most about 512 MB: more would risk the machine's
// memory, whose exhaustion is fatal too, for expressions no state's
// 256 KB payload needs.
var evalLimits = jsonata.Limits{MaxDepth: 10000, Timeout: 10 * time.Second, MaxSize: 1 << 25}

// errEvalPanic is an evaluation that made jsonata-go panic.
var errEvalPanic = errors.New("internal error in the JSONata evaluator")

// errUndefined is an expression that evaluated to nothing.
var errUndefined = errors.New("undefined")

// Eval evaluates the expression in a scope. It returns errUndefined for
// an expression that yields nothing.
func (e *Expr) Eval(s *Scope) (any, error) {
	prog := *e.prog // a copy, whose registry this evaluation's bindings fill
	states := map[string]any{"input": toJSONata(s.Input), "context": toJSONata(s.Context)}
	if s.HasResult {
		states["result"] = toJSONata(s.Result)
	}
	if s.HasErrorOutput {
		states["errorOutput"] = toJSONata(s.ErrorOutput)
	}
	vars := map[string]any{"states": states}
	for _, name := range e.vars {
		if s.Vars == nil {
			break
		}
		if v, ok := s.Vars.Lookup(name); ok {
			vars[name] = toJSONata(v)
		}
	}
	if err := prog.RegisterExts(awsFunctions(s)); err != nil {
		return nil, err
	}
	if err := prog.RegisterVars(vars); err != nil {
		return nil, err
	}
	v, err := evalGuarded(&prog)
	if errors.Is(err, jsonata.ErrUndefined) {
		return nil, errUndefined
	}
	if err != nil {
		return nil, err
	}
	return fromJSONata(v)
}

// evalGuarded evaluates prog, turning a panic in jsonata-go into an
// evaluation error: FuzzParse found a panic in its lexer, and its
// evaluator may have others that FuzzJSONata has not met.
func evalGuarded(prog *jsonata.Expr) (v any, err error) {
	defer func() {
		if recover() != nil {
			v, err = nil, errEvalPanic
		}
	}()
	return prog.Eval(nil)
}

// toJSONata turns decoded JSON (with json.Number) into the float64 values
// JSONata computes with.
func toJSONata(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = toJSONata(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toJSONata(e)
		}
		return out
	}
	return v
}

// errUnsupportedResult is a result that is not JSON (a function).
var errUnsupportedResult = errors.New("unsupported result type")

// fromJSONata checks that a result is JSON and normalises Go types the
// library may return.
func fromJSONata(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool, float64:
		return v, nil
	case int:
		return float64(x), nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, err := fromJSONata(e)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := fromJSONata(e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice:
		out := make([]any, rv.Len())
		for i := range out {
			c, err := fromJSONata(rv.Index(i).Interface())
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case reflect.Float32, reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64:
		return rv.Convert(reflect.TypeOf(0.0)).Interface(), nil
	}
	return nil, errUnsupportedResult
}

// jsonataCause renders an evaluation error as jsonata-js words it (with
// its code), which is what Step Functions' causes quote.
func jsonataCause(err error) string {
	var ev *jsonata.EvalError
	if errors.As(err, &ev) {
		switch ev.Type {
		case jsonata.ErrNonCallable:
			return "T1006: Attempted to invoke a non-function"
		case jsonata.ErrNonNumberLHS:
			return fmt.Sprintf("T2001: The left side of the %q operator must evaluate to a number", ev.Value)
		case jsonata.ErrNonNumberRHS:
			return fmt.Sprintf("T2002: The right side of the %q operator must evaluate to a number", ev.Value)
		case jsonata.ErrNonIntegerLHS:
			return "T2003: The left side of the range operator (..) must evaluate to an integer"
		case jsonata.ErrNonIntegerRHS:
			return "T2004: The right side of the range operator (..) must evaluate to an integer"
		case jsonata.ErrTypeMismatch, jsonata.ErrNonComparableLHS, jsonata.ErrNonComparableRHS:
			return fmt.Sprintf("T2010: The expressions either side of operator %q must evaluate to numeric or string values", ev.Value)
		case jsonata.ErrNonCallableApply:
			return "T2006: The right side of the function application operator ~> must be a function"
		case jsonata.ErrNumberInf, jsonata.ErrNumberNaN:
			return "D1001: Number out of range"
		case jsonata.ErrStackOverflow:
			return "U1001: Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive."
		case jsonata.ErrTimeout:
			return "U1002: Expression evaluation timeout: Check for infinite loop"
		}
	}
	var at *jsonata.ArgTypeError
	if errors.As(err, &at) {
		return fmt.Sprintf("T0410: Argument %d of function %q does not match function signature", at.Which, at.Func)
	}
	var ac *jsonata.ArgCountError
	if errors.As(err, &ac) {
		return fmt.Sprintf("T0410: Argument %d of function %q does not match function signature", ac.Expected+1, ac.Func)
	}
	msg := err.Error()
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return msg
}

// jsString renders a value as jsonata-js's $string does: numbers to 15
// significant digits in JavaScript's notation, objects as compact JSON
// without HTML escaping.
func jsString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", errors.New("D3001: Attempting to invoke string function on Infinity or NaN")
		}
		return jsNumber(x), nil
	}
	var b strings.Builder
	if err := writeJS(&b, v); err != nil {
		return "", err
	}
	return b.String(), nil
}

func writeJS(b *strings.Builder, v any) error {
	switch x := v.(type) {
	case float64:
		b.WriteString(jsNumber(x))
	case map[string]any:
		b.WriteByte('{')
		for i, k := range sortedKeys(x) {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, k)
			b.WriteByte(':')
			if err := writeJS(b, x[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJS(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case string:
		writeJSONString(b, x)
	default:
		out, err := fromJSONata(v)
		if err != nil {
			return nil // functions render as nothing, as in jsonata-js
		}
		enc, _ := json.Marshal(out)
		b.Write(enc)
	}
	return nil
}

func writeJSONString(b *strings.Builder, s string) {
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	b.WriteString(strings.TrimSuffix(buf.String(), "\n"))
}

// jsNumber formats a number as JavaScript does after toPrecision(15).
func jsNumber(f float64) string {
	f, _ = strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	abs := math.Abs(f)
	if abs == 0 || abs >= 1e-6 && abs < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // 1.5e-07
	mant, exp, _ := strings.Cut(s, "e")
	sign := exp[:1]
	exp = strings.TrimLeft(exp[1:], "0")
	return mant + "e" + sign + exp
}

// stringExt overrides $string with jsString.
var stringExt = jsonata.Extension{
	Func:               jsString,
	UndefinedHandler:   jtypes.ArgUndefined(0),
	EvalContextHandler: jtypes.ArgCountEquals(0),
}
