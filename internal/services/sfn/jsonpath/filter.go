package jsonpath

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
)

// expr is a filter expression, evaluated with @ bound to the candidate and
// $ to the document.
type expr interface {
	eval(at, root any) any
}

type (
	orExpr  struct{ l, r expr }
	andExpr struct{ l, r expr }
	notExpr struct{ e expr }
	cmpExpr struct {
		op   string
		l, r expr
	}
	litExpr   struct{ v any }
	regexExpr struct{ re *regexp.Regexp }
	// pathExpr is @... or $...: its value, or missing.
	pathExpr struct{ p *Path }
)

// missing is the value of a path operand that selects nothing.
type missingT struct{}

var missing = missingT{}

func (e orExpr) eval(at, root any) any {
	return truthy(e.l.eval(at, root)) || truthy(e.r.eval(at, root))
}
func (e andExpr) eval(at, root any) any {
	return truthy(e.l.eval(at, root)) && truthy(e.r.eval(at, root))
}
func (e notExpr) eval(at, root any) any { return !truthy(e.e.eval(at, root)) }
func (e litExpr) eval(any, any) any     { return e.v }
func (e regexExpr) eval(any, any) any   { return e.re }

func (e pathExpr) eval(at, root any) any {
	doc := at
	if e.p.root == '$' {
		doc = root
	}
	v, err := e.p.Get(doc)
	if err != nil {
		return missing
	}
	return v
}

// truthy is how a filter treats a lone operand: a path is true when it
// selects something (Jayway's existence check), a boolean is itself.
func truthy(v any) bool {
	switch v := v.(type) {
	case missingT:
		return false
	case bool:
		return v
	}
	return true
}

func (e cmpExpr) eval(at, root any) any {
	l, r := e.l.eval(at, root), e.r.eval(at, root)
	if _, ok := l.(missingT); ok {
		return false
	}
	if _, ok := r.(missingT); ok {
		return false
	}
	switch e.op {
	case "==":
		return Equal(l, r)
	case "!=":
		return !Equal(l, r)
	case "=~":
		re, ok := r.(*regexp.Regexp)
		s, isStr := l.(string)
		return ok && isStr && re.MatchString(s)
	case "in", "nin":
		list, ok := r.([]any)
		found := false
		for _, x := range list {
			if Equal(l, x) {
				found = true
				break
			}
		}
		return ok && found == (e.op == "in")
	}
	return compare(e.op, l, r)
}

