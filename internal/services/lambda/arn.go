package lambda

import (
	"regexp"
	"strings"
)

// Scope is the account and region a request acts in; every ARN carries it.
type Scope struct {
	Account string
	Region  string
}

// FunctionARN is the unqualified ARN of the named function.
func (s Scope) FunctionARN(name string) string {
	return "arn:aws:lambda:" + s.Region + ":" + s.Account + ":function:" + name
}

// QualifiedARN is the ARN of a version or alias ("" gives the unqualified ARN).
func (s Scope) QualifiedARN(name, qualifier string) string {
	if qualifier == "" {
		return s.FunctionARN(name)
	}
	return s.FunctionARN(name) + ":" + qualifier
}

// Of is the scope a function reference acts in: its own account and region
// where it names them (an ARN does), else s's.
func (s Scope) Of(ref FunctionRef) Scope {
	if ref.Account != "" {
		s.Account = ref.Account
	}
	if ref.Region != "" {
		s.Region = ref.Region
	}
	return s
}

// functionRefPattern is the pattern AWS applies to FunctionName parameters; it
// is quoted in validation messages.
const functionRefPattern = `(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`

var functionRefRE = regexp.MustCompile(`^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$`)

// FunctionRef is a parsed FunctionName parameter: a name, a name with a
// qualifier, or a full or partial ARN.
type FunctionRef struct {
	Name      string
	Qualifier string
	Account   string
	Region    string
}

// ParseFunctionRef parses a FunctionName parameter. maxLen is the operation's
// length limit for the whole parameter (140 or 256); a bare name is limited
// to 64 characters as in AWS.
func ParseFunctionRef(s string, maxLen int) (FunctionRef, error) {
	// A bare name, what most callers send, needs no regular expression.
	if len(s) <= min(64, maxLen) && isName(s) {
		return FunctionRef{Name: s}, nil
	}
	var v Validator
	v.Length("functionName", s, 1, maxLen)
	m := functionRefRE.FindStringSubmatch(s)
	if m == nil {
		v.Fail(s, "functionName", "Member must satisfy regular expression pattern: "+functionRefPattern)
		return FunctionRef{}, v.Err()
	}
	if err := v.Err(); err != nil {
		return FunctionRef{}, err
	}
	ref := FunctionRef{
		Name:      m[10],
		Qualifier: m[12],
		Account:   strings.TrimSuffix(m[8], ":"),
		Region:    strings.TrimSuffix(m[3], ":"),
	}
	v.Length("functionName", ref.Name, 1, 64)
	return ref, v.Err()
}

// isName reports whether s is a function's name: [a-zA-Z0-9-_]+.
func isName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return s != ""
}

// WithQualifier merges an explicit ?Qualifier with one carried by the name.
func (r FunctionRef) WithQualifier(q string) (FunctionRef, error) {
	if q == "" {
		return r, nil
	}
	if err := ValidateQualifier(q); err != nil {
		return r, err
	}
	if r.Qualifier != "" && r.Qualifier != q {
		return r, Errorf(ErrInvalidParameterValue, "The derived qualifier from the function name does not match the specified qualifier.")
	}
	r.Qualifier = q
	return r, nil
}

var qualifierRE = regexp.MustCompile(`^(\$LATEST|[a-zA-Z0-9-_]+)$`)

// ValidateQualifier checks a ?Qualifier value.
func ValidateQualifier(q string) error {
	var v Validator
	v.Length("qualifier", q, 1, 128)
	if !qualifierRE.MatchString(q) {
		v.Fail(q, "qualifier", `Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)`)
	}
	return v.Err()
}

// IsVersion reports whether a qualifier names a version ($LATEST or a number)
// rather than an alias.
func IsVersion(q string) bool {
	if q == Latest {
		return true
	}
	if q == "" {
		return false
	}
	for _, c := range q {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
