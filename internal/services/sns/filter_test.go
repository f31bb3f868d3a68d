package sns

import (
	"strconv"
	"strings"
	"testing"
)

// TestCheckFilterPolicy checks SNS's filter policy refusals with AWS's
// wording in Subscribe ("Attributes Reason: ") and SetSubscriptionAttributes.
func TestCheckFilterPolicy(t *testing.T) {
	values := make([]string, 3000)
	for i := range values {
		values[i] = strconv.Quote("v" + strconv.Itoa(i))
	}
	tooMany := `{"key":[` + strings.Join(values, ",") + `]}`
	tests := []struct {
		policy, scope string
		subscribe     bool
		want          string
	}{
		{tooMany, "", true, "Invalid parameter: Attributes Reason: FilterPolicy: Filter policy is too complex"},
		{tooMany, "MessageBody", false, "Invalid parameter: FilterPolicy: Filter policy is too complex"},
		{`{"a":["1"],"b":["2"],"c":["3"],"d":["4"],"e":["5"],"f":["6"]}`, "", false, "Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys"},
		{`{"a":{"b":["c"]}}`, "MessageAttributes", false, "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy"},
		{`{"key_a":"value_one"}`, "MessageBody", false, "Invalid parameter: FilterPolicy: \"key_a\" must be an object or an array\n at [Source: (String)\"{\"key_a\":\"value_one\"}\"; line: 1, column: 11]"},
		{`{"key":[{"anything-but":{"suffix":"test"}}]}`, "", true, "Invalid parameter: Attributes Reason: FilterPolicy: Unsupported anything-but pattern: suffix\n at [Source: (String)\"{\"key\":[{\"anything-but\":{\"suffix\":\"test\"}}]}\"; line: 1, column: 36]"},
		{`{"a":{"b":["c"]}}`, "MessageBody", false, ""},
		{`{"price":[{"numeric":[">",10,"<=",100]}],"$or":[{"colour":["red"]},{"size":["L"]}]}`, "", true, ""},
		{"", "", true, ""},
	}
	for _, tt := range tests {
		err := checkFilterPolicy(tt.policy, tt.scope, tt.subscribe)
		got, want := "", ""
		if err != nil {
			got = err.Error()
		}
		if tt.want != "" {
			want = "InvalidParameter: " + tt.want
		}
		if got != want {
			t.Errorf("%.60s:\n got %q\nwant %q", tt.policy, got, want)
		}
	}
}
