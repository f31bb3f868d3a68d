package pattern

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// node is a JSON pattern's expression tree.
type node interface{ eval(doc any) bool }

type (
	andNode struct{ l, r node }
	orNode  struct{ l, r node }
	// cmpNode compares the value at sel with a string (which may hold "*"
	// wildcards) or a number.
	cmpNode struct {
		sel    []step
		op     string
		str    string
		num    float64
		number bool
	}
	// testNode is "IS NULL", "IS TRUE", "IS FALSE" or "NOT EXISTS".
	testNode struct {
		sel  []step
		test string
	}
)

// step is one part of a selector: a field name, or an array index.
type step struct {
	field string
	index int // -1 for a field
}

func (n andNode) eval(doc any) bool { return n.l.eval(doc) && n.r.eval(doc) }
func (n orNode) eval(doc any) bool  { return n.l.eval(doc) || n.r.eval(doc) }

func (n testNode) eval(doc any) bool {
	v, ok := selectValue(doc, n.sel)
	switch n.test {
	case "NOT EXISTS":
		return !ok
	case "IS NULL":
		return ok && v == nil
	case "IS TRUE":
		return ok && v == true
	case "IS FALSE":
		return ok && v == false
	}
	return false
}

func (n cmpNode) eval(doc any) bool {
	v, ok := selectValue(doc, n.sel)
	if !ok {
		return false
	}
	if n.number {
		f, ok := number(v)
		if !ok {
			return false
		}
		switch n.op {
		case "=":
			return f == n.num
		case "!=":
			return f != n.num
		case "<":
			return f < n.num
		case "<=":
			return f <= n.num
		case ">":
			return f > n.num
		case ">=":
			return f >= n.num
		}
		return false
	}
	var s string
	switch t := v.(type) {
	case string:
		s = t
	case json.Number:
		s = t.String()
	case bool:
		s = strconv.FormatBool(t)
	default:
		return false
	}
	eq := wildcard(n.str, s)
	if n.op == "!=" {
		return !eq
	}
	return eq
}

// wildcard reports whether s matches pattern, in which "*" stands for
// any run of characters and nothing else is special.
func wildcard(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return s == pattern
	}
	first, last := parts[0], parts[len(parts)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	s = s[len(first) : len(s)-len(last)]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}

func number(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

func selectValue(doc any, sel []step) (any, bool) {
	v := doc
	for _, s := range sel {
		if s.index >= 0 {
			a, ok := v.([]any)
			if !ok || s.index >= len(a) {
				return nil, false
			}
			v = a[s.index]
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[s.field]; !ok {
			return nil, false
		}
	}
	return v, true
}

// matchJSON evaluates n on message, or on the JSON object that ends it
// (as in the "<time>\t<request id>\t<level>\t{...}" lines of managed
// runtimes). A message with no JSON object matches no JSON pattern.
func matchJSON(n node, message string) bool {
	doc, ok := decodeObject(message)
	if !ok {
		if i := strings.IndexByte(message, '{'); i > 0 {
			doc, ok = decodeObject(message[i:])
		}
	}
	return ok && n.eval(doc)
}

func decodeObject(s string) (any, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "{") {
		return nil, false
	}
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var doc map[string]any
	if err := d.Decode(&doc); err != nil || d.More() {
		return nil, false
	}
	return doc, true
}

// parseJSON parses "{ expression }".
func parseJSON(s string) (node, error) {
	if !strings.HasSuffix(s, "}") {
		return nil, fmt.Errorf("%w: a JSON pattern must end with }", ErrSyntax)
	}
	toks, err := lex(s[1 : len(s)-1])
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, fmt.Errorf("%w: unexpected %q", ErrSyntax, p.toks[p.i].text)
	}
	return n, nil
}
