package asl

import (
	"testing"
)

func TestChoiceOperators(t *testing.T) {
	types := `{"null": null, "zero": 0, "one": 1, "onefloat": 1.0, "pi": 3.14, "empty": "", "str": "HelloWorld", "ts": "2012-10-09T19:00:55Z",
		"tsNoZone": "2012-10-09T19:00:55", "later": "2012-10-09T19:00:56+00:00", "arr": [], "obj": {"A": 0}, "t": true, "f": false, "file": "log-20240101.txt"}`
	for _, tc := range []struct {
		rule string
		want bool
	}{
		{`"Variable": "$.null", "IsNull": true`, true},
		{`"Variable": "$.zero", "IsNull": true`, false},
		{`"Variable": "$.zero", "IsNull": false`, true},
		{`"Variable": "$.null", "IsPresent": true`, true},
		{`"Variable": "$.missing", "IsPresent": true`, false},
		{`"Variable": "$.missing", "IsPresent": false`, true},
		{`"Variable": "$.zero", "IsNumeric": true`, true},
		{`"Variable": "$.str", "IsNumeric": true`, false},
		{`"Variable": "$.empty", "IsString": true`, true},
		{`"Variable": "$.null", "IsString": false`, true},
		{`"Variable": "$.t", "IsBoolean": true`, true},
		{`"Variable": "$.zero", "IsBoolean": true`, false},
		{`"Variable": "$.ts", "IsTimestamp": true`, true},
		{`"Variable": "$.tsNoZone", "IsTimestamp": true`, false},
		{`"Variable": "$.str", "IsTimestamp": true`, false},
		{`"Variable": "$.str", "StringEquals": "HelloWorld"`, true},
		{`"Variable": "$.one", "StringEquals": "1"`, false},
		{`"Variable": "$.str", "StringLessThan": "Z"`, true},
		{`"Variable": "$.str", "StringGreaterThanEquals": "HelloWorld"`, true},
		{`"Variable": "$.str", "StringEqualsPath": "$.str"`, true},
		{`"Variable": "$.file", "StringMatches": "log-*.txt"`, true},
		{`"Variable": "$.file", "StringMatches": "log-*.csv"`, false},
		{`"Variable": "$.one", "NumericEquals": 1`, true},
		{`"Variable": "$.onefloat", "NumericEquals": 1`, true},
		{`"Variable": "$.str", "NumericEquals": 1`, false},
		{`"Variable": "$.pi", "NumericGreaterThan": 3`, true},
		{`"Variable": "$.pi", "NumericLessThanEquals": 3.14`, true},
		{`"Variable": "$.zero", "NumericLessThanPath": "$.one"`, true},
		{`"Variable": "$.t", "BooleanEquals": true`, true},
		{`"Variable": "$.f", "BooleanEqualsPath": "$.t"`, false},
		{`"Variable": "$.zero", "BooleanEquals": false`, false},
		{`"Variable": "$.ts", "TimestampEquals": "2012-10-09T19:00:55Z"`, true},
		{`"Variable": "$.ts", "TimestampLessThan": "2012-10-09T19:00:56Z"`, true},
		{`"Variable": "$.ts", "TimestampLessThanPath": "$.later"`, true},
		{`"Variable": "$.tsNoZone", "TimestampEquals": "2012-10-09T19:00:55Z"`, false},
		{`"Not": {"Variable": "$.str", "StringEquals": "x"}`, true},
		{`"And": [{"Variable": "$.one", "NumericGreaterThanEquals": 1}, {"Variable": "$.one", "NumericLessThan": 2}]`, true},
		{`"And": [{"Variable": "$.one", "NumericGreaterThanEquals": 1}, {"Variable": "$.one", "NumericLessThan": 1}]`, false},
		{`"Or": [{"Variable": "$.one", "NumericEquals": 2}, {"Not": {"Variable": "$.t", "BooleanEquals": false}}]`, true},
		{`"Variable": "$answer", "NumericEquals": 42`, true},
		{`"Variable": "$$.Execution.Name", "StringEquals": "e1"`, true},
	} {
		st := oneState(t, JSONPath, `"Type": "Choice", "Choices": [{`+tc.rule+`, "Next": "E"}]`)
		sc := &Scope{Input: mustDecode(t, types), Context: mustDecode(t, ctxDoc), Vars: VarMap{"answer": 42.0}}
		r, err := st.Choose(sc)
		if err != nil {
			t.Errorf("%s: %v", tc.rule, err)
			continue
		}
		if (r != nil) != tc.want {
			t.Errorf("%s matched %v, want %v", tc.rule, r != nil, tc.want)
		}
	}
}

