package eventfilter

import (
	"fmt"
	"strings"
	"testing"
)

// TestObservedBehaviour covers what AWS's TestEventPattern answers (as
// recorded from AWS) where the guide is silent: nulls, missing fields and
// values of another type against each operator, arrays, empty operands.
func TestObservedBehaviour(t *testing.T) {
	checkCases(t, []matchCase{
		{"anything-but matches null", `{"detail": {"state": null}}`, `{"detail": {"state": [{"anything-but": "initializing"}]}}`, true},
		{"anything-but needs the field", `{"detail": {}}`, `{"detail": {"state": [{"anything-but": "initializing"}]}}`, false},
		{"anything-but list matches null", `{"detail": {"state": null}}`, `{"detail": {"state": [{"anything-but": ["stopped", "running"]}]}}`, true},
		{"anything-but prefix matches a number", `{"detail": {"state": 12}}`, `{"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}`, true},
		{"anything-but prefix list matches a number", `{"detail": {"state": 12}}`, `{"detail": {"state": [{"anything-but": {"prefix": ["init", "test"]}}]}}`, true},
		{"anything-but prefix matches null", `{"detail": {"state": null}}`, `{"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}`, true},
		{"anything-but prefix list excludes", `{"detail": {"state": "post-init"}}`, `{"detail": {"state": [{"anything-but": {"prefix": ["init", "post"]}}]}}`, false},
		{"anything-but prefix needs the field", `{"detail": {}}`, `{"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}`, false},
		{"anything-but suffix matches null", `{"detail": {"FileName": null}}`, `{"detail": {"FileName": [{"anything-but": {"suffix": ".txt"}}]}}`, true},
		{"anything-but suffix list excludes", `{"detail": {"FileName": "file.jpg"}}`, `{"detail": {"FileName": [{"anything-but": {"suffix": [".txt", ".jpg"]}}]}}`, false},
		{"anything-but wildcard matches a number", `{"detail": {"FilePath": 123}}`, `{"detail": {"FilePath": [{"anything-but": {"wildcard": "*/dir/*"}}]}}`, true},
		{"anything-but wildcard matches null", `{"detail": {"FilePath": null}}`, `{"detail": {"FilePath": [{"anything-but": {"wildcard": "*/dir/*"}}]}}`, true},
		{"anything-but wildcard excludes", `{"detail": {"FilePath": "dir/init/file"}}`, `{"detail": {"FilePath": [{"anything-but": {"wildcard": "*/init/*"}}]}}`, false},
		{"anything-but empty wildcard", `{"detail": {"FilePath": "dir/init/file"}}`, `{"detail": {"FilePath": [{"anything-but": {"wildcard": ""}}]}}`, true},
		{"anything-but ignoring case matches null", `{"detail": {"state": null}}`, `{"detail": {"state": [{"anything-but": {"equals-ignore-case": "initializing"}}]}}`, true},
		{"anything-but 0", `{"detail": {"x-limit": 789}}`, `{"detail": {"x-limit": [{"anything-but": 0}]}}`, true},
		{"anything-but a number matches its string", `{"n": "123"}`, `{"n": [{"anything-but": 123}]}`, true},
		{"anything-but number compares numerically", `{"n": 1.23e2}`, `{"n": [{"anything-but": 123}]}`, false},
		{"empty array matches no null", `{"resources": []}`, `{"resources": [null]}`, false},
		{"empty array does not exist", `{"resources": []}`, `{"resources": [{"exists": true}]}`, false},
		{"empty array: exists false", `{"resources": []}`, `{"resources": [{"exists": false}]}`, true},
		{"boolean", `{"boolean": false}`, `{"boolean": [false]}`, true},
		{"boolean: other", `{"boolean": true}`, `{"boolean": [false]}`, false},
		{"boolean is not its string", `{"boolean": "false"}`, `{"boolean": [false]}`, false},
		{"null is not its string", `{"detail": {"responseElements": "null"}}`, `{"detail": {"responseElements": [null]}}`, false},
		{"exists false deep under a missing parent", `{"detail": {"level1": {"level2": "l2 value"}}}`, `{"detail": {"level1": {"level2:": {"level3": {"level4": [{"exists": false}]}}}}}`, true},
		{"exists false deep: present", `{"detail": {"level1": {"level2": {"level3": {"level4": "l4 value"}}}}}`, `{"detail": {"level1": {"level2": {"level3": {"level4": [{"exists": false}]}}}}}`, false},
		{"exists on an intermediate node", `{"dynamodb": {"presentKey": {"S": "test123"}}}`, `{"dynamodb": {"presentKey": [{"exists": true}]}}`, false},
		{"exists on the leaf", `{"dynamodb": {"presentKey": {"S": "test123"}}}`, `{"dynamodb": {"presentKey": {"S": [{"exists": true}]}}}`, true},
		{"exists in an array of objects", `{"detail": {"automations": [{"key1": "value1"}, {"id": "match-does-exist"}, {"key2": "value2"}]}}`, `{"detail": {"automations": {"id": [{"exists": true}]}}}`, true},
		{"exists matches null", `{"a": null}`, `{"a": [{"exists": true}]}`, true},
		{"empty equals-ignore-case", `{"detail": {"value": ""}}`, `{"detail": {"value": [{"equals-ignore-case": ""}]}}`, true},
		{"empty equals-ignore-case: other", `{"detail": {"value": "test-value"}}`, `{"detail": {"value": [{"equals-ignore-case": ""}]}}`, false},
		{"cidr needs a string", `{"detail": {"sourceIPAddress": 123}}`, `{"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}`, false},
		{"empty prefix matches any string", `{"source": "test-source"}`, `{"source": [{"prefix": ""}]}`, true},
		{"empty suffix matches any string", `{"source": "test-source"}`, `{"source": [{"suffix": ""}]}`, true},
		{"prefix needs a string", `{"n": 12}`, `{"n": [{"prefix": "1"}]}`, false},
		{"empty wildcard matches only empty", `{"EventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/myEventBus"}`, `{"EventBusArn": [{"wildcard": ""}]}`, false},
		{"string of digits", `{"dynamodb": {"NewImage": {"homemade": {"S": "ABCD", "N": "1234"}}}}`, `{"dynamodb": {"NewImage": {"homemade": {"N": ["1234"]}}}}`, true},
		{"string is not a number", `{"n": "1234"}`, `{"n": [1234]}`, false},
		{"keys are case-sensitive", `{"my_key": "my-value"}`, `{"MY_KEY": ["my-value"]}`, false},
		{"one field", `{"id": "1", "source": "test-source"}`, `{"id": ["1"]}`, true},
		{"a JSON string is not an object", `{"detail": "{\"my-key\": \"my-value\"}"}`, `{"detail": {"my-key": ["my-value"]}}`, false},
		{"numeric: float event", `{"number": 101.0}`, `{"number": [{"numeric": [">", 100]}]}`, true},
		{"numeric: null", `{"number": null}`, `{"number": [{"numeric": [">", 100]}]}`, false},
		{"numeric: string", `{"number": "300"}`, `{"number": [{"numeric": [">", 100]}]}`, false},
		{"numeric: six decimals", `{"n": 1.0000001}`, `{"n": [{"numeric": ["=", 1]}]}`, true},
		{"numeric: beyond 5e9 matches no range", `{"n": 6e9}`, `{"n": [{"numeric": [">", 0]}]}`, false},
		{"any condition of a list", `{"my_key": "my-value"}`, `{"my_key": [{"exists": true}, {"prefix": "IGNORED"}, {"suffix": "IGNORED"}]}`, true},
		{"anything-but or absent: value", `{"dynamodb": {"NewImage": {"homemade": {"S": "ABCD", "N": "1234"}}}}`, `{"dynamodb": {"NewImage": {"homemade": {"S": [{"anything-but": ["roses"]}, {"exists": false}]}}}}`, true},
		{"anything-but or absent: parent missing", `{"dynamodb": {"NewImage": {"purchased": {"N": "789"}}}}`, `{"dynamodb": {"NewImage": {"homemade": {"S": [{"anything-but": ["roses"]}, {"exists": false}]}}}}`, true},
		{"anything-but or absent: sibling", `{"dynamodb": {"NewImage": {"homemade": {"N": "789"}}}}`, `{"dynamodb": {"NewImage": {"homemade": {"S": [{"anything-but": ["roses"]}, {"exists": false}]}}}}`, true},
		{"numeric or anything-but", `{"dynamodb": {"NewImage": {"numericFilter": {"N": "42"}}}}`, `{"dynamodb": {"NewImage": {"numericFilter": {"N": [{"numeric": [">", 100]}, {"anything-but": "101"}]}}}}`, true},
		{"numeric or anything-but: neither", `{"dynamodb": {"NewImage": {"numericFilter": {"N": "101"}}}}`, `{"dynamodb": {"NewImage": {"numericFilter": {"N": [{"numeric": [">", 100]}, {"anything-but": "101"}]}}}}`, false},
		{"prefixes of keys", `{"dynamodb": {"Keys": {"SK": {"S": "PRODUCT#CHOCOLATE#DARK#1000"}, "PK": {"S": "COMPANY#1000"}}}}`, `{"dynamodb": {"Keys": {"PK": {"S": [{"prefix": "COMPANY"}]}, "SK": {"S": [{"prefix": "PRODUCT"}]}}}}`, true},
		{"exact string, unnormalised", `{"string": "A CamelCase string with an emoji 🚀 and trailing whitespace "}`, `{"string": ["A CamelCase string with an emoji 🚀 and trailing whitespace "]}`, true},
		{"dots: object under a dotted key", `{"detail": {"state.status": {"status": "running"}}}`, `{"detail": {"state": {"status": ["running"]}}}`, false},
		{"dots: deeper pattern", `{"detail": {"state": {"status": "running"}}}`, `{"detail": {"state.status": {"status": ["running"]}}}`, false},
		// the Ruler's array consistency: fields of one array element
		{"same array element", `{"employees": [{"firstName": "John", "lastName": "Doe"}, {"firstName": "Anna", "lastName": "Smith"}]}`, `{"employees": {"firstName": ["Anna"], "lastName": ["Smith"]}}`, true},
		{"different array elements", `{"employees": [{"firstName": "John", "lastName": "Doe"}, {"firstName": "Anna", "lastName": "Smith"}, {"firstName": "Peter", "lastName": "Jones"}]}`, `{"employees": {"firstName": ["Anna"], "lastName": ["Jones"]}}`, false},
		{"nested arrays", `{"employees": [[{"firstName": "John", "lastName": "Doe"}, {"firstName": "Anna", "lastName": "Smith"}], [{"firstName": "Peter", "lastName": "Jones"}]]}`, `{"employees": {"firstName": ["Anna"]}}`, true},
		{"ip literal in any spelling", `{"ip": "2001:0db8:0:0:0:0:0:1"}`, `{"ip": ["2001:db8::1"]}`, true},
		{"ip literal: other", `{"ip": "2001:db8::2"}`, `{"ip": ["2001:db8::1"]}`, false},
		{"exactly", `{"a": "x"}`, `{"a": [{"exactly": "x"}]}`, true},
		{"$or as a field name when not alternatives", `{"$or": {"a": "b"}}`, `{"$or": {"a": ["b"]}}`, true},
		{"suffix equals-ignore-case: ending", `{"service": "EventBRIDGE"}`, `{"service": [{"suffix": {"equals-ignore-case": "tbridge"}}]}`, true},
		{"prefix equals-ignore-case: start", `{"service": "EVENTBRIDGE"}`, `{"service": [{"prefix": {"equals-ignore-case": "eventb"}}]}`, true},
		{"equals-ignore-case beyond ASCII", `{"name": "ÉCOLE"}`, `{"name": [{"equals-ignore-case": "école"}]}`, true},
	})
}

