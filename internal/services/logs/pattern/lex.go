package pattern

import (
	"fmt"
	"strconv"
	"strings"
)

// token is a lexeme of a JSON pattern: an operator, a parenthesis, a
// selector ("$.a.b[0]"), a quoted string, or a bare word (a number, an
// unquoted string, IS, NULL, ...).
type token struct {
	kind byte // 'o' operator, '(' , ')', '$' selector, '"' string, 'w' word
	text string
}

var operators = []string{"&&", "||", "!=", "<=", ">=", "=", "<", ">"}

func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c == '(' || c == ')':
			toks = append(toks, token{kind: c, text: string(c)})
			i++
			continue
		case c == '"':
			q, n, err := quoted(s[i:])
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: '"', text: q})
			i += n
			continue
		}
		if op := operatorAt(s[i:]); op != "" {
			toks = append(toks, token{kind: 'o', text: op})
			i += len(op)
			continue
		}
		j := i
		for j < len(s) && !strings.ContainsRune(" \t\n\r()\"", rune(s[j])) && operatorAt(s[j:]) == "" {
			j++
		}
		if j == i {
			return nil, fmt.Errorf("%w: unexpected %q", ErrSyntax, s[i:])
		}
		kind := byte('w')
		if c == '$' {
			kind = '$'
		}
		toks = append(toks, token{kind: kind, text: s[i:j]})
		i = j
	}
	return toks, nil
}

func operatorAt(s string) string {
	for _, op := range operators {
		if strings.HasPrefix(s, op) {
			return op
		}
	}
	return ""
}

type parser struct {
	toks []token
	i    int
}

func (p *parser) peek() (token, bool) {
	if p.i < len(p.toks) {
		return p.toks[p.i], true
	}
	return token{}, false
}

func (p *parser) next() (token, error) {
	t, ok := p.peek()
	if !ok {
		return t, fmt.Errorf("%w: the pattern ends too soon", ErrSyntax)
	}
	p.i++
	return t, nil
}

func (p *parser) or() (node, error) {
	return p.binary("||", p.and, func(l, r node) node { return orNode{l, r} })
}

func (p *parser) and() (node, error) {
	return p.binary("&&", p.unary, func(l, r node) node { return andNode{l, r} })
}

// binary parses operands (of the next tighter level) joined by op, left
// to right.
func (p *parser) binary(op string, operand func() (node, error), join func(l, r node) node) (node, error) {
	l, err := operand()
	if err != nil {
		return nil, err
	}
	for t, ok := p.peek(); ok && t.kind == 'o' && t.text == op; t, ok = p.peek() {
		p.i++
		r, err := operand()
		if err != nil {
			return nil, err
		}
		l = join(l, r)
	}
	return l, nil
}

func (p *parser) unary() (node, error) {
	t, err := p.next()
	if err != nil {
		return nil, err
	}
	switch t.kind {
	case '(':
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if t, err := p.next(); err != nil || t.kind != ')' {
			return nil, fmt.Errorf("%w: a ( is not closed", ErrSyntax)
		}
		return n, nil
	case '$':
		return p.condition(t.text)
	}
	return nil, fmt.Errorf("%w: expected a selector such as $.field, got %q", ErrSyntax, t.text)
}

// condition parses what follows a selector.
func (p *parser) condition(selector string) (node, error) {
	sel, err := parseSelector(selector)
	if err != nil {
		return nil, err
	}
	t, err := p.next()
	if err != nil {
		return nil, err
	}
	switch {
	case t.kind == 'w' && strings.EqualFold(t.text, "IS"):
		v, err := p.next()
		if err != nil {
			return nil, err
		}
		test := "IS " + strings.ToUpper(v.text)
		if v.kind != 'w' || test != "IS NULL" && test != "IS TRUE" && test != "IS FALSE" {
			return nil, fmt.Errorf("%w: IS must be followed by NULL, TRUE or FALSE", ErrSyntax)
		}
		return testNode{sel, test}, nil
	case t.kind == 'w' && strings.EqualFold(t.text, "NOT"):
		if v, err := p.next(); err != nil || !strings.EqualFold(v.text, "EXISTS") {
			return nil, fmt.Errorf("%w: NOT must be followed by EXISTS", ErrSyntax)
		}
		return testNode{sel, "NOT EXISTS"}, nil
	case t.kind != 'o' || t.text == "&&" || t.text == "||":
		return nil, fmt.Errorf("%w: expected a comparison after %s", ErrSyntax, selector)
	}
	v, err := p.next()
	if err != nil {
		return nil, err
	}
	n := cmpNode{sel: sel, op: t.text, str: v.text}
	switch v.kind {
	case '"':
	case 'w':
		if f, err := strconv.ParseFloat(v.text, 64); err == nil {
			n.num, n.number = f, true
		}
	default:
		return nil, fmt.Errorf("%w: expected a value after %s %s", ErrSyntax, selector, t.text)
	}
	if !n.number && n.op != "=" && n.op != "!=" {
		return nil, fmt.Errorf("%w: %s compares numbers only", ErrSyntax, n.op)
	}
	return n, nil
}

// parseSelector reads "$.a.b[0].c".
func parseSelector(s string) ([]step, error) {
	rest := strings.TrimPrefix(s, "$")
	var sel []step
	for rest != "" {
		switch rest[0] {
		case '.':
			j := 1
			for j < len(rest) && rest[j] != '.' && rest[j] != '[' {
				j++
			}
			if j == 1 {
				return nil, fmt.Errorf("%w: empty field name in %s", ErrSyntax, s)
			}
			sel = append(sel, step{field: rest[1:j], index: -1})
			rest = rest[j:]
		case '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("%w: unclosed [ in %s", ErrSyntax, s)
			}
			n, err := strconv.Atoi(rest[1:end])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("%w: bad array index in %s", ErrSyntax, s)
			}
			sel = append(sel, step{index: n})
			rest = rest[end+1:]
		default:
			return nil, fmt.Errorf("%w: bad selector %s", ErrSyntax, s)
		}
	}
	if len(sel) == 0 {
		return nil, fmt.Errorf("%w: the selector %s selects no field", ErrSyntax, s)
	}
	return sel, nil
}
