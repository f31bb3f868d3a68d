package partiql

import (
	"strings"

	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
	"github.com/nubo-dev/nubo/internal/services/dynamodb/expr"
)

// literal reads a value: 'string', a number, true, false, null, a ?
// parameter, a list [..], a map {'name': value, ..} or a set <<..>>.
func (p *parser) literal() (attr.Value, error) {
	if err := p.nest(); err != nil {
		return attr.Value{}, err
	}
	defer func() { p.depth-- }()
	t := p.next()
	switch {
	case t.kind == kString:
		return attr.Str(t.text), nil
	case t.kind == kNumber:
		return numberValue(t.text)
	case t.kind == kPunct && t.text == "-" && p.peek().kind == kNumber:
		return numberValue("-" + p.next().text)
	case t.kind == kParam:
		if p.used >= len(p.params) {
			p.used++
			return attr.Null(), nil // counted, and refused once parsing ends
		}
		p.used++
		return p.params[p.used-1], nil
	case t.kind == kWord && strings.EqualFold(t.text, "true"), t.kind == kWord && strings.EqualFold(t.text, "false"):
		return attr.Bool(strings.EqualFold(t.text, "true")), nil
	case t.kind == kWord && strings.EqualFold(t.text, "null"):
		return attr.Null(), nil
	case t.text == "[":
		return p.list()
	case t.text == "{":
		return p.tuple()
	case t.text == "<<":
		return p.set()
	}
	p.unread(t)
	return attr.Value{}, p.unexpected()
}

func numberValue(s string) (attr.Value, error) {
	n, err := attr.ParseNumber(s)
	if err != nil {
		return attr.Value{}, &Error{Message: err.Error()}
	}
	return attr.NumberValue(n), nil
}

func (p *parser) list() (attr.Value, error) {
	out := attr.List()
	if p.accept("]") {
		return out, nil
	}
	for {
		v, err := p.literal()
		if err != nil {
			return out, err
		}
		out.L = append(out.L, v)
		if p.accept("]") {
			return out, nil
		}
		if err := p.expect(","); err != nil {
			return out, err
		}
	}
}

func (p *parser) tuple() (attr.Value, error) {
	out := attr.Map(map[string]attr.Value{})
	if p.accept("}") {
		return out, nil
	}
	for {
		k := p.next()
		if k.kind != kString && k.kind != kQuoted {
			p.unread(k)
			return out, p.unexpected()
		}
		if err := p.expect(":"); err != nil {
			return out, err
		}
		v, err := p.literal()
		if err != nil {
			return out, err
		}
		if _, dup := out.M[k.text]; dup {
			return out, &Error{Message: "Duplicate attribute name in the item: " + k.text}
		}
		out.M[k.text] = v
		if p.accept("}") {
			return out, nil
		}
		if err := p.expect(","); err != nil {
			return out, err
		}
	}
}

// set reads <<a, b>>: all strings, all numbers or all binaries.
func (p *parser) set() (attr.Value, error) {
	var out attr.Value
	for {
		v, err := p.literal()
		if err != nil {
			return out, err
		}
		st := map[attr.Type]attr.Type{attr.S: attr.SS, attr.N: attr.NS, attr.B: attr.BS}[v.T]
		if st == attr.Invalid || out.T != attr.Invalid && out.T != st {
			return out, &Error{Message: "Unsupported set element type: " + v.T.String()}
		}
		out.T = st
		if !out.Has(v.S) {
			out.Set = append(out.Set, v.S)
		}
		if p.accept(">>") {
			return out, nil
		}
		if err := p.expect(","); err != nil {
			return out, err
		}
	}
}

// setClauses reads path = value, ... of a SET clause: a value is a
// literal, a path, path + or - a value, list_append(a, b), set_add(path,
// set) or set_delete(path, set).
func (p *parser) setClauses(u *expr.Update) error {
	for {
		path, err := p.path()
		if err != nil {
			return err
		}
		if err := p.expect("="); err != nil {
			return err
		}
		a, err := p.setValue(path)
		if err != nil {
			return err
		}
		u.Actions = append(u.Actions, a)
		if !p.accept(",") {
			return nil
		}
	}
}

func (p *parser) setValue(path expr.Path) (expr.Action, error) {
	a := expr.Action{Kind: "SET", Path: path}
	if t := p.peek(); t.kind == kWord && p.toks[p.pos+1].text == "(" {
		switch name := strings.ToLower(t.text); name {
		case "list_append", "set_add", "set_delete":
			p.pos += 2
			x, err := p.operand()
			if err != nil {
				return a, err
			}
			if err := p.expect(","); err != nil {
				return a, err
			}
			y, err := p.operand()
			if err != nil {
				return a, err
			}
			if err := p.expect(")"); err != nil {
				return a, err
			}
			if name == "list_append" {
				a.Value = &expr.ListAppend{A: x, B: y}
				return a, nil
			}
			v, ok := y.(*expr.ValueOperand)
			if !ok || v.Value.T != attr.SS && v.Value.T != attr.NS && v.Value.T != attr.BS {
				return a, &Error{Message: "Incorrect operand type for operator or function; operator or function: " + name}
			}
			a.Kind, a.Value = "ADD", v
			if name == "set_delete" {
				a.Kind = "DELETE"
			}
			return a, nil
		}
	}
	x, err := p.operand()
	if err != nil {
		return a, err
	}
	a.Value = x
	for _, op := range []string{"+", "-"} {
		if p.accept(op) {
			y, err := p.operand()
			if err != nil {
				return a, err
			}
			a.Value = &expr.Arith{Op: op[0], A: x, B: y}
		}
	}
	return a, nil
}
