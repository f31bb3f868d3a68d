package funcurl

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nubo-dev/nubo/internal/services/lambda"
)

func TestScopeOnly(t *testing.T) {
	a := scopeOnly{account: "000000000000"}
	for _, tt := range []struct {
		auth, query string
		ok          bool
	}{
		{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0", "", true},
		{"", "X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Flambda%2Faws4_request", true},
		{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request", "", false},
		{"", "", false},
		{"Bearer x", "", false},
	} {
		r := httptest.NewRequest("GET", "/?"+tt.query, nil)
		if tt.auth != "" {
			r.Header.Set("Authorization", tt.auth)
		}
		id, err := a.AuthorizeFunctionURL(context.Background(), r, "arn")
		if (err == nil) != tt.ok || tt.ok && id.AccessKey != "AKID" {
			t.Errorf("%q %q: %+v %v", tt.auth, tt.query, id, err)
		}
	}
}

func TestQualifiers(t *testing.T) {
	for q, ok := range map[string]bool{"": true, "$LATEST": true, "live": true, "v-2_x": true, "1": false, "12": false, "a:b": false, strings.Repeat("a", 129): false} {
		if _, err := refOf(lambda.FunctionRef{Name: "f", Qualifier: q}); (err == nil) != ok {
			t.Errorf("qualifier %q: %v", q, err)
		}
	}
}

func FuzzCredentialScope(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=A/D/r/lambda/aws4_request", "")
	f.Add("AWS4-HMAC-SHA256 ,Credential=,", "X-Amz-Credential=////")
	f.Fuzz(func(t *testing.T, auth, query string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.URL.RawQuery = query
		r.Header.Set("Authorization", auth)
		key, service, ok := credentialScope(r)
		if ok && (key == "" || strings.Contains(key, "/") || strings.Contains(service, "/")) {
			t.Errorf("%q %q: %q %q", auth, query, key, service)
		}
	})
}
