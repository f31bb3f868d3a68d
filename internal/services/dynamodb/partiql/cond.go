package partiql

import (
	"strings"

	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
	"github.com/nubo-dev/nubo/internal/services/dynamodb/expr"
)

func (p *parser) nest() error {
	p.depth++
	if p.depth > maxDepth {
		return malformed("Statement is nested too deeply to parse")
	}
	return nil
}

func (p *parser) or() (expr.Cond, error) {
	l, err := p.and()
	for err == nil && p.accept("OR") {
		var r expr.Cond
		if r, err = p.and(); err == nil {
			l = &expr.Or{L: l, R: r}
		}
	}
	return l, err
}

func (p *parser) and() (expr.Cond, error) {
	l, err := p.not()
	for err == nil && p.accept("AND") {
		var r expr.Cond
		if r, err = p.not(); err == nil {
			l = &expr.And{L: l, R: r}
		}
	}
	return l, err
}

func (p *parser) not() (expr.Cond, error) {
	if err := p.nest(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	if p.accept("NOT") {
		c, err := p.not()
		if err != nil {
			return nil, err
		}
		return &expr.Not{C: c}, nil
	}
	return p.primary()
}

// condFuncs are the functions that are conditions, with their operands.
var condFuncs = map[string]int{"begins_with": 2, "contains": 2, "attribute_type": 2}

func (p *parser) primary() (expr.Cond, error) {
	if p.accept("(") {
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		return c, p.expect(")")
	}
	if t := p.peek(); t.kind == kWord && p.toks[p.pos+1].text == "(" {
		if n, ok := condFuncs[strings.ToLower(t.text)]; ok {
			p.next()
			return p.condFunc(strings.ToLower(t.text), n)
		}
	}
	l, err := p.operand()
	if err != nil {
		return nil, err
	}
	switch t := p.peek(); {
	case t.kind == kPunct && comparators[t.text] != "":
		p.next()
		r, err := p.operand()
		if err != nil {
			return nil, err
		}
		return &expr.Compare{Op: comparators[t.text], L: l, R: r}, nil
	case p.accept("BETWEEN"):
		lo, err := p.operand()
		if err != nil {
			return nil, err
		}
		if err := p.expect("AND"); err != nil {
			return nil, err
		}
		hi, err := p.operand()
		return &expr.Between{V: l, Lo: lo, Hi: hi}, err
	case p.accept("IN"):
		return p.in(l)
	case p.accept("IS"):
		return p.is2(l)
	}
	return nil, p.unexpected()
}

var comparators = map[string]string{"=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

// in reads IN [a, b] or IN (a, b).
func (p *parser) in(l expr.Operand) (expr.Cond, error) {
	closing := "]"
	if p.accept("(") {
		closing = ")"
	} else if err := p.expect("["); err != nil {
		return nil, err
	}
	var list []expr.Operand
	for {
		o, err := p.operand()
		if err != nil {
			return nil, err
		}
		list = append(list, o)
		if p.accept(closing) {
			return &expr.In{V: l, List: list}, nil
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
	}
}

// is2 reads IS [NOT] MISSING and IS [NOT] NULL.
func (p *parser) is2(l expr.Operand) (expr.Cond, error) {
	neg := p.accept("NOT")
	path, ok := l.(*expr.PathOperand)
	var c expr.Cond
	switch {
	case ok && p.accept("MISSING"):
		c = &expr.Func{Name: "attribute_not_exists", Args: []expr.Operand{path}}
	case ok && p.accept("NULL"):
		c = &expr.Func{Name: "attribute_type", Args: []expr.Operand{path, &expr.ValueOperand{Value: attr.Str("NULL")}}}
	default:
		return nil, p.unexpected()
	}
	if neg {
		return &expr.Not{C: c}, nil
	}
	return c, nil
}

func (p *parser) condFunc(name string, n int) (expr.Cond, error) {
	p.next() // (
	var args []expr.Operand
	for {
		o, err := p.operand()
		if err != nil {
			return nil, err
		}
		args = append(args, o)
		if p.accept(")") {
			break
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
	}
	if len(args) != n {
		return nil, &Error{Message: "Incorrect number of operands for operator or function; operator or function: " + name + ", number of operands: " + itoa(len(args))}
	}
	if _, ok := args[0].(*expr.PathOperand); !ok {
		return nil, &Error{Message: "Operator or function requires a document path; operator or function: " + name}
	}
	return &expr.Func{Name: name, Args: args}, nil
}

// operand reads a path, a literal, a parameter or size(path).
func (p *parser) operand() (expr.Operand, error) {
	t := p.peek()
	if t.kind == kWord && strings.EqualFold(t.text, "size") && p.toks[p.pos+1].text == "(" {
		p.pos += 2
		path, err := p.path()
		if err != nil {
			return nil, err
		}
		return &expr.SizeOperand{Path: path}, p.expect(")")
	}
	if t.kind == kQuoted || t.kind == kWord && !isLiteralWord(t.text) {
		path, err := p.path()
		if err != nil {
			return nil, err
		}
		return &expr.PathOperand{Path: path}, nil
	}
	v, err := p.literal()
	if err != nil {
		return nil, err
	}
	return &expr.ValueOperand{Value: v}, nil
}

func isLiteralWord(s string) bool {
	switch strings.ToLower(s) {
	case "true", "false", "null":
		return true
	}
	return false
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
