package events_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/nubo-dev/nubo/internal/services/events"
)

// The detail of AWS's recorded input transformer cases.
const specialDetail = `{"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}, "listsingle": ["HIGH"], "listmulti": ["ACTIVE", "INACTIVE"], "valid": true}`

var pathsMap = map[string]string{
	"userId":       "$.detail.payload.acc_id",
	"payload":      "$.detail.payload",
	"systemstring": "$.detail.awsAccountId",
	"listsingle":   "$.detail.listsingle",
	"listmulti":    "$.detail.listmulti",
	"valid":        "$.detail.valid",
}

// The input transformer as AWS rendered these templates: JSON templates
// (compared as JSON), text templates (compared as text), and templates
// whose output is not JSON (nothing is delivered).
func TestInputTransformerAsAWSRendersIt(t *testing.T) {
	for _, c := range []struct {
		template, want string
		json           bool
	}{
		{`{"method": "PUT", "path": "users-service/users/<userId>", "bod": <payload>}`, `{"method": "PUT", "path": "users-service/users/0a787ecb-4015", "bod": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}}`, true},
		{`"Payload of <payload> with path users-service/users/<userId> and <userId>"`, `"Payload of {acc_id:0a787ecb-4015,sf_id:baz} with path users-service/users/0a787ecb-4015 and 0a787ecb-4015"`, false},
		{`{"id" : <userId>}`, `{"id": "0a787ecb-4015"}`, true},
		{`{"id" : "<userId>"}`, `{"id": "0a787ecb-4015"}`, true},
		{`{"method": "PUT", "path": "users-service/users/<userId>", "bod": [<userId>, "hardcoded"]}`, `{"method": "PUT", "path": "users-service/users/0a787ecb-4015", "bod": ["0a787ecb-4015", "hardcoded"]}`, true},
		{`{"method": "PUT", "nested": {"level1": {"level2": {"level3": "users-service/users/<userId>"} } }, "bod": "<userId>"}`, `{"method": "PUT", "nested": {"level1": {"level2": {"level3": "users-service/users/0a787ecb-4015"}}}, "bod": "0a787ecb-4015"}`, true},
		{`"<listsingle> single list item"`, `"[HIGH] single list item"`, false},
		{`"<listmulti> multiple list items"`, `"[ACTIVE,INACTIVE] multiple list items"`, false},
		{`{"singlelistitem": <listsingle>}`, `{"singlelistitem": ["HIGH"]}`, true},
		{`"<listsingle> single list item <listmulti> multiple list items <systemstring> system account id <payload> payload <userId> user id"`,
			`"[HIGH] single list item [ACTIVE,INACTIVE] multiple list items  system account id {acc_id:0a787ecb-4015,sf_id:baz} payload 0a787ecb-4015 user id"`, false},
		{`{"multi_replacement": "users/<userId>/second/<userId>"}`, `{"multi_replacement": "users/0a787ecb-4015/second/0a787ecb-4015"}`, true},
		{`"Command is <valid>!"`, `"Command is true!"`, false},
		{"\"<listsingle> single list item\"\n\"<listmulti> multiple list items\"", "\"[HIGH] single list item\"\n\"[ACTIVE,INACTIVE] multiple list items\"", false},
		{`{"detailType": <aws.events.rule-name>, "command": "<systemstring>"}`, `{"detailType": "r", "command": ""}`, true},
		{`{"not_valid": "users-service/users/<payload>", "bod": <payload>}`, "", false},
		{`{"payload": "<payload>"}`, "", false},
		{`{"singlelistitem": "<listsingle>"}`, "", false},
	} {
		f := newFixture(t)
		f.putRule("r", "", `{"source": ["shop"]}`)
		f.putTargets("r", "", events.Target{Id: "q", Arn: queueA, InputTransformer: &events.InputTransformer{InputPathsMap: pathsMap, InputTemplate: c.template}})
		f.putEvents(events.Entry{Source: "shop", DetailType: "t", Detail: specialDetail})
		f.advance(0)
		got := f.targets.to(queueA)
		switch {
		case c.want == "":
			if len(got) != 0 {
				t.Errorf("%s: delivered %s, want nothing (not JSON)", c.template, got[0].Body)
			}
		case len(got) != 1:
			t.Errorf("%s: delivered %d messages", c.template, len(got))
		case c.json && !sameJSON(got[0].Body, c.want):
			t.Errorf("%s:\n got %s\nwant %s", c.template, got[0].Body, c.want)
		case !c.json && string(got[0].Body) != c.want:
			t.Errorf("%s:\n got %s\nwant %s", c.template, got[0].Body, c.want)
		}
	}
}

