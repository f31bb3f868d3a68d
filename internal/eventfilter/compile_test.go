package eventfilter

import (
	"errors"
	"strings"
	"testing"
)

// loc is Jackson's location suffix for a pattern and a column.
func loc(pattern string, col int) string {
	return "\n at [Source: (String)\"" + pattern + "\"; line: 1, column: " + itoa(col) + "]"
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// TestCompileErrors checks refusals against the messages EventBridge
// returns (recorded from AWS), location included.
func TestCompileErrors(t *testing.T) {
	tests := []struct {
		pattern string
		reason  string
		col     int // 0: no location
		twice   bool
	}{
		{`{"int": 42}`, `"int" must be an object or an array`, 11, false},
		{`{"string": "my-value"}`, `"string" must be an object or an array`, 13, false},
		{`{"resources": []}`, "Empty arrays are not allowed", 17, false},
		{`{"detail": {"equal": [{"NUMERIC": ["=", 5]}]}}`, "Unrecognized match type NUMERIC", 36, false},
		{`{"my_key": [{"EXISTS": true}]}`, "Unrecognized match type EXISTS", 28, false},
		{`{"detail": {"c-count": [{"numeric": [">", 0, ">", 0]}]}}`, "Bad numeric range operator: >", 49, false},
		{`{"detail": {"c-count": [{"numeric": [">", 0, "<"]}]}}`, "Value of < must be numeric", 50, false},
		{`{"detail": {"c-count": [{"numeric": 10}]}}`, "Value of numeric must be an array.", 39, false},
		{`{"detail": {"FileName": [{"anything-but": {"prefix": ""}}]}}`, "Null prefix/suffix not allowed", 56, false},
		{`{"detail": {"FileName": [{"anything-but": {"suffix": ""}}]}}`, "Null prefix/suffix not allowed", 56, false},
		{`{"detail": {"FileName": [{"anything-but": {"prefix": {"equals-ignore-case": "file"}}}]}}`, "Value of anything-but must be an array or single string/number value.", 55, false},
		{`{"detail": {"FileName": [{"anything-but": {"suffix": {"equals-ignore-case": ".png"}}}]}}`, "Value of anything-but must be an array or single string/number value.", 55, false},
		{`{"detail": {"state": [{"anything-but": null}]}}`, "Value of anything-but must be an array or single string/number value.", 44, false},
		{`{"detail": {"state": [{"anything-but": ["stopped", null]}]}}`, "Inside anything but list, start|null|boolean is not supported.", 56, true},
		{`{"detail": {"FileName": [{"anything-but": {"suffix": [null, ".txt"]}}]}}`, "prefix/suffix match pattern must be a string", 59, true},
		{`{"detail": {"state": [{"anything-but": {"equals-ignore-case": 123}}]}}`, "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.", 66, false},
		{`{"detail": {"state": [{"anything-but": {"equals-ignore-case": [123, 456]}}]}}`, "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.", 67, true},
		{`{"detail": {"state": [{"anything-but": {"wildcard": [123, "*/dir/*"]}}]}}`, "wildcard match pattern must be a string", 57, true},
		{`{"detail": {"FilePath": [{"anything-but": {"wildcard": 123}}]}}`, "wildcard match pattern must be a string", 59, false},
		{`{"detail": {"FileName": [{"anything-but": {"suffix": [123, ".txt"]}}]}}`, "prefix/suffix match pattern must be a string", 58, true},
		{`{"detail": {"state": [{"anything-but": {"prefix": [123, "test"]}}]}}`, "prefix/suffix match pattern must be a string", 55, true},
		{`{"detail": {"FileName": [{"anything-but": {"suffix": 123}}]}}`, "prefix/suffix match pattern must be a string", 57, false},
		{`{"detail": {"state": [{"anything-but": {"prefix": 123}}]}}`, "prefix/suffix match pattern must be a string", 54, false},
		{`{"EventBusArn": [{"wildcard": 123}]}`, "wildcard match pattern must be a string", 34, false},
		{`{"EventBusArn": [{"wildcard": ["arn:aws:events:us-east-1:**:event-bus/*"]}]}`, "wildcard match pattern must be a string", 32, false},
		{`{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:**:event-bus/*"}]}`, "Consecutive wildcard characters at pos 26", 72, false},
		{`{"detail-type": [{"equals-ignore-case": ["ec2 instance state-change notification"]}]}`, "equals-ignore-case match pattern must be a string", 42, false},
		{`{"detail-type": [{"equals-ignore-case": {"prefix": "ec2"}}]}`, "equals-ignore-case match pattern must be a string", 42, false},
		{`{"time": [{"prefix": 123}]}`, "prefix match pattern must be a string", 25, false},
		{`{"time": [{"prefix": ["2022-07-13"]}]}`, "prefix match pattern must be a string", 23, false},
		{`{"FileName": [{"suffix": 123}]}`, "suffix match pattern must be a string", 29, false},
		{`{"FileName": [{"suffix": [".png"]}]}`, "suffix match pattern must be a string", 27, false},
		{`{"detail": {"sourceIPAddress": [{"cidr": ["bad-type"]}]}}`, "prefix match pattern must be a string", 43, false},
		{`{"detail": {"sourceIPAddress": [{"cidr": "bad-filter"}]}}`, "Malformed CIDR, one '/' required", 0, false},
		{`{"detail": {"sourceIPAddress": [{"cidr": "bad-/64filter"}]}}`, "Malformed CIDR, mask bits must be an integer", 0, false},
		{`{"detail": {"sourceIPAddress": [{"cidr": "xx.11.xx/8"}]}}`, "Nonstandard IP address: xx.11.xx", 0, false},
		{`{"detail": {"sourceIPAddress": [{"cidr": "xxxx:db8:1234:1a00::/64"}]}}`, "Nonstandard IP address: xxxx:db8:1234:1a00::", 0, false},
		{`{"EventBusArn": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}`, tooComplex, 0, false},
		{`["not", "a", "dict", "but valid json"]`, "Filter is not an object", 2, false},
		{`{'bad': 'quotation'}`, "Unexpected character (''' (code 39)): was expecting double-quote to start field name", 2, false},
		{`{"not": closed mark"`, "Unrecognized token 'closed': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", 15, false},
		{`this is valid json but not a dict`, "Unrecognized token 'this': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", 5, false},
		// the Ruler's other refusals
		{`{}`, "Empty objects are not allowed", 3, false},
		{`{"a": {}}`, "Empty objects are not allowed", 9, false},
		{`{"a": [["b"]]}`, "Match value must be String, number, true, false, or null", 9, false},
		{`{"a": [{}]}`, "Match expression name not found", 10, false},
		{`{"a": [{"prefix": "b", "suffix": "c"}]}`, "Only one key allowed in match expression", 35, false},
		{`{"a": [{"exists": "yes"}]}`, "exists match pattern must be either true or false.", 20, false},
		{`{"a": [{"numeric": []}]}`, "Invalid member in numeric match: ]", 22, false},
		{`{"a": [{"numeric": ["~", 1]}]}`, "Unrecognized numeric range operator: ~", 27, false},
		{`{"a": [{"numeric": ["=", "1"]}]}`, "Value of equals must be numeric", 27, false},
		{`{"a": [{"numeric": ["<", 10, ">", 1]}]}`, "Too many elements in numeric expression", 31, false},
		{`{"a": [{"numeric": [">", 10, "<", 1]}]}`, "Bottom must be less than top", 37, false},
		{`{"a": [{"numeric": [">", 1, "<", 2, "<", 3]}]}`, "Too many terms in numeric range expression", 38, false},
		{`{"a": [{"numeric": ["<", 6e9]}]}`, "Value must be between -5.0E9 and 5.0E9, inclusive", 30, false},
		{`{"a": [{"anything-but": 6e9}]}`, "Value must be between -5.0E9 and 5.0E9, inclusive", 0, false},
		{`{"a": [{"anything-but": []}]}`, "Inside anything but list, either all values are number or string, mixed type is not supported", 27, false},
		{`{"a": [{"anything-but": ["x", 1]}]}`, "Inside anything but list, either all values are number or string, mixed type is not supported", 33, false},
		{`{"a": [{"anything-but": {"exists": false}}]}`, "Unsupported anything-but pattern: exists", 41, false},
		{`{"a": [{"anything-but": {"wildcard": "a**"}}]}`, "Consecutive wildcard characters at pos 1", 43, false},
		{`{"a": [{"wildcard": "a\\b"}]}`, "Invalid escape character at pos 2", 27, false},
		{`{"a": [{"prefix": {"ignore-case": "x"}}]}`, "Unsupported prefix pattern: ignore-case", 36, false},
		{`{"$or": [{"a": ["b"]}]}`, "There must have at least 2 Objects in $or relationship.", 23, false},
		{`{"$or": [{"a": ["b"]}, "c"]}`, "Only JSON object is allowed in array of $or relationship.", 25, false},
		{`{"$or": [{"numeric": ["b"]}, {"a": ["c"]}]}`, "numeric is Ruler reserved fieldName which cannot be used inside $or.", 23, false},
		{`{"a": ["b"]`, "Unexpected end-of-input: expected close marker for Object (start marker at [Source: (String)\"{\"a\": [\"b\"]\"; line: 1, column: 1])", 12, false},
		{`{"a": ["b" "c"]}`, "Unexpected character ('\"' (code 34)): was expecting comma to separate Array entries", 12, false},
		{`{"a" ["b"]}`, "Unexpected character ('[' (code 91)): was expecting a colon to separate field name and value", 6, false},
		{`{"a": ["b"]]`, "Unexpected close marker ']': expected '}' (for Object starting at [Source: (String)\"{\"a\": [\"b\"]]\"; line: 1, column: 1])", 13, false},
	}
	for _, tt := range tests {
		_, err := Compile([]byte(tt.pattern))
		want := tt.reason
		if tt.col > 0 {
			want += loc(tt.pattern, tt.col)
			if tt.twice {
				want += loc(tt.pattern, tt.col)
			}
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: got %v, want an *Error", tt.pattern, err)
			continue
		}
		if got := e.Error(); got != want {
			t.Errorf("%s:\n got %q\nwant %q", tt.pattern, got, want)
		}
	}
}

// TestSNSPolicyErrors checks SNS's refusals (recorded from AWS), which
// differ from EventBridge's where SNS runs an older Ruler.
func TestSNSPolicyErrors(t *testing.T) {
	many := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"v` + itoa(i) + `"`)
		}
		return b.String()
	}
	tests := []struct {
		policy string
		scope  PolicyScope
		reason string
		col    int
	}{
		{`{"key":[["value"]]}`, ScopeAttributes, "Match value must be String, number, true, false, or null", 10},
		{`{"key":[{"wrong-operator":true}]}`, ScopeAttributes, "Unrecognized match type wrong-operator", 31},
		{`{"key":[{"suffix":"value","prefix":"value2"}]}`, ScopeAttributes, "Only one key allowed in match expression", 37},
		{`{"key":[]}`, ScopeAttributes, "Empty arrays are not allowed", 10},
		{`{"key":[{"suffix":100}]}`, ScopeAttributes, "suffix match pattern must be a string", 22},
		{`{"key":[{"suffix":null}]}`, ScopeAttributes, "suffix match pattern must be a string", 23},
		{`{"key":{"suffix":"value"}}`, ScopeAttributes, `"suffix" must be an object or an array`, 19},
		{`{"key":{"not-an-operator":"value"}}`, ScopeAttributes, `"not-an-operator" must be an object or an array`, 28},
		{`{"key":[{"cidr":["bad-filter"]}]}`, ScopeAttributes, "prefix match pattern must be a string", 18},
		{`{"key":[{"cidr":"bad-filter"}]}`, ScopeAttributes, "Malformed CIDR, one '/' required", 0},
		{`{"key":[{"cidr":"bad-filter/"}]}`, ScopeAttributes, "Malformed CIDR, one '/' required", 0},
		{`{"key":[{"cidr":"bad-filter/64"}]}`, ScopeAttributes, "Nonstandard IP address: bad-filter", 0},
		{`{"key":[{"numeric":[]}]}`, ScopeAttributes, "Invalid member in numeric match: ]", 22},
		{`{"key":[{"numeric":["operator"]}]}`, ScopeAttributes, "Unrecognized numeric range operator: operator", 32},
		{`{"key":[{"numeric":[1,"<="]}]}`, ScopeAttributes, "Invalid member in numeric match: 1", 22},
		{`{"key":[{"numeric":["=","000"]}]}`, ScopeAttributes, "Value of equals must be numeric", 26},
		{`{"key":[{"numeric":[">="]}]}`, ScopeAttributes, "Value of >= must be numeric", 26},
		{`{"key":[{"numeric":["<",100,">",10]}]}`, ScopeAttributes, "Too many elements in numeric expression", 30},
		{`{"key":[{"numeric":[">=",1,">",2]}]}`, ScopeAttributes, "Bad numeric range operator: >", 31},
		{`{"key":[{"numeric":[">",3,"<",1]}]}`, ScopeAttributes, "Bottom must be less than top", 33},
		{`{"key":[{"numeric":[">",20,"<="]}]}`, ScopeAttributes, "Value of <= must be numeric", 33},
		{`{"key":[{"numeric":[">",20,30]}]}`, ScopeAttributes, "Bad value in numeric range: 30", 30},
		{`{"key":[{"numeric":[">",20,"test"]}]}`, ScopeAttributes, "Bad numeric range operator: test", 34},
		{`{"key":[{"numeric":[">","20","<","30"]}]}`, ScopeAttributes, "Value of > must be numeric", 26},
		{`{"key":[{"numeric":[">",20,"<","30"]}]}`, ScopeAttributes, "Value of < must be numeric", 33},
		{`{"key":[{"numeric":[">",20,"<",30,"<",50]}]}`, ScopeAttributes, "Too many terms in numeric range expression", 36},
		{`{"key":[{"exists":null}]}`, ScopeAttributes, "exists match pattern must be either true or false.", 23},
		{`{"key":[{"exists":"no"}]}`, ScopeAttributes, "exists match pattern must be either true or false.", 20},
		{`{"key":[{"anything-but":{"wrong-operator":null}}]}`, ScopeAttributes, "Unsupported anything-but pattern: wrong-operator", 47},
		{`{"key":[{"anything-but":{"suffix":"test"}}]}`, ScopeAttributes, "Unsupported anything-but pattern: suffix", 36},
		{`{"key":[{"anything-but":{"exists":false}}]}`, ScopeAttributes, "Unsupported anything-but pattern: exists", 40},
		{`{"key":[{"anything-but":{"prefix":false}}]}`, ScopeAttributes, "prefix match pattern must be a string", 40},
		{`{"key":[{"wildcard":"a*"}]}`, ScopeAttributes, "Unrecognized match type wildcard", 22},
		{`{"key":[{"numeric":["<",2e9]}]}`, ScopeAttributes, "Value must be between -1.0E9 and 1.0E9, inclusive", 29},
		// the Ruler's Range refuses a bottom above its ceiling before it checks the bounds
		{`{"key":[{"numeric":[">",2e9]}]}`, ScopeAttributes, "Bottom must be less than top", 29},
		{`{"key":[` + many(151) + `]}`, ScopeAttributes, "Filter policy is too complex", 0},
		{`{"key1":[` + many(100) + `],"key2":[` + many(51) + `]}`, ScopeAttributes, "Filter policy is too complex", 0},
		{`{"key1":["1"],"key2":["2"],"key3":["3"],"key4":["4"],"key5":["5"],"key6":["6"]}`, ScopeAttributes, "Filter policy can not have more than 5 keys", 0},
		{`{"key_a":{"key_b":{"key_c":["1","2","3","4"]}},"key_d":{"key_e":["1","2","3"]},"key_f":["1","2","3"]}`, ScopeBody, "Filter policy is too complex", 0},
		{`{"source":["a","b","c","d"],"$or":[{"metricName":["1","2","3","4","5","6"]},{"metricType":["1","2","3","4"],"$or":[{"metricId":[1,2,3,4]},{"spaceId":[1,2,3,4]}]}]}`, ScopeAttributes, "Filter policy is too complex", 0},
		{`{"a":{"b":["c"]}}`, ScopeAttributes, ErrNestedPolicy.Reason, 0},
	}
	for _, tt := range tests {
		_, err := CompileFilterPolicy([]byte(tt.policy), tt.scope)
		want := tt.reason
		if tt.col > 0 {
			want += loc(tt.policy, tt.col)
		}
		if err == nil || err.Error() != want {
			t.Errorf("%s:\n got %v\nwant %q", tt.policy, err, want)
		}
	}
	// accepted: exactly 150 combinations, a nested policy on the body
	for _, ok := range []struct {
		policy string
		scope  PolicyScope
	}{
		{`{"source":["a","b","c"],"$or":[{"metricName":["1","2","3","4","5","6"]},{"metricType":["1","2","3","4"],"$or":[{"metricId":[1,2,3,4]},{"spaceId":[1,2,3,4,5,6,7]}]}]}`, ScopeAttributes},
		{`{"key_a":{"key_b":{"key_c":["1","2","3","4"]}},"key_d":{"key_e":["1","2","3"]}}`, ScopeBody},
		{`{"key":[{"anything-but":{"prefix":"x"}}]}`, ScopeAttributes},
	} {
		if _, err := CompileFilterPolicy([]byte(ok.policy), ok.scope); err != nil {
			t.Errorf("%s: %v", ok.policy, err)
		}
	}
}
