package jsonpath

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// NotFoundError is a definite path that selects nothing. Its message is
// Jayway's ("No results for path: $['a']", "Missing property in path
// $['a']"), which Step Functions quotes in its States.Runtime causes.
type NotFoundError struct{ Msg string }

func (e *NotFoundError) Error() string { return e.Msg }

// ErrNotFound matches every NotFoundError with errors.Is.
var ErrNotFound = errors.New("jsonpath: no results")

// Is lets errors.Is(err, ErrNotFound) match.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// Get evaluates the path on doc. A definite path returns the value it
// selects or a *NotFoundError; an indefinite one returns a []any of every
// match, empty when nothing matches.
func (p *Path) Get(doc any) (any, error) {
	if p.Definite() {
		v, err := p.getDefinite(doc)
		if err != nil {
			return nil, err
		}
		return p.apply(v)
	}
	nodes := []any{doc}
	for _, s := range p.segs {
		nodes = s.step(nodes, doc)
	}
	if nodes == nil {
		nodes = []any{}
	}
	return p.apply(nodes)
}

func (p *Path) getDefinite(doc any) (any, error) {
	cur := doc
	var norm strings.Builder
	norm.WriteString("$")
	for i, s := range p.segs {
		last := i == len(p.segs)-1
		var ok bool
		if s.kind == segNames {
			name := s.names[0]
			obj, isObj := cur.(map[string]any)
			if !isObj {
				return nil, &NotFoundError{fmt.Sprintf("Expected to find an object with property ['%s'] in path %s but found '%s'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider'.", name, norm.String(), javaType(cur))}
			}
			fmt.Fprintf(&norm, "['%s']", name)
			cur, ok = obj[name]
		} else {
			arr, isArr := cur.([]any)
			idx := s.indexes[0]
			fmt.Fprintf(&norm, "[%d]", idx)
			if isArr {
				if idx < 0 {
					idx += len(arr)
				}
				if ok = idx >= 0 && idx < len(arr); ok {
					cur = arr[idx]
				}
			}
		}
		if !ok {
			if last {
				return nil, &NotFoundError{"No results for path: " + norm.String()}
			}
			return nil, &NotFoundError{"Missing property in path " + norm.String()}
		}
	}
	return cur, nil
}

// javaType names a value's type as the Java implementation does in its
// messages.
func javaType(v any) string {
	switch v.(type) {
	case string:
		return "java.lang.String"
	case bool:
		return "java.lang.Boolean"
	case []any:
		return "java.util.ArrayList"
	case nil:
		return "null"
	}
	if f, ok := Number(v); ok && f == math.Trunc(f) {
		return "java.lang.Integer"
	}
	return "java.lang.Double"
}

// step applies one segment to every node, in document order.
func (s segment) step(nodes []any, root any) []any {
	var out []any
	for _, n := range nodes {
		if s.deep {
			out = s.deepScan(n, root, out)
			continue
		}
		out = s.match(n, root, out)
	}
	return out
}

// deepScan applies the segment to n and to every node below it, parents
// first.
func (s segment) deepScan(n, root any, out []any) []any {
	out = s.match(n, root, out)
	switch v := n.(type) {
	case map[string]any:
		for _, k := range sortedKeys(v) {
			out = s.deepScan(v[k], root, out)
		}
	case []any:
		for _, x := range v {
			out = s.deepScan(x, root, out)
		}
	}
	return out
}

func (s segment) match(n, root any, out []any) []any {
	switch s.kind {
	case segNames:
		if obj, ok := n.(map[string]any); ok {
			for _, name := range s.names {
				if v, ok := obj[name]; ok {
					out = append(out, v)
				}
			}
		}
	case segIndexes:
		if arr, ok := n.([]any); ok {
			for _, i := range s.indexes {
				if i < 0 {
					i += len(arr)
				}
				if i >= 0 && i < len(arr) {
					out = append(out, arr[i])
				}
			}
		}
	case segWildcard:
		switch v := n.(type) {
		case map[string]any:
			for _, k := range sortedKeys(v) {
				out = append(out, v[k])
			}
		case []any:
			out = append(out, v...)
		}
	case segSlice:
		if arr, ok := n.([]any); ok {
			from, to := sliceBounds(s.from, s.to, len(arr))
			if from < to {
				out = append(out, arr[from:to]...)
			}
		}
	case segFilter:
		out = s.filterMatch(n, root, out)
	}
	return out
}

