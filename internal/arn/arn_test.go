package arn

import "testing"

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ARN
	}{
		{"arn:aws:sqs:us-east-1:000000000000:jobs", ARN{"aws", "sqs", "us-east-1", "000000000000", "jobs"}},
		{"arn:aws:lambda:eu-west-1:123456789012:function:f:live", ARN{"aws", "lambda", "eu-west-1", "123456789012", "function:f:live"}},
		{"arn:aws:s3:::bucket/key:with:colons", ARN{"aws", "s3", "", "", "bucket/key:with:colons"}},
		{"arn:aws:iam::000000000000:role/service-role/x", ARN{"aws", "iam", "", "000000000000", "role/service-role/x"}},
	} {
		got, err := Parse(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
		if s := got.String(); s != tc.in {
			t.Errorf("String() = %q, want %q", s, tc.in)
		}
	}
	for _, bad := range []string{"", "arn", "arn:aws:sqs:us-east-1:0", "urn:aws:sqs:r:a:q", "arn::sqs:r:a:q", "arn:aws:sqs:r:a:"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
}

func TestFunction(t *testing.T) {
	a, _ := Parse("arn:aws:lambda:us-east-1:000000000000:function:f:3")
	if n, q, ok := a.Function(); n != "f" || q != "3" || !ok {
		t.Errorf("Function() = %q, %q, %v", n, q, ok)
	}
	a, _ = Parse("arn:aws:sqs:us-east-1:000000000000:function:f")
	if _, _, ok := a.Function(); ok {
		t.Error("an SQS ARN is a function")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("arn:aws:lambda:us-east-1:000000000000:function:f:3")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			return
		}
		if b, err := Parse(a.String()); err != nil || b != a {
			t.Fatalf("round trip of %q: %+v, %v", s, b, err)
		}
	})
}