func FuzzCompile(f *testing.F) {
	f.Add(`{"a":[{"numeric":[">",1]}],"$or":[{"b":["x"]},{"c":[{"prefix":"y"}]}]}`, `{"a":2,"b":"x"}`)
	f.Add(`{"a":[{"wildcard":"*x*"},{"cidr":"10.0.0.0/8"},{"anything-but":{"suffix":["a","b"]}}]}`, `{"a":["10.1.2.3","yxz"]}`)
	f.Add(`{"a":{"b":[{"exists":false}]},"c":[{"equals-ignore-case":"Q"}]}`, `{"a":[{"b":1},{"c":2}],"c":"q"}`)
	f.Fuzz(func(t *testing.T, pattern, event string) {
		if p, err := CompileFilterPolicy([]byte(pattern), ScopeBody); err == nil {
			p.MatchJSON([]byte(event))
		}
		p, err := Compile([]byte(pattern))
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		got := p.MatchJSON([]byte(event))
		var m Machine
		m.Add("r", p)
		ids, err := m.MatchJSON([]byte(event))
		if err == nil && got != (len(ids) == 1) {
			t.Fatalf("pattern %s event %s: Pattern %v, Machine %v", pattern, event, got, ids)
		}
	})
}

// TestLargeArrays checks array consistency where a field's values are many
// and found by array element rather than by scanning.
func TestLargeArrays(t *testing.T) {
	var items, nested []string
	for i := 0; i < 50; i++ {
		extra := ""
		if i == 7 {
			extra = `,"zgone":true,"gone":true`
		}
		items = append(items, fmt.Sprintf(`{"n":%d,"tag":"t%d"%s}`, i, i, extra))
		nested = append(nested, fmt.Sprintf(`{"k":"k%d","sub":[{"x":%d},{"x":%d}]}`, i%3, i, i+100))
	}
	ev := `{"items":[` + strings.Join(items, ",") + `],"deep":[` + strings.Join(nested, ",") + `],"top":"x"}`
	checkCases(t, []matchCase{
		{"same element", ev, `{"items":{"n":[12],"tag":["t12"]}}`, true},
		{"different elements", ev, `{"items":{"n":[12],"tag":["t13"]}}`, false},
		{"a range and a tag", ev, `{"items":{"n":[{"numeric":[">",40]}],"tag":["t45"]}}`, true},
		{"absent in the element", ev, `{"items":{"n":[8],"zgone":[{"exists":false}]}}`, true},
		{"present in the element", ev, `{"items":{"n":[7],"zgone":[{"exists":false}]}}`, false},
		// The Ruler checks an absence against the fields before it in path
		// order: "gone" comes before "n", so any element's "gone" counts.
		{"absence checked before the element is chosen", ev, `{"items":{"n":[8],"gone":[{"exists":false}]}}`, false},
		{"nested arrays", ev, `{"deep":{"k":["k2"],"sub":{"x":[105]}}}`, true},
		{"nested arrays: other element", ev, `{"deep":{"k":["k1"],"sub":{"x":[105]}}}`, false},
		{"outside the array", ev, `{"top":["x"],"items":{"n":[3],"tag":["t3"]}}`, true},
	})
}