func (s segment) filterMatch(n, root any, out []any) []any {
	switch v := n.(type) {
	case []any:
		for _, x := range v {
			if truthy(s.filter.eval(x, root)) {
				out = append(out, x)
			}
		}
	case map[string]any:
		if truthy(s.filter.eval(v, root)) {
			out = append(out, v)
		}
	}
	return out
}

func sliceBounds(from, to *int, n int) (int, int) {
	f, t := 0, n
	if from != nil {
		f = *from
		if f < 0 {
			f = max(n+f, 0)
		}
	}
	if to != nil {
		t = *to
		if t < 0 {
			t = n + t
		}
	}
	return min(f, n), min(max(t, 0), n)
}

// sortedKeys orders an object's keys: Go maps keep no order, and a stable
// one keeps results repeatable.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// apply runs the trailing function, if any.
func (p *Path) apply(v any) (any, error) {
	if p.fn == "" {
		return v, nil
	}
	switch p.fn {
	case "length", "size":
		switch x := v.(type) {
		case []any:
			return len(x), nil
		case map[string]any:
			return len(x), nil
		case string:
			return len([]rune(x)), nil
		}
	case "keys":
		if m, ok := v.(map[string]any); ok {
			keys := []any{}
			for _, k := range sortedKeys(m) {
				keys = append(keys, k)
			}
			return keys, nil
		}
	case "first", "last":
		if arr, ok := v.([]any); ok && len(arr) > 0 {
			if p.fn == "first" {
				return arr[0], nil
			}
			return arr[len(arr)-1], nil
		}
	default:
		return numeric(p.fn, v)
	}
	return nil, fmt.Errorf("function %s() cannot be applied to %s", p.fn, javaType(v))
}

func numeric(fn string, v any) (any, error) {
	arr, _ := v.([]any)
	var nums []float64
	for _, x := range arr {
		if f, ok := Number(x); ok {
			nums = append(nums, f)
		}
	}
	if len(nums) == 0 {
		return nil, fmt.Errorf("aggregation function attempted to calculate value using empty array")
	}
	sum, lo, hi := 0.0, math.Inf(1), math.Inf(-1)
	for _, f := range nums {
		sum += f
		lo, hi = math.Min(lo, f), math.Max(hi, f)
	}
	mean := sum / float64(len(nums))
	switch fn {
	case "sum":
		return sum, nil
	case "min":
		return lo, nil
	case "max":
		return hi, nil
	case "avg":
		return mean, nil
	}
	sq := 0.0
	for _, f := range nums {
		sq += (f - mean) * (f - mean)
	}
	return math.Sqrt(sq / float64(len(nums))), nil
}

// Set returns doc with v written where the reference path points, creating
// the objects on the way that do not exist. It copies what it changes and
// never modifies doc.
func (p *Path) Set(doc, v any) (any, error) {
	if !p.Reference() {
		return nil, fmt.Errorf("%s is not a reference path", p.src)
	}
	return setAt(doc, p.segs, v, "$")
}

func setAt(cur any, segs []segment, v any, at string) (any, error) {
	if len(segs) == 0 {
		return v, nil
	}
	s := segs[0]
	if s.kind == segIndexes {
		arr, ok := cur.([]any)
		i := s.indexes[0]
		if i < 0 && ok {
			i += len(arr)
		}
		if !ok || i < 0 || i >= len(arr) {
			return nil, fmt.Errorf("no array element at %s[%d]", at, s.indexes[0])
		}
		child, err := setAt(arr[i], segs[1:], v, at+"["+strconv.Itoa(i)+"]")
		if err != nil {
			return nil, err
		}
		out := append([]any(nil), arr...)
		out[i] = child
		return out, nil
	}
	name := s.names[0]
	obj, ok := cur.(map[string]any)
	if !ok && cur != nil {
		return nil, fmt.Errorf("%s is not an object", at)
	}
	child, err := setAt(obj[name], segs[1:], v, at+"['"+name+"']")
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(obj)+1)
	for k, x := range obj {
		out[k] = x
	}
	out[name] = child
	return out, nil
}
