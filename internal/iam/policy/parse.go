// Package policy is the IAM policy language: it parses policy documents
// (identity-based, resource-based and role trust policies) with IAM's
// validation messages, and evaluates requests against them as AWS's policy
// evaluation logic does (explicit deny, then allows from identity-based and
// resource-based policies, bounded by permissions boundaries and session
// policies). It has no storage and no HTTP.
package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Kind is the kind of policy a document is, which decides what it must and
// must not contain.
type Kind int

const (
	// Identity policies (managed, inline, boundaries, session policies)
	// name actions and resources, never a principal.
	Identity Kind = iota
	// Resource policies (a queue's, a function's, a bucket's) name a
	// principal.
	Resource
	// Trust policies (a role's AssumeRolePolicyDocument) name a principal
	// and no resource.
	Trust
)

// SyntaxError is a document IAM refuses; Message is IAM's wording (the
// MalformedPolicyDocument message).
type SyntaxError struct{ Message string }

func (e *SyntaxError) Error() string { return e.Message }

func syntaxErr(format string, args ...any) error {
	return &SyntaxError{Message: fmt.Sprintf(format, args...)}
}

var errSyntax = &SyntaxError{Message: "Syntax errors in policy."}

// Versions of the policy language. Policy variables exist from 2012-10-17.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Parse reads a policy document of kind k and validates it as IAM does.
func Parse(text string, k Kind) (*Document, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil || dec.More() {
		return nil, errSyntax
	}
	d := &Document{Text: text}
	var statements any
	for key, v := range raw {
		switch key {
		case "Version":
			s, ok := v.(string)
			if !ok || s != Version2012 && s != Version2008 {
				return nil, syntaxErr("The policy failed legacy parsing")
			}
			d.Version = s
		case "Id":
			s, ok := v.(string)
			if !ok {
				return nil, errSyntax
			}
			d.ID = s
		case "Statement":
			statements = v
		default:
			return nil, errSyntax
		}
	}
	list, err := objects(statements)
	if err != nil {
		return nil, err
	}
	sids := map[string]bool{}
	for _, raw := range list {
		s, err := parseStatement(raw, k)
		if err != nil {
			return nil, err
		}
		if s.Sid != "" {
			if sids[s.Sid] {
				return nil, syntaxErr("Statement IDs (SID) in a single policy must be unique.")
			}
			sids[s.Sid] = true
		}
		d.Statements = append(d.Statements, s)
	}
	return d, nil
}

// objects reads Statement: one object or a non-empty list of them.
func objects(v any) ([]map[string]any, error) {
	switch v := v.(type) {
	case map[string]any:
		return []map[string]any{v}, nil
	case []any:
		if len(v) == 0 {
			return nil, errSyntax
		}
		out := make([]map[string]any, len(v))
		for i, e := range v {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, errSyntax
			}
			out[i] = m
		}
		return out, nil
	}
	return nil, errSyntax
}

var sidPattern = regexp.MustCompile(`^[0-9A-Za-z]*$`)

func parseStatement(raw map[string]any, k Kind) (*Statement, error) {
	s := &Statement{}
	for key, v := range raw {
		var err error
		switch key {
		case "Sid":
			str, ok := v.(string)
			if !ok {
				return nil, errSyntax
			}
			if k == Identity && !sidPattern.MatchString(str) {
				return nil, syntaxErr("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*")
			}
			s.Sid = str
		case "Effect":
			str, _ := v.(string)
			if str != string(Allow) && str != string(Deny) {
				return nil, syntaxErr("Invalid effect: %v", v)
			}
			s.Effect = Effect(str)
		case "Action", "NotAction":
			err = s.setActions(key, v)
		case "Resource", "NotResource":
			err = s.setResources(key, v)
		case "Principal", "NotPrincipal":
			err = s.setPrincipal(key, v)
		case "Condition":
			s.Conditions, err = parseConditions(v)
		default:
			return nil, errSyntax
		}
		if err != nil {
			return nil, err
		}
	}
	return s, s.check(k)
}

// check enforces the fields a statement of kind k needs and refuses.
func (s *Statement) check(k Kind) error {
	switch {
	case s.Effect == "":
		return syntaxErr("Missing required field Effect")
	case s.Action == nil && s.NotAction == nil:
		return syntaxErr("Policy statement must contain actions.")
	case k == Identity && (s.Principal != nil || s.NotPrincipal != nil):
		return syntaxErr("Policy document should not specify a principal.")
	case k == Identity && s.Resource == nil && s.NotResource == nil:
		return syntaxErr("Policy statement must contain resources.")
	case k != Identity && s.Principal == nil && s.NotPrincipal == nil:
		return syntaxErr("Missing required field Principal")
	case k == Trust && (s.Resource != nil || s.NotResource != nil):
		return syntaxErr("Has prohibited field Resource")
	}
	return nil
}

// strs reads a string or a non-empty list of strings.
func strs(v any) ([]string, bool) {
	switch v := v.(type) {
	case string:
		return []string{v}, true
	case []any:
		if len(v) == 0 {
			return nil, false
		}
		out := make([]string, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

var vendorPattern = regexp.MustCompile(`^[a-zA-Z0-9-]+$`)

func (s *Statement) setActions(key string, v any) error {
	if s.Action != nil || s.NotAction != nil {
		return errSyntax
	}
	list, ok := strs(v)
	if !ok {
		return errSyntax
	}
	for _, a := range list {
		if a == "*" {
			continue
		}
		vendor, name, ok := strings.Cut(a, ":")
		switch {
		case !ok:
			return syntaxErr("Actions/Conditions must be prefixed by a valid namespace prefix.")
		case strings.Contains(name, ":"):
			return syntaxErr("Actions/Condition can contain only one colon.")
		case !vendorPattern.MatchString(vendor):
			return syntaxErr("Vendor %s is not valid", vendor)
		}
	}
	if key == "Action" {
		s.Action = list
	} else {
		s.NotAction = list
	}
	return nil
}

func (s *Statement) setResources(key string, v any) error {
	if s.Resource != nil || s.NotResource != nil {
		return errSyntax
	}
	list, ok := strs(v)
	if !ok {
		return errSyntax
	}
	for _, r := range list {
		if r != "*" && !strings.HasPrefix(r, "arn:") {
			return syntaxErr("Resource %s must be in ARN format or \"*\".", r)
		}
	}
	if key == "Resource" {
		s.Resource = list
	} else {
		s.NotResource = list
	}
	return nil
}

// compact is the JSON of v without insignificant whitespace, for messages.
func compact(v any) string {
	b, _ := json.Marshal(v)
	var out bytes.Buffer
	if json.Compact(&out, b) != nil {
		return string(b)
	}
	return out.String()
}
