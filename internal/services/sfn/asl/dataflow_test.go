package asl

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	jsonata "github.com/blues/jsonata-go"
)

func mustDecode(t testing.TB, s string) any {
	t.Helper()
	v, err := decode([]byte(s))
	if err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

func enc(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// oneState parses a machine of one state named S with the given fields.
func oneState(t *testing.T, lang, fields string) *State {
	t.Helper()
	extra := ""
	if strings.Contains(fields, `"E"`) {
		extra = `, "E": {"Type": "Succeed"}` // a terminal state for rules that go on
	}
	def := `{"QueryLanguage": "` + lang + `", "StartAt": "S", "States": {"S": {` + fields + `}` + extra + `}}`
	m, diags := Parse(def, ParseOptions{})
	if diags != nil {
		t.Fatalf("Parse(%s): %+v", def, diags)
	}
	return m.States["S"]
}

var ctxDoc = `{"Execution": {"Id": "arn:aws:states:us-east-1:123456789012:execution:sm:e1", "Name": "e1", "Input": {"in": 1}},
	"State": {"Name": "S", "EnteredTime": "2024-01-01T00:00:00Z", "RetryCount": 0}, "StateMachine": {"Id": "arn:sm", "Name": "sm"}}`

// run applies a state's data flow to input with result standing for what
// the state produced (nil: the effective input, as Pass does).
func run(t *testing.T, st *State, input string, result func(effective any) any, vars VarMap) (string, string, error) {
	t.Helper()
	sc := &Scope{Input: mustDecode(t, input), Context: mustDecode(t, ctxDoc), Vars: vars}
	eff, err := st.Prepare(sc)
	if err != nil {
		return "", "", err
	}
	res := eff
	if result != nil {
		res = result(eff)
	}
	out, err := st.Finish(sc, res)
	if err != nil {
		return "", "", err
	}
	assigned := ""
	if out.Assigned != nil {
		assigned = enc(out.Assigned)
	}
	return enc(out.Output), assigned, nil
}

func constant(s string) func(any) any {
	return func(any) any {
		v, _ := decode([]byte(s))
		return v
	}
}

func TestJSONPathDataFlow(t *testing.T) {
	helloInput := `{"comment": "This is a test of the input and output of a Task state.", "details": "Default example", "who": "AWS Step Functions"}`
	emr := `{"resourceType": "elasticmapreduce", "resource": "createCluster.sync", "output": {"SdkHttpMetadata": {"HttpStatusCode": 200}, "ClusterId": "AKIAIOSFODNN7EXAMPLE"}}`
	for _, tc := range []struct {
		name, fields, input string
		result              func(any) any
		want, assigned      string
	}{
		{"InputPath", `"Type": "Pass", "InputPath": "$.dataset2", "End": true`,
			`{"comment": "Example for InputPath.", "dataset1": {"val1": 1}, "dataset2": {"val1": "a", "val2": "b"}}`, nil, `{"val1":"a","val2":"b"}`, ""},
		{"ResultPath replaces", `"Type": "Task", "Resource": "r", "End": true`, helloInput, constant(`"Hello, AWS Step Functions!"`), `"Hello, AWS Step Functions!"`, ""},
		{"ResultPath null", `"Type": "Task", "Resource": "r", "ResultPath": null, "End": true`, helloInput, constant(`"Hello"`), enc(mustDecode(t, helloInput)), ""},
		{"ResultPath adds", `"Type": "Task", "Resource": "r", "ResultPath": "$.taskresult", "End": true`, `{"who": "AWS"}`, constant(`"Hello, AWS!"`), `{"taskresult":"Hello, AWS!","who":"AWS"}`, ""},
		{"ResultPath deep", `"Type": "Task", "Resource": "r", "ResultPath": "$.a.b.c", "End": true`, `{"x": 1}`, constant(`true`), `{"a":{"b":{"c":true}},"x":1}`, ""},
		{"ResultSelector", `"Type": "Task", "Resource": "r", "ResultSelector": {"ClusterId.$": "$.output.ClusterId", "ResourceType.$": "$.resourceType"}, "ResultPath": "$.EMROutput", "End": true`,
			`{"Name": "x"}`, constant(emr), `{"EMROutput":{"ClusterId":"AKIAIOSFODNN7EXAMPLE","ResourceType":"elasticmapreduce"},"Name":"x"}`, ""},
		{"Parameters", `"Type": "Pass", "Parameters": {"comment": "Selecting what I care about.", "MyDetails": {"size.$": "$.product.details.size", "exists.$": "$.product.availability", "StaticValue": "foo"}}, "End": true`,
			`{"product": {"details": {"color": "blue", "size": "small"}, "availability": "in stock", "sku": "2317"}}`, nil,
			`{"MyDetails":{"StaticValue":"foo","exists":"in stock","size":"small"},"comment":"Selecting what I care about."}`, ""},
		{"Parameters context and intrinsic", `"Type": "Pass", "Parameters": {"exec.$": "$$.Execution.Name", "all.$": "$$.Execution.Input", "msg.$": "States.Format('{} of {}', $.n, $$.StateMachine.Name)", "arr": [{"v.$": "$.n"}]}, "End": true`,
			`{"n": 3}`, nil, `{"all":{"in":1},"arr":[{"v":3}],"exec":"e1","msg":"3 of sm"}`, ""},
		{"Pass Result", `"Type": "Pass", "Result": {"x-datum": 0.381018, "y-datum": 622.2269926397355}, "ResultPath": "$.coords", "End": true`,
			`{"georefOf": "Home"}`, func(any) any { return nil }, `{"coords":null,"georefOf":"Home"}`, ""},
		{"OutputPath", `"Type": "Pass", "OutputPath": "$.a", "End": true`, `{"a": [1], "b": 2}`, nil, `[1]`, ""},
		{"OutputPath null", `"Type": "Pass", "OutputPath": null, "End": true`, `{"a": 1}`, nil, `{}`, ""},
		{"InputPath null", `"Type": "Pass", "InputPath": null, "End": true`, `{"a": 1}`, nil, `{}`, ""},
		{"Assign from result", `"Type": "Pass", "Result": {"answer": 42}, "Assign": {"theAnswer.$": "$.answer", "lit": [1, {"k": "v"}], "ctx.$": "$$.Execution.Name"}, "End": true`,
			`{}`, constant(`{"answer": 42}`), `{"answer":42}`, `{"ctx":"e1","lit":[1,{"k":"v"}],"theAnswer":42}`},
		{"variables in paths", `"Type": "Pass", "InputPath": "$answer", "ResultPath": "$.theAnswer", "OutputPath": "$cfg.out", "End": true`,
			`{"q": "?"}`, nil, `"here"`, ""},
		{"variable in Parameters", `"Type": "Pass", "Parameters": {"v.$": "$cfg.out", "f.$": "States.Format('{}!', $answer)"}, "End": true`, `{}`, nil, `{"f":"42!","v":"here"}`, ""},
		{"filter", `"Type": "Pass", "Parameters": {"FromInput.$": "$.users[?(@.status == 0)]"}, "End": true`,
			`{"users": [{"year": 1997, "status": 0}, {"year": 1998, "status": 1}]}`, nil, `{"FromInput":[{"status":0,"year":1997}]}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := oneState(t, JSONPath, tc.fields)
			out, assigned, err := run(t, st, tc.input, tc.result, VarMap{"answer": json.Number("42"), "cfg": map[string]any{"out": "here"}})
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if out != tc.want || assigned != tc.assigned {
				t.Errorf("output %s, assigned %q; want %s, %q", out, assigned, tc.want, tc.assigned)
			}
		})
	}
}

func TestJSONPathErrors(t *testing.T) {
	for _, tc := range []struct{ name, fields, input, error, cause string }{
		{"InputPath", `"Type": "Pass", "InputPath": "$.NoSuchInputPath", "End": true`, `{}`, ErrRuntime,
			"Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']"},
		{"OutputPath", `"Type": "Pass", "OutputPath": "$.NoSuchOutputPath", "End": true`, `{}`, ErrRuntime,
			"Invalid path '$.NoSuchOutputPath' : No results for path: $['NoSuchOutputPath']"},
		{"nested", `"Type": "Pass", "InputPath": "$.no.such.result.path", "End": true`, `{}`, ErrRuntime,
			"Invalid path '$.no.such.result.path' : Missing property in path $['no']"},
		{"parameter", `"Type": "Pass", "Parameters": {"value.$": "$.no_such_jsonpath"}, "End": true`, `{"a":1}`, ErrRuntime,
			"The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{\"a\":1}'"},
		{"intrinsic", `"Type": "Pass", "Parameters": {"v.$": "States.ArrayGetItem($.a, 5)"}, "End": true`, `{"a":[1]}`, ErrIntrinsicFailure,
			"The value for the field 'v.$' could not be evaluated: the index 5 is out of bounds for an array of 1 items"},
		{"ResultPath", `"Type": "Pass", "ResultPath": "$.a.b", "End": true`, `{"a": 1}`, ErrResultPathMatchFailure,
			"Unable to apply ResultPath \"$.a.b\" to input \"{\"a\":1}\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := run(t, oneState(t, JSONPath, tc.fields), tc.input, nil, nil)
			f := AsFailure(err)
			if err == nil || f.Name != tc.error || f.Cause != tc.cause {
				t.Errorf("err = %v; want %s: %s", err, tc.error, tc.cause)
			}
		})
	}
}

func TestJSONataDataFlow(t *testing.T) {
	for _, tc := range []struct {
		name, fields, input string
		result              func(any) any
		want, assigned      string
	}{
		{"Pass default", `"Type": "Pass", "End": true`, `{"a": 1}`, nil, `{"a":1}`, ""},
		{"Output", `"Type": "Pass", "Output": {"sum": "{% $sum($states.input.xs) %}", "name": "{% $states.context.Execution.Name %}", "lit": "x"}, "End": true`,
			`{"xs": [1, 2, 3.5]}`, nil, `{"lit":"x","name":"e1","sum":6.5}`, ""},
		{"Task result", `"Type": "Task", "Resource": "r", "Arguments": {"p": "{% $states.input.a %}"}, "Output": "{% $states.result.r %}", "Assign": {"seen": "{% $states.result.r %}", "old": "{% $answer %}"}, "End": true`,
			`{"a": 5}`, func(eff any) any { return map[string]any{"r": eff.(map[string]any)["p"]} }, `5`, `{"old":42,"seen":5}`},
		{"Task default output", `"Type": "Task", "Resource": "r", "End": true`, `{"a": 5}`, constant(`{"Payload": 1}`), `{"Payload":1}`, ""},
		{"AWS functions", `"Type": "Pass", "Output": {"p": "{% $partition([1,2,3,4,5], 2) %}", "r": "{% $range(0, 10, 5) %}", "h": "{% $hash('input data', 'MD5') %}", "j": "{% $parse('{\"a\": [1]}') %}", "u": "{% $length($uuid()) %}", "s": "{% $string(0.1 + 0.2) %}", "o": "{% $string({'a': '<b>'}) %}"}, "End": true`,
			`{}`, nil, `{"h":"812f45842bc6d66ee14572ce20db8e86","j":{"a":[1]},"o":"{\"a\":\"\u003cb\u003e\"}","p":[[1,2],[3,4],[5]],"r":[0,5,10],"s":"0.3","u":36}`, ""},
		{"recursion", `"Type": "Pass", "Output": "{% ($sum := function($n){ $n = 0 ? 0 : $n + $sum($n - 1) }; $sum(1000)) %}", "End": true`,
			`{}`, nil, `500500`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := oneState(t, JSONata, tc.fields)
			out, assigned, err := run(t, st, tc.input, tc.result, VarMap{"answer": json.Number("42")})
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if out != tc.want || assigned != tc.assigned {
				t.Errorf("output %s, assigned %q; want %s, %q", out, assigned, tc.want, tc.assigned)
			}
		})
	}
}

func TestJSONataErrors(t *testing.T) {
	for _, tc := range []struct{ name, fields, cause string }{
		{"undefined", `"Type": "Pass", "Output": "{% $doesNotExist %}", "End": true`,
			"The JSONata expression '$doesNotExist' specified for the field 'Output' returned nothing (undefined)."},
		{"undefined field", `"Type": "Pass", "Output": {"result": "{% $doesNotExist %}"}, "End": true`,
			"The JSONata expression '$doesNotExist' specified for the field 'Output/result' returned nothing (undefined)."},
		{"assign", `"Type": "Pass", "Assign": {"result": "{% $doesNotExist %}"}, "End": true`,
			"The JSONata expression '$doesNotExist' specified for the field 'Assign/result' returned nothing (undefined)."},
		{"non-function", `"Type": "Pass", "Output": {"FunctionResult": "{% $randomSeeded(1) %}"}, "End": true`,
			"The JSONata expression '$randomSeeded(1)' specified for the field 'Output/FunctionResult' threw an error during evaluation. T1006: Attempted to invoke a non-function"},
		{"function", `"Type": "Pass", "Output": "{% function($x){$x} %}", "End": true`,
			"The JSONata expression 'function($x){$x}' specified for the field 'Output' returned an unsupported result type."},
		// Without a limit, this overflows the goroutine's stack: fatal.
		{"recursion without end", `"Type": "Pass", "Output": "{% ($f := function($x){ $f($x) }; $f(1)) %}", "End": true`,
			"The JSONata expression '($f := function($x){ $f($x) }; $f(1))' specified for the field 'Output' threw an error during evaluation. U1001: Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := run(t, oneState(t, JSONata, tc.fields), `{}`, nil, nil)
			f := AsFailure(err)
			if err == nil || f.Name != ErrQueryEvaluationError || f.Cause != tc.cause {
				t.Errorf("err = %v; want %s", err, tc.cause)
			}
		})
	}
}

// TestJSONataLimits runs expressions that would run for many minutes or
// fill the machine's memory (fatal to nubo), with the limits lowered so
// that they stop at once.
func TestJSONataLimits(t *testing.T) {
	for _, tc := range []struct {
		name, expr, cause string
		limits            func(*jsonata.Limits)
	}{
		{"a billion steps", "$count([1..1000].([1..1000].([1..1000].($ * 2))))",
			"U1002: Expression evaluation timeout: Check for infinite loop", func(l *jsonata.Limits) { l.Timeout = 50 * time.Millisecond }},
		{"paths over ranges", "[1..100000].[1..100000]",
			"The values of the evaluation exceed its size limit", func(l *jsonata.Limits) { l.MaxSize = 1e6 }},
		{"a string doubled", "($f := function($s){ $f($s & $s) }; $f('ab'))",
			"The values of the evaluation exceed its size limit", func(l *jsonata.Limits) { l.MaxSize = 1e6 }},
		{"a terabyte of padding", "$pad('x', 1000000000000)", "Invalid string length", func(*jsonata.Limits) {}},
		// Results of 20 MB and more (of strings of 20 KB): over $join's
		// and the others' 16 MiB, under the evaluation's size limit.
		{"a string joined", "($s := $pad('', 20000, 'x'); $join([1..1000].$s))", "Invalid string length", func(*jsonata.Limits) {}},
		{"a string in JSON", "($s := $pad('', 20000, 'x'); '' & [1..1000].$s)", "Invalid string length", func(*jsonata.Limits) {}},
		{"a string replaced", "($s := $pad('', 20000, 'x'); $replace($s, 'x', $s))", "Invalid string length", func(*jsonata.Limits) {}},
		{"a string replaced by a pattern", "($s := $pad('', 20000, 'x'); $replace($s, /x/, $s))", "Invalid string length", func(*jsonata.Limits) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			limits := evalLimits
			tc.limits(&evalLimits)
			st := oneState(t, JSONata, `"Type": "Pass", "Output": "{% `+tc.expr+` %}", "End": true`)
			evalLimits = limits
			start := time.Now()
			_, _, err := run(t, st, `{}`, nil, nil)
			if f := AsFailure(err); err == nil || !strings.HasSuffix(f.Cause, "threw an error during evaluation. "+tc.cause) {
				t.Errorf("err = %v; want %s", err, tc.cause)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("the evaluation stopped after %s", took)
			}
		})
	}
}

func TestJSONataClock(t *testing.T) {
	st := oneState(t, JSONata, `"Type": "Pass", "Output": {"now": "{% $now() %}", "ms": "{% $millis() %}"}, "End": true`)
	at := time.Date(2024, 5, 6, 7, 8, 9, 10e6, time.UTC)
	sc := &Scope{Input: map[string]any{}, Now: func() time.Time { return at }}
	out, err := st.Finish(sc, nil)
	if err != nil || enc(out.Output) != `{"ms":1714979289010,"now":"2024-05-06T07:08:09.010Z"}` {
		t.Errorf("output %s, %v", enc(out.Output), err)
	}
}

func TestCatch(t *testing.T) {
	st := oneState(t, JSONPath, `"Type": "Task", "Resource": "r", "End": true, "Catch": [
		{"ErrorEquals": ["Custom"], "ResultPath": "$.error-info", "Assign": {"err.$": "$.Error"}, "Next": "S"},
		{"ErrorEquals": ["States.ALL"], "Next": "S"}]`)
	sc := &Scope{Input: mustDecode(t, `{"a": 1}`)}
	f := &Failure{Name: "Custom", Cause: "boom"}
	c := st.CatchFor(f)
	out, err := c.Caught(st, sc, f)
	if err != nil || enc(out.Output) != `{"a":1,"error-info":{"Cause":"boom","Error":"Custom"}}` || enc(out.Assigned) != `{"err":"Custom"}` {
		t.Errorf("caught: %s %s %v", enc(out.Output), enc(out.Assigned), err)
	}
	if c := st.CatchFor(&Failure{Name: ErrRuntime}); c != nil {
		t.Error("States.Runtime was caught")
	}
	if c := st.CatchFor(&Failure{Name: "Other"}); c != st.Catch[1] {
		t.Error("States.ALL did not catch")
	}

	js := oneState(t, JSONata, `"Type": "Task", "Resource": "r", "End": true, "Catch": [{"ErrorEquals": ["States.ALL"], "Output": {"e": "{% $states.errorOutput.Error %}", "in": "{% $states.input.a %}"}, "Next": "S"}]`)
	out, err = js.Catch[0].Caught(js, sc, f)
	if err != nil || enc(out.Output) != `{"e":"Custom","in":1}` {
		t.Errorf("JSONata caught: %s %v", enc(out.Output), err)
	}
}

func TestMatches(t *testing.T) {
	for _, tc := range []struct {
		list []string
		name string
		want bool
	}{
		{[]string{"States.ALL"}, "Anything", true},
		{[]string{"States.ALL"}, ErrTimeout, true},
		{[]string{"States.ALL"}, ErrDataLimitExceeded, true},
		{[]string{"States.ALL"}, ErrRuntime, false},
		{[]string{"States.Runtime"}, ErrRuntime, false},
		{[]string{"States.TaskFailed"}, "Lambda.ServiceException", true},
		{[]string{"States.TaskFailed"}, ErrTimeout, false},
		{[]string{"States.Timeout"}, ErrTimeout, true},
		{[]string{"A", "B"}, "B", true},
		{[]string{"A"}, "a", false},
	} {
		if got := Matches(tc.list, tc.name); got != tc.want {
			t.Errorf("Matches(%v, %s) = %v", tc.list, tc.name, got)
		}
	}
}

func TestRetryDelay(t *testing.T) {
	st := oneState(t, JSONPath, `"Type": "Task", "Resource": "r", "End": true, "Retry": [
		{"ErrorEquals": ["A"], "IntervalSeconds": 3, "MaxAttempts": 3, "BackoffRate": 2},
		{"ErrorEquals": ["B"], "IntervalSeconds": 1, "MaxAttempts": 5, "BackoffRate": 3, "MaxDelaySeconds": 5},
		{"ErrorEquals": ["C"], "IntervalSeconds": 10, "JitterStrategy": "FULL"},
		{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}]`)
	attempts := make([]int, len(st.Retry))
	half := func() float64 { return 0.5 }
	var got []string
	for _, name := range []string{"A", "A", "B", "B", "B", "B", "B", "B", "A", "A", "C", "D", ErrRuntime} {
		d, ok := st.RetryDelay(&Failure{Name: name}, attempts, half)
		got = append(got, name+"="+d.String()+map[bool]string{true: "", false: "!"}[ok])
	}
	want := "A=3s A=6s B=1s B=3s B=5s B=5s B=5s B=0s! A=12s A=0s! C=5s D=0s! States.Runtime=0s!"
	if strings.Join(got, " ") != want {
		t.Errorf("delays %s\nwant   %s", strings.Join(got, " "), want)
	}
}

func TestWaitUntil(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ fields, input, want, cause string }{
		{`"Seconds": 10`, `{}`, "2024-01-01T00:00:10Z", ""},
		{`"Timestamp": "2024-03-14T01:59:00Z"`, `{}`, "2024-03-14T01:59:00Z", ""},
		{`"SecondsPath": "$.s"`, `{"s": 5}`, "2024-01-01T00:00:05Z", ""},
		{`"TimestampPath": "$.t"`, `{"t": "2024-01-02T00:00:00+01:00"}`, "2024-01-01T23:00:00Z", ""},
		{`"SecondsPath": "$.input.waitSeconds"`, `{}`, "", "The SecondsPath parameter does not reference an input value: $.input.waitSeconds"},
		{`"SecondsPath": "$.s"`, `{"s": -1}`, "", "The SecondsPath parameter references a negative value: $.s == -1"},
		{`"SecondsPath": "$.s"`, `{"s": 1.5}`, "", "The SecondsPath parameter cannot be parsed as a long value: $.s == 1.5"},
		{`"TimestampPath": "$.TimestampValue"`, `{"TimestampValue": "2016-12-05 21:29:29Z"}`, "",
			"The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: $.TimestampValue == 2016-12-05 21:29:29Z"},
		{`"Seconds": 99999999`, `{}`, "", "Wait state delay is too long."},
	} {
		st := oneState(t, JSONPath, `"Type": "Wait", "End": true, `+tc.fields)
		until, err := st.WaitUntil(&Scope{Input: mustDecode(t, tc.input)}, now)
		if tc.cause != "" {
			if f := AsFailure(err); err == nil || f.Cause != tc.cause {
				t.Errorf("%s: err = %v, want %s", tc.fields, err, tc.cause)
			}
			continue
		}
		if err != nil || until.UTC().Format(time.RFC3339) != tc.want {
			t.Errorf("%s: %v, %v; want %s", tc.fields, until, err, tc.want)
		}
	}
}

func TestFailWith(t *testing.T) {
	in := `{"Error": "error string", "Cause": "cause string"}`
	for _, tc := range []struct{ lang, fields, want string }{
		{JSONPath, `"Error": "SomeFailure", "Cause": "This state machines raises a 'SomeFailure' failure."`, "SomeFailure: This state machines raises a 'SomeFailure' failure."},
		{JSONPath, `"ErrorPath": "$.Error", "CausePath": "$.Cause"`, "error string: cause string"},
		{JSONPath, `"ErrorPath": "States.Format('E{}', 1)", "CausePath": "States.Format('{}!', $.Cause)"`, "E1: cause string!"},
		{JSONPath, ``, ": "},
		{JSONata, `"Error": "{% $states.input.Error %}", "Cause": "fixed"`, "error string: fixed"},
	} {
		fields := `"Type": "Fail"`
		if tc.fields != "" {
			fields += ", " + tc.fields
		}
		f, err := oneState(t, tc.lang, fields).FailWith(&Scope{Input: mustDecode(t, in)})
		if err != nil || f.Error() != tc.want {
			t.Errorf("%s: %v, %v; want %s", tc.fields, f, err, tc.want)
		}
	}
	_, err := oneState(t, JSONPath, `"Type": "Fail", "ErrorPath": "$.ErrorX"`).FailWith(&Scope{Input: mustDecode(t, in)})
	if f := AsFailure(err); f.Cause != `The JSONPath '$.ErrorX' specified for the field 'ErrorPath' could not be found in the input '{"Cause":"cause string","Error":"error string"}'` {
		t.Errorf("missing ErrorPath: %v", err)
	}
}

// FuzzJSONata evaluates any expression that compiles: whatever it does,
// it must end, as a value or an error, within its limits (lowered here so
// that each input is quick), and never stop the process.
func FuzzJSONata(f *testing.F) {
	for _, expr := range []string{
		"$sum($states.input.xs) & $string($states.input)",
		"($f := function($n){ $n = 0 ? 0 : $n + $f($n - 1) }; $f(10))",
		"$map($states.input.xs, function($v, $i){ {'v': $v, 'i': $i} })",
		"$replace($pad('', 10, 'ab'), /(a)b/, '$1')",
		"$states.input.xs[$ > 1]^(>$)",
		"$join([1..5].$string(), ',') ~> $uppercase()",
		"$partition([1,2,3], 2)",
		"$states.input ~> |xs|{'n': 1}|",
	} {
		f.Add(expr)
	}
	limits := evalLimits
	evalLimits = jsonata.Limits{MaxDepth: 1000, Timeout: 100 * time.Millisecond, MaxSize: 1 << 20}
	f.Cleanup(func() { evalLimits = limits })
	input := mustDecode(f, `{"xs": [1, 2, 3.5], "s": "text", "o": {"a": null, "b": [true]}}`)
	f.Fuzz(func(t *testing.T, expr string) {
		e, err := CompileExpr("{%" + expr + "%}")
		if err != nil {
			return
		}
		e.Eval(&Scope{Input: input, Context: map[string]any{}})
	})
}
