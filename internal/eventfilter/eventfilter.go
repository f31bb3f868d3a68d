// Package eventfilter is the pattern language of EventBridge event
// patterns, SNS filter policies and Lambda event filtering: a JSON object
// whose leaves are lists of conditions (exact values, prefix, suffix,
// anything-but, numeric ranges, exists, equals-ignore-case, wildcard) and
// whose "$or" lists alternatives. SNS and event source mappings share it.
package eventfilter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Pattern is a compiled pattern.
type Pattern struct {
	fields map[string]*node
	or     [][]*Pattern // each "$or" key: alternatives
}

// node is what a key of a pattern holds: a nested pattern or conditions.
type node struct {
	nested *Pattern
	conds  []condition
}

// Compile parses a pattern.
func Compile(pattern []byte) (*Pattern, error) {
	dec := json.NewDecoder(bytes.NewReader(pattern))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("pattern is not valid JSON: %w", err)
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, errors.New("pattern must be a JSON object")
	}
	return compileObject(obj)
}

func compileObject(obj map[string]any) (*Pattern, error) {
	p := &Pattern{fields: map[string]*node{}}
	for k, v := range obj {
		if k == "$or" {
			alts, ok := v.([]any)
			if !ok || len(alts) < 2 {
				return nil, errors.New(`"$or" must be an array of at least two patterns`)
			}
			var or []*Pattern
			for _, a := range alts {
				ao, ok := a.(map[string]any)
				if !ok {
					return nil, errors.New(`"$or" must hold objects`)
				}
				sub, err := compileObject(ao)
				if err != nil {
					return nil, err
				}
				or = append(or, sub)
			}
			p.or = append(p.or, or)
			continue
		}
		switch v := v.(type) {
		case map[string]any:
			sub, err := compileObject(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			p.fields[k] = &node{nested: sub}
		case []any:
			if len(v) == 0 {
				return nil, fmt.Errorf("%s: empty array of conditions", k)
			}
			n := &node{}
			for _, c := range v {
				cond, err := compileCondition(c)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", k, err)
				}
				n.conds = append(n.conds, cond)
			}
			p.fields[k] = n
		default:
			return nil, fmt.Errorf("%s: match values must be in an array", k)
		}
	}
	return p, nil
}

// Match reports whether event (decoded JSON: maps, slices, strings,
// float64 or json.Number, bools, nil) matches the pattern.
func (p *Pattern) Match(event any) bool {
	obj, _ := event.(map[string]any)
	for k, n := range p.fields {
		v, present := obj[k]
		if n.nested != nil {
			if !present || !n.nested.Match(v) {
				return false
			}
			continue
		}
		if !matchConds(n.conds, v, present) {
			return false
		}
	}
	for _, alts := range p.or {
		ok := false
		for _, a := range alts {
			if a.Match(event) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// matchConds: any condition matching any of the values (an array's
// elements, or the one value) is a match.
func matchConds(conds []condition, v any, present bool) bool {
	values := []any{v}
	if arr, ok := v.([]any); ok {
		values = arr
	}
	for _, c := range conds {
		if e, ok := c.(existsCond); ok {
			if bool(e) == (present && v != nil) {
				return true
			}
			continue
		}
		if !present {
			if _, ok := c.(anythingBut); ok {
				continue // anything-but needs the key
			}
			continue
		}
		for _, x := range values {
			if c.match(x) {
				return true
			}
		}
	}
	return false
}

// MatchJSON decodes data and matches it.
func (p *Pattern) MatchJSON(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return false
	}
	return p.Match(v)
}

func keyOf(m map[string]any) (string, any, error) {
	if len(m) != 1 {
		return "", nil, errors.New("a condition object must have exactly one key")
	}
	for k, v := range m {
		return k, v, nil
	}
	return "", nil, nil
}

// stringOf renders a scalar event value as a string (for string matching).
func stringOf(v any) (string, bool) {
	s, ok := v.(string)
	return s, ok
}

func lower(s string) string { return strings.ToLower(s) }
