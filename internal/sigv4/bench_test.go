package sigv4

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// BenchmarkVerify measures what verifying a signature costs a request once
// its signing key is cached: parse, canonicalise, hash, one HMAC.
func BenchmarkVerify(b *testing.B) {
	for _, bc := range []struct {
		name, target, body, service string
		s3                          bool
	}{
		{"lambda-invoke", "/2015-03-31/functions/my-function/invocations", `{"key":"value"}`, "lambda", false},
		{"s3-put", "/bucket/some/key.txt", "hello world", "s3", true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := signed(b, "POST", bc.target, bc.body, bc.service, testNow, bc.s3)
			v := Verifier{Now: func() time.Time { return testNow }}
			lookup := lookupOf(testKey, testSecret)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				r.Body = io.NopCloser(strings.NewReader(bc.body))
				if _, err := v.Verify(ctx, r, lookup); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