func TestChoiceMissingVariable(t *testing.T) {
	st := oneState(t, JSONPath, `"Type": "Choice", "Choices": [{"Variable": "$.nope", "StringEquals": "x", "Next": "E"}]`)
	_, err := st.Choose(&Scope{Input: map[string]any{}})
	if f := AsFailure(err); err == nil || f.Name != ErrRuntime {
		t.Errorf("err = %v", err)
	}
}

func TestChoiceJSONata(t *testing.T) {
	st := oneState(t, JSONata, `"Type": "Choice", "Default": "E", "Output": {"state": true}, "Assign": {"s": 1}, "Choices": [
		{"Condition": "{% $states.input.n > 10 %}", "Next": "E", "Output": {"big": "{% $states.input.n %}"}, "Assign": {"r": "big"}},
		{"Condition": "{% $states.input.n > 5 %}", "Next": "E"}]`)
	for _, tc := range []struct{ in, out, assigned string }{
		{`{"n": 11}`, `{"big":11}`, `{"r":"big"}`},
		{`{"n": 6}`, `{"state":true}`, `{"s":1}`},
		{`{"n": 1}`, `{"state":true}`, `{"s":1}`},
	} {
		sc := &Scope{Input: mustDecode(t, tc.in)}
		r, err := st.Choose(sc)
		if err != nil {
			t.Fatal(err)
		}
		out, err := st.ChoiceOutcome(sc, sc.Input, r)
		if err != nil || enc(out.Output) != tc.out || enc(out.Assigned) != tc.assigned {
			t.Errorf("%s: %s %s %v", tc.in, enc(out.Output), enc(out.Assigned), err)
		}
	}
	bad := oneState(t, JSONata, `"Type": "Choice", "Choices": [{"Condition": "{% 1 %}", "Next": "E"}]`)
	if _, err := bad.Choose(&Scope{Input: map[string]any{}}); AsFailure(err).Name != ErrQueryEvaluationError {
		t.Errorf("non-boolean condition: %v", err)
	}
}

func TestStringMatches(t *testing.T) {
	for _, tc := range []struct {
		s, pattern string
		want       bool
	}{
		{"log-20240101.txt", "log-*.txt", true},
		{"log.txt", "log*.txt", true},
		{"abc", "*", true},
		{"", "*", true},
		{"abc", "a*c*", true},
		{"abc", "*b", false},
		{"a*c", `a\*c`, true},
		{"abc", `a\*c`, false},
		{`a\c`, `a\\c`, true},
		{"aXbYc", "a*b*c", true},
		{"ab", "a*b*c", false},
		{"abab", "*ab", true},
		{"exact", "exact", true},
		{"exact", "exac", false},
	} {
		if got := StringMatches(tc.s, tc.pattern); got != tc.want {
			t.Errorf("StringMatches(%q, %q) = %v", tc.s, tc.pattern, got)
		}
	}
}

func TestMapConfig(t *testing.T) {
	st := oneState(t, JSONPath, `"Type": "Map", "ItemsPath": "$.items", "MaxConcurrencyPath": "$.mc", "ToleratedFailureCountPath": "$.tc", "ToleratedFailurePercentage": 50,
		"ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true`)
	cfg, err := st.EvalMap(&Scope{Input: mustDecode(t, `{"items": [1, 2, 3, 4], "mc": 2, "tc": 1}`)})
	if err != nil || len(cfg.Items) != 4 || cfg.MaxConcurrency != 2 || cfg.TolCount != 1 || cfg.TolPercent != 50 {
		t.Fatalf("cfg %+v, %v", cfg, err)
	}
	for failed, want := range map[int]bool{0: true, 1: true, 2: false} {
		if got := cfg.Tolerated(failed, 4); got != want {
			t.Errorf("Tolerated(%d, 4) = %v", failed, got)
		}
	}
	for _, tc := range []struct{ in, cause string }{
		{`{"items": 1, "mc": 1, "tc": 1}`, `Reference path "$.items" must point to array.`},
		{`{"items": [], "mc": "NoNumber", "tc": 1}`, `The MaxConcurrencyPath field refers to value "NoNumber" which is not a valid integer: $.mc`},
		{`{"items": [], "mc": 1, "tc": -1}`, `ToleratedFailureCount cannot be negative.`},
	} {
		_, err := st.EvalMap(&Scope{Input: mustDecode(t, tc.in)})
		if f := AsFailure(err); err == nil || f.Cause != tc.cause {
			t.Errorf("%s: %v", tc.in, err)
		}
	}
	js := oneState(t, JSONata, `"Type": "Map", "Items": "{% $states.input.x %}", "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true`)
	_, err = js.EvalMap(&Scope{Input: mustDecode(t, `{"x": {"foo": "bar"}}`)})
	if f := AsFailure(err); err == nil || f.Cause != `The JSONata expression '$states.input.x' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'object' for value: {"foo":"bar"}` {
		t.Errorf("JSONata items: %v", err)
	}
}
