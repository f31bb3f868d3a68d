package intrinsic

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/nubo-dev/nubo/internal/services/sfn/jsonpath"
)

func decode(t testing.TB, s string) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

func encode(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// resolver resolves $ on input, $$ on ctx and $name on vars.
func resolver(t testing.TB, input, ctx string, vars map[string]string) Resolver {
	in, c := decode(t, input), decode(t, ctx)
	vs := map[string]any{}
	for k, v := range vars {
		vs[k] = decode(t, v)
	}
	return func(path string) (any, error) {
		doc := in
		switch {
		case strings.HasPrefix(path, "$$"):
			doc = c
		case len(path) > 1 && path[1] != '.' && path[1] != '[':
			name := strings.FieldsFunc(path[1:], func(r rune) bool { return r == '.' || r == '[' })[0]
			doc = vs[name]
		}
		return jsonpath.MustParse(RootOf(path)).Get(doc)
	}
}

func TestEval(t *testing.T) {
	input := `{"Id": 123456, "name": "World", "arr": [1,2,3,4,5,6,7,8,9], "dup": [1,1,"a","a",{"x":1},{"x":1},null,null],
	  "obj": {"Arg1": 1, "Arg2": []}, "json": "{\"a\": [1, 2]}", "csv": "1,2,3,4,5", "ImageRecipe": {"Arn": "arn:aws:imagebuilder:us-east-1:123:image-recipe/name.v1/1.0.0"},
	  "fst": {"a": {"a1": 1, "a2": 2}, "b": 2, "d": 3}, "snd": {"a": {"a3": 1, "a4": 2}, "c": 3, "d": 4}, "half": 2.5, "neg": -1.5}`
	ctx := `{"Execution": {"Name": "exec-1"}, "StateMachine": {"Id": "arn:sm", "Name": "sm"}}`
	vars := map[string]string{"greeting": `"Hello"`, "cfg": `{"n": 3}`}
	for _, tc := range []struct{ call, want string }{
		{"States.Array($.Id)", `[123456]`},
		{"States.Array()", `[]`},
		{"States.Array('a', 1, true, null, $.obj)", `["a",1,true,null,{"Arg1":1,"Arg2":[]}]`},
		{"States.Format('Hello, {}!', $.name)", `"Hello, World!"`},
		{"States.Format('{} and {}', $.obj, $.arr)", `"{Arg1=1, Arg2=[]} and [1, 2, 3, 4, 5, 6, 7, 8, 9]"`},
		{"States.Format('{} {} {}', null, 1.1, true)", `"null 1.1 true"`},
		{`States.Format('braces \{\} and \'quotes\' {}', $.Id)`, `"braces {} and 'quotes' 123456"`},
		{"States.Format('{}.{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1), 'x')", `"1.0.x"`},
		{"States.Format('{} {}', $greeting, $cfg.n)", `"Hello 3"`},
		{"States.Format('{}/{}', $$.Execution.Name, $$.StateMachine)", `"exec-1/{Id=arn:sm, Name=sm}"`},
		{"States.StringToJson($.json)", `{"a":[1,2]}`},
		{"States.StringToJson('')", `null`},
		{"States.StringToJson(' ')", `null`},
		{"States.StringToJson('-0')", `0`},
		{"States.JsonToString($.obj)", `"{\"Arg1\":1,\"Arg2\":[]}"`},
		{"States.JsonToString($.name)", `"\"World\""`},
		{"States.ArrayPartition($.arr, 4)", `[[1,2,3,4],[5,6,7,8],[9]]`},
		{"States.ArrayPartition(States.Array(), 2)", `[]`},
		{"States.ArrayContains($.arr, 5)", `true`},
		{"States.ArrayContains($.dup, $.obj)", `false`},
		{"States.ArrayContains($.dup, States.StringToJson('{\"x\":1}'))", `true`},
		{"States.ArrayRange(1, 9, 2)", `[1,3,5,7,9]`},
		{"States.ArrayRange(0, 10, 3)", `[0,3,6,9]`},
		{"States.ArrayRange(1, 9, 9)", `[1]`},
		{"States.ArrayRange(5, 1, -2)", `[5,3,1]`},
		{"States.ArrayGetItem($.arr, 5)", `6`},
		{"States.ArrayLength($.arr)", `9`},
		{"States.ArrayUnique($.dup)", `[1,"a",{"x":1},null]`},
		{"States.Base64Encode('Data to encode')", `"RGF0YSB0byBlbmNvZGU="`},
		{"States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", `"Data to encode"`},
		{"States.Hash('input data', 'MD5')", `"812f45842bc6d66ee14572ce20db8e86"`},
		{"States.Hash('input data', 'SHA-1')", `"aaff4a450a104cd177d28d18d74485e8cae074b7"`},
		{"States.Hash('input data', 'SHA-256')", `"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"`},
		{"States.JsonMerge($.fst, $.snd, false)", `{"a":{"a3":1,"a4":2},"b":2,"c":3,"d":4}`},
		{"States.MathAdd(-9, 3)", `-6`},
		{"States.MathAdd(1.49, 1.5)", `3`},
		{"States.MathAdd($.neg, 0)", `-1`},
		{"States.MathAdd($.half, -0.5)", `3`},
		{"States.MathRandom(5, 6)", `5`},
		{"States.StringSplit($.csv, ',')", `["1","2","3","4","5"]`},
		{"States.StringSplit('This.is+a,test=string', '.+,=')", `["This","is","a","test","string"]`},
		{"States.StringSplit(', , ,', ',')", `[" "," "]`},
		{"States.StringSplit(',,,,', ',')", `[]`},
	} {
		c, err := Parse(tc.call)
		if err != nil {
			t.Errorf("Parse(%s): %v", tc.call, err)
			continue
		}
		got, err := c.Eval(resolver(t, input, ctx, vars))
		if err != nil {
			t.Errorf("%s: %v", tc.call, err)
			continue
		}
		if g := encode(got); g != tc.want {
			t.Errorf("%s = %s, want %s", tc.call, g, tc.want)
		}
	}
}

func TestRandomAndUUID(t *testing.T) {
	r := resolver(t, `{}`, `{}`, nil)
	seeded := func() string {
		v, err := must(t, "States.MathRandom(0, 1000, 7)").Eval(r)
		if err != nil {
			t.Fatal(err)
		}
		return encode(v)
	}
	if a, b := seeded(), seeded(); a != b {
		t.Errorf("seeded MathRandom differs: %s, %s", a, b)
	}
	for i := 0; i < 100; i++ {
		v, _ := must(t, "States.MathRandom(-3, 3)").Eval(r)
		if f, _ := jsonpath.Number(v); f < -3 || f >= 3 {
			t.Fatalf("MathRandom(-3, 3) = %v", v)
		}
	}
	v, _ := must(t, "States.UUID()").Eval(r)
	if s, _ := v.(string); len(s) != 36 || s[14] != '4' {
		t.Errorf("UUID() = %v", v)
	}
}

func must(t *testing.T, s string) *Call {
	t.Helper()
	c, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEvalErrors(t *testing.T) {
	r := resolver(t, `{"arr": [1], "s": "x", "big": "`+strings.Repeat("a", 10001)+`"}`, `{}`, nil)
	for _, call := range []string{
		"States.Format('{} {}', 1)",
		"States.Format('{}', 1, 2)",
		"States.Format(1)",
		"States.StringToJson('{')",
		"States.StringToJson($.arr)",
		"States.ArrayPartition($.arr, 0)",
		"States.ArrayPartition($.s, 1)",
		"States.ArrayRange(0, 10, 0)",
		"States.ArrayRange(0, 1000, 1)",
		"States.ArrayRange(0, 1.5, 1)",
		"States.ArrayGetItem($.arr, 1)",
		"States.ArrayGetItem($.arr, -1)",
		"States.ArrayLength($.s)",
		"States.Base64Encode($.big)",
		"States.Base64Decode('***')",
		"States.Hash('x', 'SHA-3')",
		"States.JsonMerge(States.StringToJson('{}'), States.StringToJson('{}'), true)",
		"States.JsonMerge($.arr, $.arr, false)",
		"States.MathAdd(2147483648, 0)",
		"States.MathAdd('1', 2)",
		"States.MathRandom(5, 5)",
	} {
		_, err := must(t, call).Eval(r)
		var fe *FuncError
		if !errors.As(err, &fe) {
			t.Errorf("%s: err = %v, want a FuncError", call, err)
		}
	}
	_, err := must(t, "States.Array($.nope)").Eval(r)
	if !errors.Is(err, jsonpath.ErrNotFound) {
		t.Errorf("missing path: err = %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	nested := "$.a"
	for i := 0; i < 11; i++ {
		nested = "States.Array(" + nested + ")"
	}
	for _, bad := range []string{
		"States.Nope()", "States.Format(", "States.Format('x'", "States.Format('x' 1)", "States.UUID(1)",
		"States.JsonMerge($.a, $.b)", "States.Array($.a[)", "States.Array('unterminated)", "States.Array(x)",
		"States.Array(1) tail", nested,
	} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
	if !Is("States.Format('x')") || Is("$.States") || Is("States.") {
		t.Error("Is misclassifies")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"States.Format('{} {}', $.a, $$.b)", "States.Array(1, -2.5e3, true, null, 'x\\'y')",
		"States.ArrayRange(1, 9, 2)", "States.StringSplit(States.Format('{}', $v.x[0]), ',')",
	} {
		f.Add(s)
	}
	r := resolver(f, `{"a": 1}`, `{"b": 2}`, map[string]string{"v": `{"x": ["a,b"]}`})
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			return
		}
		c.Eval(func(path string) (any, error) {
			if strings.HasPrefix(path, "$v") {
				return r("$v" + RootOf(path)[1:])
			}
			return r(path)
		})
	})
}