func sameJSON(a []byte, b string) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal([]byte(b), &y) == nil && reflect.DeepEqual(x, y)
}

func TestInputPathAndPredefinedVariables(t *testing.T) {
	f := newFixture(t)
	ruleARN := f.putRule("r", "", `{"source": ["shop"]}`)
	f.putTargets("r", "",
		events.Target{Id: "path", Arn: queueA, InputPath: "$.detail.payload.sf_id"},
		events.Target{Id: "const", Arn: queueB, Input: `{"fixed": true}`},
		events.Target{Id: "vars", Arn: dlq, InputTransformer: &events.InputTransformer{
			InputTemplate: `"<aws.events.rule-arn> <aws.events.rule-name> <aws.events.event.ingestion-time>"`}},
		events.Target{Id: "event", Arn: fnArn, InputTransformer: &events.InputTransformer{
			InputTemplate: `{"originalEvent": <aws.events.event>, "json": <aws.events.event.json>}`}})
	res := f.putEvents(events.Entry{Source: "shop", DetailType: "t", Detail: specialDetail})
	f.advance(0)
	if got := f.targets.to(queueA); len(got) != 1 || string(got[0].Body) != `"baz"` {
		t.Errorf("InputPath: %+v", got)
	}
	if got := f.targets.to(queueB); len(got) != 1 || string(got[0].Body) != `{"fixed": true}` {
		t.Errorf("Input: %+v", got)
	}
	if got := f.targets.to(dlq); len(got) != 1 || string(got[0].Body) != `"`+ruleARN+` r 2024-05-01T10:00:00Z"` {
		t.Errorf("predefined: %+v", got)
	}
	got := f.targets.to(fnArn)
	if len(got) != 1 {
		t.Fatal("no event variables")
	}
	want := `{"originalEvent": {"id": "` + res[0].EventId + `", "account": "123456789012", "detailType": "t", "time": "2024-05-01T10:00:00Z", "source": "shop", "region": "us-east-1", "resources": [], "version": "0"}`
	var body struct{ OriginalEvent, JSON json.RawMessage }
	json.Unmarshal(got[0].Body, &body)
	if !sameJSON(body.OriginalEvent, want[len(`{"originalEvent": `):]) || envelope(t, body.JSON)["id"] != res[0].EventId {
		t.Errorf("event variables: %s", got[0].Body)
	}
}

func TestPutTargetsChecksInputs(t *testing.T) {
	f := newFixture(t)
	f.putRule("r", "", `{"source": ["shop"]}`)
	for _, c := range []struct {
		target events.Target
		want   string
	}{
		{events.Target{Id: "t", Arn: queueA, Input: "{}", InputPath: "$"}, "ValidationException: Only one of Input, InputPath, or InputTransformer must be provided for target t."},
		{events.Target{Id: "t", Arn: queueA, InputTransformer: &events.InputTransformer{InputTemplate: "<notdefinedkey>"}}, "ValidationException: InputTemplate for target t contains invalid placeholder notdefinedkey."},
		{events.Target{Id: "!@#$@!#$", Arn: queueA}, `ValidationException: 1 validation error detected: Value '!@#$@!#$' at 'targets.1.member.id' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+`},
	} {
		_, err := f.svc.PutTargets(t.Context(), region, "r", "", []events.Target{c.target})
		if err == nil || err.Error() != c.want {
			t.Errorf("%+v: %v\nwant %s", c.target, err, c.want)
		}
	}
	for i := range 5 {
		f.putTargets("r", "", events.Target{Id: string(rune('a' + i)), Arn: queueA})
	}
	_, err := f.svc.PutTargets(t.Context(), region, "r", "", []events.Target{{Id: "f", Arn: queueA}})
	if err == nil || err.Error() != "LimitExceededException: The requested resource exceeds the maximum number allowed." {
		t.Errorf("a sixth target: %v", err)
	}
	failed, err := f.svc.PutTargets(t.Context(), region, "r", "", []events.Target{{Id: "a", Arn: "arn:aws:kinesis:us-east-1:123456789012:stream/s"}})
	if err != nil || len(failed) != 1 || failed[0].TargetId != "a" {
		t.Errorf("an unsupported target: %+v %v", failed, err)
	}
}
