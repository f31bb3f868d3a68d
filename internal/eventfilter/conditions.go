package eventfilter

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// condition is one element of a pattern's array.
type condition interface{ match(v any) bool }

type exact struct{ v any } // string, float64, bool or nil

func (c exact) match(v any) bool {
	switch want := c.v.(type) {
	case float64:
		f, ok := number(v)
		return ok && f == want
	default:
		return v == want
	}
}

type prefixCond struct {
	s          string
	ignoreCase bool
}

func (c prefixCond) match(v any) bool {
	s, ok := stringOf(v)
	if c.ignoreCase {
		return ok && strings.HasPrefix(lower(s), lower(c.s))
	}
	return ok && strings.HasPrefix(s, c.s)
}

type suffixCond struct {
	s          string
	ignoreCase bool
}

func (c suffixCond) match(v any) bool {
	s, ok := stringOf(v)
	if c.ignoreCase {
		return ok && strings.HasSuffix(lower(s), lower(c.s))
	}
	return ok && strings.HasSuffix(s, c.s)
}

type ignoreCase string

func (c ignoreCase) match(v any) bool {
	s, ok := stringOf(v)
	return ok && strings.EqualFold(s, string(c))
}

type wildcard string

func (c wildcard) match(v any) bool {
	s, ok := stringOf(v)
	return ok && globMatch(string(c), s)
}

// globMatch matches * against any run of characters.
func globMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

type existsCond bool

func (existsCond) match(any) bool { return false } // handled by matchConds

// anythingBut matches any value none of its conditions match.
type anythingBut []condition

func (c anythingBut) match(v any) bool {
	for _, x := range c {
		if x.match(v) {
			return false
		}
	}
	return true
}

type numeric []numCmp

type numCmp struct {
	op string
	n  float64
}

func (c numeric) match(v any) bool {
	f, ok := number(v)
	if !ok {
		return false
	}
	for _, cmp := range c {
		var ok bool
		switch cmp.op {
		case "=":
			ok = f == cmp.n
		case "<":
			ok = f < cmp.n
		case "<=":
			ok = f <= cmp.n
		case ">":
			ok = f > cmp.n
		case ">=":
			ok = f >= cmp.n
		}
		if !ok {
			return false
		}
	}
	return true
}

// number reads a numeric event value.
func number(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case int:
		return float64(v), true
	}
	return 0, false
}

func literal(v any) (any, error) {
	switch v := v.(type) {
	case string, bool, nil:
		return v, nil
	case json.Number:
		f, err := v.Float64()
		if err != nil || math.IsInf(f, 0) {
			return nil, fmt.Errorf("bad number %s", v)
		}
		return f, nil
	}
	return nil, fmt.Errorf("unsupported value %v", v)
}

func compileCondition(c any) (condition, error) {
	obj, ok := c.(map[string]any)
	if !ok {
		v, err := literal(c)
		return exact{v}, err
	}
	k, v, err := keyOf(obj)
	if err != nil {
		return nil, err
	}
	switch k {
	case "prefix", "suffix":
		s, ic, err := stringArg(k, v)
		if err != nil {
			return nil, err
		}
		if k == "prefix" {
			return prefixCond{s, ic}, nil
		}
		return suffixCond{s, ic}, nil
	case "equals-ignore-case":
		s, ok := v.(string)
		if !ok {
			return nil, errors.New("equals-ignore-case takes a string")
		}
		return ignoreCase(s), nil
	case "wildcard":
		s, ok := v.(string)
		if !ok {
			return nil, errors.New("wildcard takes a string")
		}
		return wildcard(s), nil
	case "exists":
		b, ok := v.(bool)
		if !ok {
			return nil, errors.New("exists takes true or false")
		}
		return existsCond(b), nil
	case "anything-but":
		return compileAnythingBut(v)
	case "numeric":
		return compileNumeric(v)
	}
	return nil, fmt.Errorf("unrecognized match type %s", k)
}

// stringArg reads the argument of prefix or suffix: a string, or
// {"equals-ignore-case": string}.
func stringArg(k string, v any) (string, bool, error) {
	if s, ok := v.(string); ok {
		return s, false, nil
	}
	if m, ok := v.(map[string]any); ok {
		if s, ok := m["equals-ignore-case"].(string); ok && len(m) == 1 {
			return s, true, nil
		}
	}
	return "", false, fmt.Errorf("%s takes a string", k)
}

func compileAnythingBut(v any) (condition, error) {
	switch v := v.(type) {
	case []any:
		var out anythingBut
		for _, x := range v {
			lit, err := literal(x)
			if err != nil {
				return nil, err
			}
			out = append(out, exact{lit})
		}
		return out, nil
	case map[string]any:
		c, err := compileCondition(v)
		if err != nil {
			return nil, fmt.Errorf("anything-but: %w", err)
		}
		return anythingBut{c}, nil
	default:
		lit, err := literal(v)
		if err != nil {
			return nil, err
		}
		return anythingBut{exact{lit}}, nil
	}
}

func compileNumeric(v any) (condition, error) {
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 || len(arr)%2 != 0 || len(arr) > 4 {
		return nil, errors.New("numeric takes one or two operator and number pairs")
	}
	var out numeric
	for i := 0; i < len(arr); i += 2 {
		op, _ := arr[i].(string)
		switch op {
		case "=", "<", "<=", ">", ">=":
		default:
			return nil, fmt.Errorf("unrecognized numeric operator %v", arr[i])
		}
		f, ok := number(arr[i+1])
		if !ok {
			if s, isStr := arr[i+1].(string); isStr {
				if g, err := strconv.ParseFloat(s, 64); err == nil {
					f, ok = g, true
				}
			}
		}
		if !ok {
			return nil, fmt.Errorf("numeric operand %v is not a number", arr[i+1])
		}
		out = append(out, numCmp{op, f})
	}
	return out, nil
}
