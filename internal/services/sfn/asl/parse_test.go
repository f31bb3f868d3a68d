package asl

import (
	"strings"
	"testing"
)

func TestParseDiagnostics(t *testing.T) {
	for _, tc := range []struct {
		name, def string
		express   bool
		want      []string // "CODE: message at location"
	}{
		{"empty", ``, false, []string{"SCHEMA_VALIDATION_FAILED: Definition must be a valid JSON object at "}},
		{"empty object", `{}`, false, []string{"SCHEMA_VALIDATION_FAILED: These fields are required: [States, StartAt] at "}},
		{"no StartAt", `{"States": {"A": {"Type": "Pass", "End": true}}}`, false, []string{"SCHEMA_VALIDATION_FAILED: These fields are required: [StartAt] at "}},
		{"bad type", `{"StartAt": "A", "States": {"A": {"Type": "Nope", "End": true}}}`, false,
			[]string{"SCHEMA_VALIDATION_FAILED: The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map] at /States/A/Type"}},
		{"unknown field", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "Foo": 1}}}`, false,
			[]string{"SCHEMA_VALIDATION_FAILED: Field 'Foo' is not supported at /States/A"}},
		{"timeout on map", `{"StartAt": "M", "States": {"M": {"Type": "Map", "TimeoutSeconds": 3, "End": true, "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}}`, false,
			[]string{"SCHEMA_VALIDATION_FAILED: Field 'TimeoutSeconds' is not supported at /States/M"}},
		{"empty branches", `{"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [], "End": true}}}`, false,
			[]string{"SCHEMA_VALIDATION_FAILED: Value cannot be empty at /States/P/Branches"}},
		{"jsonpath under jsonata", `{"QueryLanguage": "JSONata", "StartAt": "Pass", "States": {"Pass": {"QueryLanguage": "JSONPath", "Type": "Pass", "End": true}}}`, false,
			[]string{"SCHEMA_VALIDATION_FAILED: 'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine at /States/Pass"}},
		{"jsonpath field in jsonata", `{"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Pass", "InputPath": "$", "End": true}}}`, false,
			[]string{"SCHEMA_VALIDATION_FAILED: The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage at /States/A"}},
		{"bad parameter", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"parsed.$": "nope"}, "End": true}}}`, false,
			[]string{"SCHEMA_VALIDATION_FAILED: The value for the field 'parsed.$' must be a valid JSONPath or a valid intrinsic function call at /States/A/Parameters"}},
		{"credentials", `{"StartAt": "State0", "States": {"State0": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Credentials": {}, "End": true}}}`, false,
			[]string{"SCHEMA_VALIDATION_FAILED: The field 'RoleArn' is required but was missing at /States/State0/Credentials"}},
		{"express wait for token", `{"StartAt": "Publish", "States": {"Publish": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish.waitForTaskToken", "End": true}}}`, true,
			[]string{"SCHEMA_VALIDATION_FAILED: Express state machine does not support '.waitForTaskToken' service integration  at /States/Publish/Resource"}},
		{"express sync", `{"StartAt": "S", "States": {"S": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2", "End": true}}}`, true,
			[]string{"SCHEMA_VALIDATION_FAILED: Express state machine does not support '.sync' service integration at /States/S/Resource"}},
		{"express activity", `{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:000000000000:activity:x", "End": true}}}`, true,
			[]string{"SCHEMA_VALIDATION_FAILED: Express state machine does not support Activity ARN at /States/A/Resource"}},
		{"missing target", `{"StartAt": "pass1", "States": {"pass1": {"Type": "Pass", "Next": "pass3"}, "pass2": {"Type": "Pass", "End": true}}}`, false,
			[]string{"MISSING_TRANSITION_TARGET: Missing 'Next' target: pass3 at /States/pass1/Next", "MISSING_TRANSITION_TARGET: State \"pass2\" is not reachable. at /States/pass2"}},
		{"missing StartAt target", `{"StartAt": "X", "States": {"A": {"Type": "Pass", "End": true}}}`, false,
			[]string{"MISSING_TRANSITION_TARGET: Missing 'Next' target: X at /StartAt", "MISSING_TRANSITION_TARGET: State \"A\" is not reachable. at /States/A"}},
		{"no terminal", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}}`, false,
			[]string{"MISSING_END_STATE: Workflow has no terminal state at "}},
		{"dangling choice and catch", `{"StartAt": "C", "States": {
			"C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "N1"}], "Default": "N2"},
			"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "N3"}], "End": true}}}`, false,
			[]string{"MISSING_TRANSITION_TARGET: Missing 'Next' target: N1 at /States/C/Choices[0]/Next", "MISSING_TRANSITION_TARGET: Missing 'Next' target: N2 at /States/C/Default",
				"MISSING_TRANSITION_TARGET: Missing 'Next' target: N3 at /States/T/Catch[0]/Next", "MISSING_TRANSITION_TARGET: State \"T\" is not reachable. at /States/T"}},
		{"not json", `not a definition`, false, nil},
		{"states.all not last", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "x", "Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["E"]}], "End": true}}}`, false,
			[]string{"SCHEMA_VALIDATION_FAILED: The error 'States.ALL' must appear alone, in the last retrier or catcher at /States/T/Retry[0]/ErrorEquals"}},
		{"bad jsonata", `{"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Pass", "Output": "{% $x + %}", "End": true}}}`, false, nil},
		{"wait two fields", `{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": true}}}`, false,
			[]string{"SCHEMA_VALIDATION_FAILED: A Wait state must have exactly one of 'Seconds', 'Timestamp', 'SecondsPath' or 'TimestampPath' at /States/W"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, diags := Parse(tc.def, ParseOptions{Express: tc.express})
			if m != nil {
				t.Fatalf("Parse succeeded")
			}
			if tc.want == nil {
				if len(diags) == 0 {
					t.Fatalf("no diagnostics")
				}
				return
			}
			var got []string
			for _, d := range diags {
				got = append(got, d.Code+": "+d.Message+" at "+d.Location)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// Examples of every state type, as the AWS documentation shows them.
var validDefinitions = map[string]string{
	"hello world": `{"Comment": "A Hello World example", "StartAt": "HelloWorld", "States": {"HelloWorld": {"Type": "Pass", "Result": "Hello World!", "End": true}}}`,
	"task": `{"StartAt": "X", "States": {"X": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:task:X", "Next": "Y", "TimeoutSeconds": 300, "HeartbeatSeconds": 60,
		"Retry": [{"ErrorEquals": ["ErrorA", "ErrorB"], "IntervalSeconds": 1, "BackoffRate": 2.0, "MaxAttempts": 2, "MaxDelaySeconds": 10, "JitterStrategy": "FULL"}, {"ErrorEquals": ["States.ALL"]}],
		"Catch": [{"ErrorEquals": ["java.lang.Exception"], "ResultPath": "$.error-info", "Next": "Y"}]}, "Y": {"Type": "Succeed"}}}`,
	"choice": `{"StartAt": "ChoiceStateX", "States": {"ChoiceStateX": {"Type": "Choice", "Choices": [
		{"Not": {"Variable": "$.type", "StringEquals": "Private"}, "Next": "Public"},
		{"Variable": "$.value", "NumericEquals": 0, "Next": "ValueIsZero"},
		{"And": [{"Variable": "$.value", "NumericGreaterThanEquals": 20}, {"Variable": "$.value", "NumericLessThan": 30}], "Next": "ValueInTwenties"},
		{"Variable": "$.ts", "TimestampLessThanEqualsPath": "$.other", "Next": "Public"},
		{"Variable": "$.name", "StringMatches": "log-*.txt", "Next": "Public"}], "Default": "DefaultState"},
		"Public": {"Type": "Pass", "End": true}, "ValueIsZero": {"Type": "Pass", "End": true}, "ValueInTwenties": {"Type": "Pass", "End": true},
		"DefaultState": {"Type": "Fail", "Error": "DefaultStateError", "Cause": "No Matches!"}}}`,
	"wait": `{"StartAt": "W1", "States": {"W1": {"Type": "Wait", "Seconds": 10, "Next": "W2"}, "W2": {"Type": "Wait", "Timestamp": "2016-03-14T01:59:00Z", "Next": "W3"},
		"W3": {"Type": "Wait", "SecondsPath": "$.s", "Next": "W4"}, "W4": {"Type": "Wait", "TimestampPath": "$.t", "End": true}}}`,
	"parallel": `{"StartAt": "LookupCustomerInfo", "States": {"LookupCustomerInfo": {"Type": "Parallel", "End": true, "Branches": [
		{"StartAt": "LookupAddress", "States": {"LookupAddress": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:AddressFinder", "End": true}}},
		{"StartAt": "LookupPhone", "States": {"LookupPhone": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:PhoneFinder", "End": true}}}]}}}`,
	"map": `{"StartAt": "Validate-All", "States": {"Validate-All": {"Type": "Map", "InputPath": "$.detail", "ItemsPath": "$.shipped", "MaxConcurrency": 0,
		"ItemSelector": {"parcel.$": "$$.Map.Item.Value", "courier.$": "$.delivery-partner"}, "ResultPath": "$.detail.shipped", "ToleratedFailurePercentage": 10,
		"ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Validate", "States": {"Validate": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:ship-val", "End": true}}}, "End": true}}}`,
	"legacy map": `{"StartAt": "M", "States": {"M": {"Type": "Map", "Parameters": {"v.$": "$$.Map.Item.Value"}, "Iterator": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}`,
	"fail paths": `{"StartAt": "F", "States": {"F": {"Type": "Fail", "ErrorPath": "$.Error", "CausePath": "States.Format('{}', $.Cause)"}}}`,
	"jsonata": `{"QueryLanguage": "JSONata", "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
		"Arguments": {"FunctionName": "f", "Payload": "{% $states.input %}"}, "Output": "{% $states.result.Payload %}", "Assign": {"x": "{% $states.result.StatusCode %}"},
		"TimeoutSeconds": "{% $timeout %}", "Catch": [{"ErrorEquals": ["States.ALL"], "Output": "{% $states.errorOutput %}", "Next": "C"}], "Next": "C"},
		"C": {"Type": "Choice", "Choices": [{"Condition": "{% $x = 200 %}", "Next": "W", "Output": {"ok": true}}], "Default": "F"},
		"W": {"Type": "Wait", "Seconds": "{% 1 + 1 %}", "Next": "M"},
		"M": {"Type": "Map", "Items": "{% [1, 2] %}", "ItemSelector": {"v": "{% $states.context.Map.Item.Value %}"}, "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "Next": "S"},
		"S": {"Type": "Succeed"}, "F": {"Type": "Fail", "Error": "{% 'E' %}", "Cause": "bad"}}}`,
	"mixed": `{"StartAt": "A", "States": {"A": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": {"a": "{% 1 %}"}, "Next": "B"}, "B": {"Type": "Pass", "Parameters": {"b.$": "$.a"}, "End": true}}}`,
}

func TestParseValid(t *testing.T) {
	for name, def := range validDefinitions {
		if _, diags := Parse(def, ParseOptions{}); diags != nil {
			t.Errorf("%s: %+v", name, diags)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, def := range validDefinitions {
		f.Add(def)
	}
	f.Add(`{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}}`)
	f.Fuzz(func(t *testing.T, def string) {
		m, diags := Parse(def, ParseOptions{})
		if (m == nil) == (len(diags) == 0) {
			t.Fatalf("machine %v with %d diagnostics", m != nil, len(diags))
		}
	})
}
