package lambda_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nubo-dev/nubo/internal/services/lambda"
)

func TestParseFunctionRef(t *testing.T) {
	tests := []struct {
		in      string
		want    lambda.FunctionRef
		wantErr error
	}{
		{"my-function", lambda.FunctionRef{Name: "my-function"}, nil},
		{"my_function:live", lambda.FunctionRef{Name: "my_function", Qualifier: "live"}, nil},
		{"fn:$LATEST", lambda.FunctionRef{Name: "fn", Qualifier: "$LATEST"}, nil},
		{"fn:12", lambda.FunctionRef{Name: "fn", Qualifier: "12"}, nil},
		{"arn:aws:lambda:eu-west-1:123456789012:function:fn", lambda.FunctionRef{Name: "fn", Account: "123456789012", Region: "eu-west-1"}, nil},
		{"arn:aws:lambda:us-gov-west-1:123456789012:function:fn:3", lambda.FunctionRef{Name: "fn", Qualifier: "3", Account: "123456789012", Region: "us-gov-west-1"}, nil},
		{"123456789012:function:fn", lambda.FunctionRef{Name: "fn", Account: "123456789012"}, nil},
		{strings.Repeat("a", 64), lambda.FunctionRef{Name: strings.Repeat("a", 64)}, nil},
		{strings.Repeat("a", 65), lambda.FunctionRef{}, lambda.ErrValidation},
		{"", lambda.FunctionRef{}, lambda.ErrValidation},
		{"has space", lambda.FunctionRef{}, lambda.ErrValidation},
		{"fn:a:b", lambda.FunctionRef{}, lambda.ErrValidation},
		{"arn:aws:s3:::bucket", lambda.FunctionRef{}, lambda.ErrValidation},
		{"fn/../../x", lambda.FunctionRef{}, lambda.ErrValidation},
	}
	for _, tt := range tests {
		got, err := lambda.ParseFunctionRef(tt.in, 140)
		if !errors.Is(err, tt.wantErr) || err == nil && got != tt.want {
			t.Errorf("ParseFunctionRef(%q): got %+v, %v; want %+v, %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestWithQualifier(t *testing.T) {
	tests := []struct {
		name, qualifier string
		want            string
		wantErr         error
	}{
		{"fn", "", "", nil},
		{"fn", "live", "live", nil},
		{"fn:live", "", "live", nil},
		{"fn:live", "live", "live", nil},
		{"fn:live", "1", "", lambda.ErrInvalidParameterValue},
		{"fn", "bad qualifier", "", lambda.ErrValidation},
	}
	for _, tt := range tests {
		ref, err := lambda.ParseFunctionRef(tt.name, 140)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ref.WithQualifier(tt.qualifier)
		if !errors.Is(err, tt.wantErr) || err == nil && got.Qualifier != tt.want {
			t.Errorf("%q with qualifier %q: got %q, %v; want %q, %v", tt.name, tt.qualifier, got.Qualifier, err, tt.want, tt.wantErr)
		}
	}
}

var (
	nameRE      = regexp.MustCompile(`^[a-zA-Z0-9-_]{1,64}$`)
	qualifierRE = regexp.MustCompile(`^(\$LATEST|[a-zA-Z0-9-_]+)$`)
)

func FuzzParseFunctionRef(f *testing.F) {
	for _, s := range []string{
		"fn", "fn:1", "fn:$LATEST", "arn:aws:lambda:us-east-1:000000000000:function:fn:live",
		"000000000000:function:fn", "arn:aws-cn:lambda:cn-north-1:000000000000:function:x",
		"arn:aws:lambda:us-isob-east-1:000000000000:function:x", "::::", "function:", strings.Repeat("n", 70),
	} {
		f.Add(s, 140, "")
	}
	f.Add("fn", 64, "live")
	f.Add("fn:live", 256, "1")
	f.Fuzz(func(t *testing.T, s string, maxLen int, qualifier string) {
		ref, err := lambda.ParseFunctionRef(s, maxLen)
		if err != nil {
			if !errors.Is(err, lambda.ErrValidation) {
				t.Fatalf("ParseFunctionRef(%q): unclassified error %v", s, err)
			}
			return
		}
		if !nameRE.MatchString(ref.Name) {
			t.Errorf("ParseFunctionRef(%q): accepted the name %q", s, ref.Name)
		}
		if n := utf8.RuneCountInString(s); n > maxLen || n == 0 {
			t.Errorf("ParseFunctionRef(%q, %d): accepted %d characters", s, maxLen, n)
		}
		if ref.Qualifier != "" && !qualifierRE.MatchString(ref.Qualifier) {
			t.Errorf("ParseFunctionRef(%q): accepted the qualifier %q", s, ref.Qualifier)
		}
		if !strings.Contains(s, ref.Name) || !strings.HasSuffix(s, ref.Name+":"+ref.Qualifier) && ref.Qualifier != "" {
			t.Errorf("ParseFunctionRef(%q): name %q and qualifier %q are not what it says", s, ref.Name, ref.Qualifier)
		}
		merged, err := ref.WithQualifier(qualifier)
		if err != nil {
			if !errors.Is(err, lambda.ErrValidation) && !errors.Is(err, lambda.ErrInvalidParameterValue) {
				t.Fatalf("WithQualifier(%q): unclassified error %v", qualifier, err)
			}
			return
		}
		if qualifier != "" && merged.Qualifier != qualifier || qualifier == "" && merged.Qualifier != ref.Qualifier {
			t.Errorf("%q with qualifier %q: got %q", s, qualifier, merged.Qualifier)
		}
	})
}

func TestScopeOf(t *testing.T) {
	home := lambda.Scope{Account: "000000000000", Region: "us-east-1"}
	tests := []struct {
		ref  lambda.FunctionRef
		want lambda.Scope
	}{
		{lambda.FunctionRef{Name: "f"}, home},
		{lambda.FunctionRef{Name: "f", Region: "eu-west-1"}, lambda.Scope{Account: "000000000000", Region: "eu-west-1"}},
		{lambda.FunctionRef{Name: "f", Account: "111111111111", Region: "eu-west-1"}, lambda.Scope{Account: "111111111111", Region: "eu-west-1"}},
	}
	for _, tt := range tests {
		if got := home.Of(tt.ref); got != tt.want {
			t.Errorf("Of(%+v) = %+v, want %+v", tt.ref, got, tt.want)
		}
	}
}
