package intrinsic

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/nubo-dev/nubo/internal/services/sfn/jsonpath"
)

// FuncError is a function that cannot run on its arguments: the
// States.IntrinsicFailure of the state.
type FuncError struct {
	Func string
	Msg  string
}

func (e *FuncError) Error() string { return e.Func + ": " + e.Msg }

// Resolver returns the value a path argument points to.
type Resolver func(path string) (any, error)

type function struct {
	min, max int // arity; max -1 for any
	fn       func(args []any) (any, error)
}

func (f function) checkArity(p *parser, n int) error {
	if n < f.min || f.max >= 0 && n > f.max {
		if f.min == f.max {
			return p.errorf("expected %d arguments, got %d", f.min, n)
		}
		return p.errorf("expected %d to %d arguments, got %d", f.min, f.max, n)
	}
	return nil
}

// functions are the intrinsics by name, with their arity.
var functions = map[string]function{
	"States.Format":         {1, -1, format},
	"States.StringToJson":   {1, 1, stringToJSON},
	"States.JsonToString":   {1, 1, jsonToString},
	"States.Array":          {0, -1, func(a []any) (any, error) { return append([]any{}, a...), nil }},
	"States.ArrayPartition": {2, 2, arrayPartition},
	"States.ArrayContains":  {2, 2, arrayContains},
	"States.ArrayRange":     {3, 3, arrayRange},
	"States.ArrayGetItem":   {2, 2, arrayGetItem},
	"States.ArrayLength":    {1, 1, arrayLength},
	"States.ArrayUnique":    {1, 1, arrayUnique},
	"States.Base64Encode":   {1, 1, base64Encode},
	"States.Base64Decode":   {1, 1, base64Decode},
	"States.Hash":           {2, 2, hashOf},
	"States.JsonMerge":      {3, 3, jsonMerge},
	"States.MathRandom":     {2, 3, mathRandom},
	"States.MathAdd":        {2, 2, mathAdd},
	"States.StringSplit":    {2, 2, stringSplit},
	"States.UUID":           {0, 0, func([]any) (any, error) { return uuid.NewString(), nil }},
}

// Eval evaluates the call, resolving path arguments with resolve.
func (c *Call) Eval(resolve Resolver) (any, error) {
	args := make([]any, len(c.Args))
	for i, a := range c.Args {
		var err error
		switch {
		case a.Call != nil:
			args[i], err = a.Call.Eval(resolve)
		case a.Path != "":
			args[i], err = resolve(a.Path)
		default:
			args[i] = a.Literal
			if s, ok := a.Literal.(string); ok && (i > 0 || c.Name != "States.Format") {
				args[i] = unescapeBraces(s)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	v, err := functions[c.Name].fn(args)
	if err != nil {
		if fe, ok := err.(*FuncError); ok && fe.Func == "" {
			fe.Func = c.Name
		}
		return nil, err
	}
	return v, nil
}

func failf(format string, args ...any) error {
	return &FuncError{Msg: fmt.Sprintf(format, args...)}
}

// maxStringLen bounds the strings the encoding and hashing functions take.
const maxStringLen = 10000

func str(v any, what string) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", failf("the %s must be a string", what)
	}
	return s, nil
}

func array(v any, what string) ([]any, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, failf("the %s must be an array", what)
	}
	return a, nil
}

// integer reads a whole number; fractions are refused.
func integer(v any, what string) (int64, error) {
	f, ok := jsonpath.Number(v)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, failf("the %s must be an integer", what)
	}
	return int64(f), nil
}

func format(args []any) (any, error) {
	tmpl, err := str(args[0], "first argument")
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	next := 1
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		switch {
		case c == '\\' && i+1 < len(tmpl):
			i++
			b.WriteByte(tmpl[i])
		case c == '{' && i+1 < len(tmpl) && tmpl[i+1] == '}':
			if next >= len(args) {
				return nil, failf("the number of arguments does not match the number of placeholders")
			}
			b.WriteString(formatValue(args[next]))
			next++
			i++
		default:
			b.WriteByte(c)
		}
	}
	if next != len(args) {
		return nil, failf("the number of arguments does not match the number of placeholders")
	}
	return b.String(), nil
}

