package asl

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/services/sfn/intrinsic"
	"github.com/nubo-dev/nubo/internal/services/sfn/jsonpath"
)

// Vars looks up workflow variables visible to a state.
type Vars interface {
	Lookup(name string) (any, bool)
}

// VarMap is a Vars of one map.
type VarMap map[string]any

// Lookup implements Vars.
func (m VarMap) Lookup(name string) (any, bool) {
	v, ok := m[name]
	return v, ok
}

// Scope is what expressions of a state can see: the data ($ in JSONPath,
// $states.input in JSONata), the context object, the variables and, after
// a task, its result or error.
type Scope struct {
	Input   any
	Context any
	Vars    Vars
	// Result is $states.result in JSONata (and $ of JSONPath's Assign).
	Result    any
	HasResult bool
	// ErrorOutput is $states.errorOutput in a Catch.
	ErrorOutput    any
	HasErrorOutput bool
	// Now is the clock of $now() and $millis(); time.Now when nil.
	Now func() time.Time
}

func (s *Scope) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// withInput returns a copy of the scope whose $ is v.
func (s *Scope) withInput(v any) *Scope {
	c := *s
	c.Input = v
	return &c
}

// ParseRef parses a path of the input ($...), the context object ($$...)
// or a variable ($name...).
func ParseRef(src string) (*Ref, error) {
	if !strings.HasPrefix(src, "$") {
		return nil, fmt.Errorf("a path must start with $")
	}
	r := &Ref{Src: src}
	switch {
	case strings.HasPrefix(src, "$$"):
		r.Root = RootContext
	case len(src) > 1 && src[1] != '.' && src[1] != '[':
		r.Root = RootVar
		end := 1
		for end < len(src) && src[end] != '.' && src[end] != '[' {
			end++
		}
		r.Var = src[1:end]
		if !validVarName(r.Var) {
			return nil, fmt.Errorf("invalid variable name %q", r.Var)
		}
	}
	p, err := jsonpath.Parse(intrinsic.RootOf(src))
	if err != nil {
		return nil, err
	}
	r.Path = p
	return r, nil
}

func validVarName(name string) bool {
	if name == "" || len(name) > 80 {
		return false
	}
	for i, c := range name {
		letter := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c > 127
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// errUndefinedVar is a reference to a variable that is not set.
var errUndefinedVar = errors.New("undefined variable")

// doc returns the document the ref's root names.
func (r *Ref) doc(s *Scope) (any, error) {
	switch r.Root {
	case RootContext:
		return s.Context, nil
	case RootVar:
		if s.Vars != nil {
			if v, ok := s.Vars.Lookup(r.Var); ok {
				return v, nil
			}
		}
		return nil, fmt.Errorf("%w: %s", errUndefinedVar, r.Var)
	}
	return s.Input, nil
}

// Get evaluates the ref in a scope.
func (r *Ref) Get(s *Scope) (any, error) {
	doc, err := r.doc(s)
	if err != nil {
		return nil, err
	}
	return r.Path.Get(doc)
}

// getInvalidPath evaluates an InputPath-like ref, failing as AWS does
// ("Invalid path '$.x' : No results for path: $['x']").
func (r *Ref) getInvalidPath(s *Scope) (any, error) {
	v, err := r.Get(s)
	if err != nil {
		return nil, Failf(ErrRuntime, "Invalid path '%s' : %s", r.Src, err.Error())
	}
	return v, nil
}

// compact renders a value as compact JSON, as causes quote it.
func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// numberOf reads a JSON number.
func numberOf(v any) (float64, bool) { return jsonpath.Number(v) }
