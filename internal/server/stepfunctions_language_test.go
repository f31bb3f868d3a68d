package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// Every state type, in JSONPath: Pass with parameters and intrinsic
// functions, Choice with And, Not and IsPresent, Wait until a timestamp,
// Parallel (one branch with its own Choice and Fail), Map with an item
// selector and the context object, Succeed.
func TestStepFunctionsJSONPath(t *testing.T) {
	n := sharedNubo(t)
	def := `{"StartAt": "Prepare", "States": {
		"Prepare": {"Type": "Pass", "ResultPath": "$.prep", "Next": "Route", "Parameters": {
			"id.$": "$.order.id", "count.$": "States.ArrayLength($.order.items)", "items.$": "$.order.items",
			"greeting.$": "States.Format('Hello {}', $.order.customer.tier)", "tier.$": "$.order.customer.tier", "when.$": "$.when"}},
		"Route": {"Type": "Choice", "Default": "Broken", "Choices": [
			{"And": [{"Variable": "$.prep.tier", "StringEquals": "gold"}, {"Variable": "$.prep.count", "NumericGreaterThanEquals": 2}], "Next": "Delay"},
			{"Not": {"Variable": "$.prep.id", "IsPresent": true}, "Next": "Broken"}]},
		"Broken": {"Type": "Fail", "Error": "Broken"},
		"Delay": {"Type": "Wait", "TimestampPath": "$.prep.when", "Next": "Fanout"},
		"Fanout": {"Type": "Parallel", "ResultPath": "$.parallel", "Next": "PerItem", "Branches": [
			{"StartAt": "B1", "States": {"B1": {"Type": "Pass", "Parameters": {"branch": 1, "id.$": "$.prep.id"}, "End": true}}},
			{"StartAt": "B2", "States": {
				"B2": {"Type": "Choice", "Choices": [{"Variable": "$.prep.greeting", "StringMatches": "Hello *", "Next": "B2ok"}], "Default": "B2no"},
				"B2ok": {"Type": "Pass", "Result": "matched", "End": true},
				"B2no": {"Type": "Fail", "Error": "NoMatch"}}}]},
		"PerItem": {"Type": "Map", "ItemsPath": "$.prep.items", "MaxConcurrency": 1, "ResultPath": "$.lines", "Next": "Summary",
			"ItemSelector": {"sku.$": "$$.Map.Item.Value.sku", "index.$": "$$.Map.Item.Index",
				"line.$": "States.Format('{}x{}', $$.Map.Item.Value.qty, $$.Map.Item.Value.sku)"},
			"ItemProcessor": {"StartAt": "Line", "States": {"Line": {"Type": "Pass", "End": true}}}},
		"Summary": {"Type": "Pass", "Next": "Done", "Parameters": {"id.$": "$.prep.id", "greeting.$": "$.prep.greeting",
			"parallel.$": "$.parallel", "lines.$": "$.lines", "hash.$": "States.Hash('abc', 'SHA-256')",
			"split.$": "States.StringSplit('a,b', ',')", "json.$": "States.JsonToString($.prep.tier)"}},
		"Done": {"Type": "Succeed"}}}`
	input := `{"order": {"id": "o-1", "items": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 1}], "customer": {"tier": "gold"}}, "when": "2000-01-01T00:00:00Z"}`
	d := n.runMachine(t, "jsonpath", def, input)
	succeeded(t, d, `{"id": "o-1", "greeting": "Hello gold", "parallel": [{"branch": 1, "id": "o-1"}, "matched"],
		"lines": [{"sku": "a", "index": 0, "line": "2xa"}, {"sku": "b", "index": 1, "line": "1xb"}],
		"hash": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "split": ["a", "b"], "json": "\"gold\""}`)
	want := "ExecutionStarted PassStateEntered PassStateExited ChoiceStateEntered ChoiceStateExited WaitStateEntered WaitStateExited " +
		"ParallelStateEntered ParallelStateStarted "
	if got := eventTypes(n.history(t, aws.ToString(d.ExecutionArn))); len(got) < len(want) || got[:len(want)] != want {
		t.Errorf("history: %s", got)
	}

	choices := n.machine(t, "choices", "", `{"StartAt": "C", "States": {
		"C": {"Type": "Choice", "Default": "Other", "Choices": [
			{"Variable": "$.v", "IsNull": true, "Next": "Null"},
			{"Variable": "$.v", "NumericLessThanPath": "$.limit", "Next": "Below"},
			{"Or": [{"Variable": "$.v", "StringEquals": "x"}, {"Variable": "$.v", "BooleanEquals": true}], "Next": "XOrTrue"},
			{"Variable": "$.v", "TimestampGreaterThan": "2020-01-01T00:00:00Z", "Next": "Recent"}]},
		"Null": {"Type": "Pass", "Result": "null", "End": true},
		"Below": {"Type": "Pass", "Result": "below", "End": true},
		"XOrTrue": {"Type": "Pass", "Result": "x-or-true", "End": true},
		"Recent": {"Type": "Pass", "Result": "recent", "End": true},
		"Other": {"Type": "Pass", "Result": "other", "End": true}}}`)
	for input, want := range map[string]string{
		`{"v": null, "limit": 2}`: `"null"`, `{"v": 1, "limit": 2}`: `"below"`, `{"v": true, "limit": 2}`: `"x-or-true"`,
		`{"v": "2024-05-01T00:00:00Z", "limit": 2}`: `"recent"`, `{"v": "y", "limit": 2}`: `"other"`,
	} {
		succeeded(t, n.finished(t, n.start(t, choices, input), time.Minute), want)
	}

	f := n.runMachine(t, "fail", `{"StartAt": "F", "States": {"F": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "$.c"}}}`, `{"e": "Custom", "c": "why"}`)
	if f.Status != sfntypes.ExecutionStatusFailed || aws.ToString(f.Error) != "Custom" || aws.ToString(f.Cause) != "why" {
		t.Errorf("Fail: %s %s %s", f.Status, aws.ToString(f.Error), aws.ToString(f.Cause))
	}
}