// formatValue renders a value as Step Functions' Java runtime does in
// States.Format: strings bare, objects as {k=v, ...}, arrays as [a, b].
func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case map[string]any:
		parts := make([]string, 0, len(x))
		for _, k := range sortedKeys(x) {
			parts = append(parts, k+"="+formatValue(x[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = formatValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func stringToJSON(args []any) (any, error) {
	s, err := str(args[0], "argument")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil || d.More() {
		return nil, failf("the argument is not valid JSON")
	}
	if n, ok := v.(json.Number); ok && n == "-0" {
		v = json.Number("0")
	}
	return v, nil
}

func jsonToString(args []any) (any, error) {
	b, err := json.Marshal(args[0])
	if err != nil {
		return nil, failf("the argument cannot be serialised")
	}
	return string(b), nil
}

func base64Encode(args []any) (any, error) {
	s, err := str(args[0], "argument")
	if err != nil {
		return nil, err
	}
	if len(s) > maxStringLen {
		return nil, failf("the input must be at most %d characters", maxStringLen)
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func base64Decode(args []any) (any, error) {
	s, err := str(args[0], "argument")
	if err != nil {
		return nil, err
	}
	if len(s) > maxStringLen {
		return nil, failf("the input must be at most %d characters", maxStringLen)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, failf("the input is not valid base64")
	}
	return string(b), nil
}

var hashes = map[string]func() hash.Hash{
	"MD5": md5.New, "SHA-1": sha1.New, "SHA-256": sha256.New, "SHA-384": sha512.New384, "SHA-512": sha512.New,
}

func hashOf(args []any) (any, error) {
	data, ok := args[0].(string)
	if !ok {
		data = formatValue(args[0])
	}
	if len(data) > maxStringLen {
		return nil, failf("the input must be at most %d characters", maxStringLen)
	}
	alg, err := str(args[1], "algorithm")
	if err != nil {
		return nil, err
	}
	newHash, ok := hashes[alg]
	if !ok {
		return nil, failf("the algorithm must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512")
	}
	h := newHash()
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func jsonMerge(args []any) (any, error) {
	a, ok1 := args[0].(map[string]any)
	b, ok2 := args[1].(map[string]any)
	if !ok1 || !ok2 {
		return nil, failf("the first two arguments must be objects")
	}
	if deep, ok := args[2].(bool); !ok || deep {
		return nil, failf("only shallow merges are supported: the third argument must be false")
	}
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out, nil
}

// javaRound rounds half up, as Java's Math.round does (-1.5 gives -1).
func javaRound(f float64) int64 { return int64(math.Floor(f + 0.5)) }

func roundedInt(v any, what string) (int64, error) {
	f, ok := jsonpath.Number(v)
	if !ok {
		return 0, failf("the %s must be a number", what)
	}
	n := javaRound(f)
	if n < math.MinInt32 || n > math.MaxInt32 {
		return 0, failf("the %s must be between %d and %d", what, math.MinInt32, math.MaxInt32)
	}
	return n, nil
}

func mathRandom(args []any) (any, error) {
	start, err := roundedInt(args[0], "start")
	if err != nil {
		return nil, err
	}
	end, err := roundedInt(args[1], "end")
	if err != nil {
		return nil, err
	}
	if start >= end {
		return nil, failf("the start must be less than the end")
	}
	r := rand.Int64N
	if len(args) == 3 {
		seed, err := roundedInt(args[2], "seed")
		if err != nil {
			return nil, err
		}
		r = rand.New(rand.NewPCG(uint64(seed), 0)).Int64N
	}
	return json.Number(fmt.Sprint(start + r(end-start))), nil
}

func mathAdd(args []any) (any, error) {
	a, err := roundedInt(args[0], "first argument")
	if err != nil {
		return nil, err
	}
	b, err := roundedInt(args[1], "second argument")
	if err != nil {
		return nil, err
	}
	return json.Number(fmt.Sprint(a + b)), nil
}

// stringSplit splits on every character of the delimiter and drops empty
// pieces.
func stringSplit(args []any) (any, error) {
	s, err := str(args[0], "first argument")
	if err != nil {
		return nil, err
	}
	delims, err := str(args[1], "delimiter")
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delims, r) }) {
		out = append(out, part)
	}
	return out, nil
}

func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

// unescapeBraces drops the backslashes the parser kept before braces,
// which only States.Format's template needs.
func unescapeBraces(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	return strings.NewReplacer("\\{", "{", "\\}", "}").Replace(s)
}