func compare(op string, l, r any) bool {
	if a, ok := Number(l); ok {
		b, ok := Number(r)
		if !ok {
			return false
		}
		return ordered(op, cmpFloat(a, b))
	}
	a, ok1 := l.(string)
	b, ok2 := r.(string)
	if !ok1 || !ok2 {
		return false
	}
	return ordered(op, strings.Compare(a, b))
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func ordered(op string, c int) bool {
	switch op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false
}

// Number returns v as a float64 when it is a JSON number.
func Number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// Equal compares two JSON values; numbers by value.
func Equal(a, b any) bool {
	if x, ok := Number(a); ok {
		y, ok := Number(b)
		return ok && x == y
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !Equal(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case string, bool, nil:
		return a == b
	}
	return false
}

var cmpOps = []string{"==", "!=", "<=", ">=", "=~", "<", ">", "nin", "in"}

func (p *parser) orExpr() (expr, error) {
	l, err := p.andExpr()
	if err != nil {
		return nil, err
	}
	for p.skipSpace(); strings.HasPrefix(p.src[p.pos:], "||"); p.skipSpace() {
		p.pos += 2
		r, err := p.andExpr()
		if err != nil {
			return nil, err
		}
		l = orExpr{l, r}
	}
	return l, nil
}

func (p *parser) andExpr() (expr, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.skipSpace(); strings.HasPrefix(p.src[p.pos:], "&&"); p.skipSpace() {
		p.pos += 2
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = andExpr{l, r}
	}
	return l, nil
}

func (p *parser) unary() (expr, error) {
	p.skipSpace()
	switch p.peek() {
	case '!':
		p.pos++
		e, err := p.unary()
		return notExpr{e}, err
	case '(':
		p.pos++
		e, err := p.orExpr()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.peek() != ')' {
			return nil, p.errorf("expected )")
		}
		p.pos++
		return e, nil
	}
	l, err := p.operand()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	op := p.cmpOp()
	if op == "" {
		return l, nil
	}
	p.skipSpace()
	r, err := p.operand()
	if err != nil {
		return nil, err
	}
	return cmpExpr{op: op, l: l, r: r}, nil
}

// cmpOp reads a comparison operator, or returns "".
func (p *parser) cmpOp() string {
	rest := p.src[p.pos:]
	for _, op := range cmpOps {
		if !strings.HasPrefix(rest, op) {
			continue
		}
		if op == "in" || op == "nin" {
			if len(rest) == len(op) || rest[len(op)] != ' ' && rest[len(op)] != '[' {
				continue
			}
		}
		p.pos += len(op)
		return op
	}
	return ""
}

func (p *parser) operand() (expr, error) {
	p.skipSpace()
	rest := p.src[p.pos:]
	switch c := p.peek(); {
	case c == '@' || c == '$':
		path, err := p.path()
		if err != nil {
			return nil, err
		}
		return pathExpr{path}, nil
	case c == '\'' || c == '"':
		s, err := p.quoted()
		return litExpr{s}, err
	case c == '/':
		return p.regex()
	case c == '[':
		return p.listLiteral()
	case strings.HasPrefix(rest, "true"):
		p.pos += 4
		return litExpr{true}, nil
	case strings.HasPrefix(rest, "false"):
		p.pos += 5
		return litExpr{false}, nil
	case strings.HasPrefix(rest, "null"):
		p.pos += 4
		return litExpr{nil}, nil
	}
	return p.number()
}

func (p *parser) number() (expr, error) {
	start := p.pos
	for p.pos < len(p.src) && strings.IndexByte("+-0123456789.eE", p.src[p.pos]) >= 0 {
		p.pos++
	}
	if _, err := strconv.ParseFloat(p.src[start:p.pos], 64); err != nil || start == p.pos {
		p.pos = start
		return nil, p.errorf("expected a value")
	}
	return litExpr{json.Number(p.src[start:p.pos])}, nil
}

func (p *parser) regex() (expr, error) {
	p.pos++ // /
	var b strings.Builder
	for p.pos < len(p.src) && p.src[p.pos] != '/' {
		if p.src[p.pos] == '\\' && p.pos+1 < len(p.src) && p.src[p.pos+1] == '/' {
			p.pos++
		}
		b.WriteByte(p.src[p.pos])
		p.pos++
	}
	if p.peek() != '/' {
		return nil, p.errorf("unterminated regular expression")
	}
	p.pos++
	flags := ""
	for p.pos < len(p.src) && strings.IndexByte("imsx", p.src[p.pos]) >= 0 {
		if p.src[p.pos] != 'x' {
			flags += string(p.src[p.pos])
		}
		p.pos++
	}
	src := b.String()
	if flags != "" {
		src = "(?" + flags + ")" + src
	}
	// Jayway's =~ matches the whole string, as Java's Matcher.matches does.
	re, err := regexp.Compile("^(?:" + src + ")$")
	if err != nil {
		return nil, p.errorf("bad regular expression: %v", err)
	}
	return regexExpr{re}, nil
}

func (p *parser) listLiteral() (expr, error) {
	p.pos++ // [
	var list []any
	for {
		p.skipSpace()
		if p.peek() == ']' {
			p.pos++
			return litExpr{list}, nil
		}
		e, err := p.operand()
		if err != nil {
			return nil, err
		}
		lit, ok := e.(litExpr)
		if !ok {
			return nil, p.errorf("a list holds literals only")
		}
		list = append(list, lit.v)
		p.skipSpace()
		if p.peek() == ',' {
			p.pos++
		}
	}
}