// The same flow in JSONata: Assign and its variables, Output, Items,
// $states.result, a Choice Condition, and a Fail whose cause is an
// expression.
func TestStepFunctionsJSONata(t *testing.T) {
	n := sharedNubo(t)
	arn := n.machine(t, "jsonata", "", `{"QueryLanguage": "JSONata", "StartAt": "Init", "States": {
		"Init": {"Type": "Pass", "Next": "Each", "Output": "{% $states.input.items %}",
			"Assign": {"total": "{% $sum($states.input.items.(qty * price)) %}", "customer": "{% $states.input.customer %}"}},
		"Each": {"Type": "Map", "Items": "{% $states.input %}", "Next": "Check", "Assign": {"lines": "{% $states.result %}"},
			"ItemProcessor": {"StartAt": "Line", "States": {"Line": {"Type": "Pass", "End": true,
				"Output": "{% $states.input.sku & ':' & $string($states.input.qty) %}"}}}},
		"Check": {"Type": "Choice", "Choices": [{"Condition": "{% $total > 10 %}", "Next": "Big"}], "Default": "Small"},
		"Big": {"Type": "Pass", "End": true, "Output": {"total": "{% $total %}", "lines": "{% $lines %}", "customer": "{% $customer %}", "big": true}},
		"Small": {"Type": "Fail", "Error": "TooSmall", "Cause": "{% 'total ' & $string($total) %}"}}}`)
	succeeded(t, n.finished(t, n.start(t, arn, `{"items": [{"sku": "a", "qty": 2, "price": 3}, {"sku": "b", "qty": 1, "price": 10}], "customer": "ada"}`), time.Minute),
		`{"total": 16, "lines": ["a:2", "b:1"], "customer": "ada", "big": true}`)
	d := n.finished(t, n.start(t, arn, `{"items": [{"sku": "a", "qty": 1, "price": 3}], "customer": "bo"}`), time.Minute)
	if d.Status != sfntypes.ExecutionStatusFailed || aws.ToString(d.Error) != "TooSmall" || aws.ToString(d.Cause) != "total 3" {
		t.Errorf("Fail: %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}

	// A function that calls itself without end fails its state (it
	// overflowed the stack of nubo, which stopped), and nubo goes on.
	for range 2 {
		r := n.runMachine(t, "recursion", `{"QueryLanguage": "JSONata", "StartAt": "R", "States": {"R": {"Type": "Pass", "End": true,
			"Output": "{% ($f := function($x){ $f($x) }; $f(1)) %}"}}}`, `{}`)
		if r.Status != sfntypes.ExecutionStatusFailed || aws.ToString(r.Error) != "States.QueryEvaluationError" ||
			!strings.Contains(aws.ToString(r.Cause), "U1001: Stack overflow error") {
			t.Errorf("recursion: %s %s %s", r.Status, aws.ToString(r.Error), aws.ToString(r.Cause))
		}
	}
}
