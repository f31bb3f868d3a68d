package policy

import (
	"errors"
	"testing"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		kind      Kind
		want      string // "" for a valid document
	}{
		{"valid object statement", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`, Identity, ""},
		{"valid list", `{"Version":"2012-10-17","Statement":[{"Sid":"A1","Effect":"Deny","NotAction":["iam:*"],"NotResource":"arn:aws:iam::*:role/x"}]}`, Identity, ""},
		{"no version", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, Identity, ""},
		{"not json", `{"Version":`, Identity, "Syntax errors in policy."},
		{"trailing data", `{"Statement":[]} {}`, Identity, "Syntax errors in policy."},
		{"empty statement list", `{"Version":"2012-10-17","Statement":[]}`, Identity, "Syntax errors in policy."},
		{"unknown field", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Foo":1}}`, Identity, "Syntax errors in policy."},
		{"bad version", `{"Version":"2012-10-18","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, Identity, "The policy failed legacy parsing"},
		{"no effect", `{"Statement":{"Action":"*","Resource":"*"}}`, Identity, "Missing required field Effect"},
		{"bad effect", `{"Statement":{"Effect":"allow","Action":"*","Resource":"*"}}`, Identity, "Invalid effect: allow"},
		{"no action", `{"Statement":{"Effect":"Allow","Resource":"*"}}`, Identity, "Policy statement must contain actions."},
		{"no resource", `{"Statement":{"Effect":"Allow","Action":"s3:*"}}`, Identity, "Policy statement must contain resources."},
		{"principal in identity", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}`, Identity, "Policy document should not specify a principal."},
		{"action without vendor", `{"Statement":{"Effect":"Allow","Action":"GetObject","Resource":"*"}}`, Identity, "Actions/Conditions must be prefixed by a valid namespace prefix."},
		{"two colons", `{"Statement":{"Effect":"Allow","Action":"s3:a:b","Resource":"*"}}`, Identity, "Actions/Condition can contain only one colon."},
		{"bad vendor", `{"Statement":{"Effect":"Allow","Action":"s 3:a","Resource":"*"}}`, Identity, "Vendor s 3 is not valid"},
		{"resource not arn", `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"bucket"}}`, Identity, `Resource bucket must be in ARN format or "*".`},
		{"duplicate sid", `{"Statement":[{"Sid":"a","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"a","Effect":"Allow","Action":"*","Resource":"*"}]}`, Identity, "Statement IDs (SID) in a single policy must be unique."},
		{"sid not alphanumeric", `{"Statement":{"Sid":"a-b","Effect":"Allow","Action":"*","Resource":"*"}}`, Identity, "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"},
		{"bad condition operator", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualz":{"aws:username":"a"}}}}`, Identity, "Invalid Condition type : StringEqualz"},
		{"valid conditions", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":["a*"]},"NumericLessThan":{"s3:max-keys":10},"Bool":{"aws:SecureTransport":true},"Null":{"aws:TokenIssueTime":"true"}}}}`, Identity, ""},
		{"trust policy", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}`, Trust, ""},
		{"trust without principal", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}}`, Trust, "Missing required field Principal"},
		{"trust with resource", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}}`, Trust, "Has prohibited field Resource"},
		{"invalid principal", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"alice"},"Action":"sts:AssumeRole"}}`, Trust, `Invalid principal in policy: "AWS":"alice"`},
		{"principal type", `{"Statement":{"Effect":"Allow","Principal":{"Bogus":"x"},"Action":"sts:AssumeRole"}}`, Trust, `Invalid principal in policy: {"Bogus":"x"}`},
		{"principal account and role", `{"Statement":{"Effect":"Allow","Principal":{"AWS":["123456789012","arn:aws:iam::123456789012:role/r","arn:aws:sts::123456789012:assumed-role/r/s"]},"Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:123456789012:q"}}`, Resource, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.doc, tt.kind)
			var got string
			if err != nil {
				var se *SyntaxError
				if !errors.As(err, &se) {
					t.Fatalf("error %v is not a *SyntaxError", err)
				}
				got = se.Message
			}
			if got != tt.want {
				t.Errorf("Parse error = %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::${aws:username}/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}`, 0)
	f.Add(`{"Statement":[{"Effect":"Deny","Principal":{"AWS":"*"},"NotAction":"sts:*"}]}`, 2)
	f.Fuzz(func(t *testing.T, doc string, kind int) {
		k := Kind(uint(kind) % 3)
		d, err := Parse(doc, k)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Message == "" {
				t.Fatalf("error %v is not a SyntaxError with a message", err)
			}
			return
		}
		if len(d.Statements) == 0 {
			t.Fatalf("accepted a document without statements")
		}
		ctx := Context{}
		ctx.Set("aws:username", "alice")
		r := &Request{Caller: Caller{ARN: "arn:aws:iam::123456789012:user/alice", Account: "123456789012"}, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: ctx}
		d.Effects(r, k != Identity)
	})
}

func TestCacheParsesOnce(t *testing.T) {
	var c Cache
	text := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"*"}]}`
	a, err := c.Parse(text, Resource)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := c.Parse(text, Resource); b != a {
		t.Error("the same document was parsed twice")
	}
	if _, err := c.Parse(text, Identity); err == nil {
		t.Error("a resource policy parsed as an identity policy")
	}
}
