package expr

import (
	"strings"

	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
)

// ParseUpdate parses an update expression: SET, REMOVE, ADD and DELETE
// sections, each at most once, and refuses overlapping paths as AWS does.
func ParseUpdate(ctx *Context, src string) (*Update, error) {
	p, err := newParser(ctx, KindUpdate, src)
	if err != nil {
		return nil, err
	}
	u := &Update{}
	seen := map[string]bool{}
	for p.peek().kind != tEOF {
		t := p.peek()
		kind := strings.ToUpper(t.text)
		if t.kind != tIdent || (kind != "SET" && kind != "REMOVE" && kind != "ADD" && kind != "DELETE") {
			return nil, p.syntaxError()
		}
		p.next()
		if seen[kind] {
			return nil, errorf(KindUpdate, "The \"%s\" section can only be used once in an update expression;", kind)
		}
		seen[kind] = true
		if err := p.section(kind, u); err != nil {
			return nil, err
		}
	}
	return u, checkOverlap(u)
}

// section reads a section's comma-separated actions.
func (p *parser) section(kind string, u *Update) error {
	for {
		a, err := p.action(kind)
		if err != nil {
			return err
		}
		u.Actions = append(u.Actions, a)
		if !p.accept(",") {
			return nil
		}
	}
}

func (p *parser) action(kind string) (Action, error) {
	path, err := p.parsePath()
	if err != nil {
		return Action{}, err
	}
	a := Action{Kind: kind, Path: path}
	switch kind {
	case "SET":
		if err := p.expect("="); err != nil {
			return a, err
		}
		a.Value, err = p.setValue()
	case "ADD", "DELETE":
		if p.peek().kind != tValue {
			return a, p.syntaxError()
		}
		var v *ValueOperand
		if v, err = p.value(); err == nil {
			a.Value, err = v, checkAddDelete(kind, v.Value)
		}
	}
	return a, err
}

// operandTypeNames are the type names AWS prints for ADD and DELETE.
var operandTypeNames = map[attr.Type]string{
	attr.S: "STRING", attr.N: "NUMBER", attr.B: "BINARY", attr.BOOL: "BOOLEAN", attr.NULL: "NULL",
	attr.M: "MAP", attr.L: "LIST", attr.SS: "STRING_SET", attr.NS: "NUMBER_SET", attr.BS: "BINARY_SET",
}

func checkAddDelete(kind string, v attr.Value) error {
	ok := v.T == attr.SS || v.T == attr.NS || v.T == attr.BS || (kind == "ADD" && v.T == attr.N)
	if !ok {
		return errorf(KindUpdate, "Incorrect operand type for operator or function; operator: %s, operand type: %s", kind, operandTypeNames[v.T])
	}
	return nil
}

// setValue reads the right side of a SET action: an operand, or two
// joined by + or -.
func (p *parser) setValue() (Operand, error) {
	a, err := p.updateOperand()
	if err != nil {
		return nil, err
	}
	for _, op := range []string{"+", "-"} {
		if p.accept(op) {
			b, err := p.updateOperand()
			if err != nil {
				return nil, err
			}
			if err := checkArith(op, a, b); err != nil {
				return nil, err
			}
			return &Arith{Op: op[0], A: a, B: b}, nil
		}
	}
	return a, nil
}

func checkArith(op string, ops ...Operand) error {
	for _, o := range ops {
		if v, ok := o.(*ValueOperand); ok && v.Value.T != attr.N {
			return errorf(KindUpdate, "Incorrect operand type for operator or function; operator or function: %s, operand type: %s", op, v.Value.T)
		}
	}
	return nil
}

// updateOperand reads a path, a value, if_not_exists() or list_append().
func (p *parser) updateOperand() (Operand, error) {
	t := p.peek()
	switch {
	case t.kind == tValue:
		return p.value()
	case p.isCall():
		return p.callOperand(true)
	case t.kind == tIdent || t.kind == tName:
		path, err := p.parsePath()
		if err != nil {
			return nil, err
		}
		return &PathOperand{path}, nil
	}
	return nil, p.syntaxError()
}

func (p *parser) updateFunc(name string) (Operand, error) {
	args, err := p.args(p.updateOperand)
	if err != nil {
		return nil, err
	}
	if err := p.arity(name, args, 2); err != nil {
		return nil, err
	}
	if name == "if_not_exists" {
		path, ok := args[0].(*PathOperand)
		if !ok {
			return nil, p.typeError(name, args[0])
		}
		return &IfNotExists{Path: path.Path, Default: args[1]}, nil
	}
	for _, a := range args {
		if v, ok := a.(*ValueOperand); ok && v.Value.T != attr.L {
			return nil, p.typeError(name, v)
		}
	}
	return &ListAppend{A: args[0], B: args[1]}, nil
}

// checkOverlap refuses two actions on the same path or on a path and
// one inside it.
func checkOverlap(u *Update) error {
	for i := range u.Actions {
		for j := 0; j < i; j++ {
			a, b := u.Actions[j].Path, u.Actions[i].Path
			if overlaps(a, b) {
				return errorf(KindUpdate, "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: %s, path two: %s", a, b)
			}
		}
	}
	return nil
}

func overlaps(a, b Path) bool {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Paths are the top-level attributes an update changes.
func (u *Update) Paths() []Path {
	paths := make([]Path, len(u.Actions))
	for i, a := range u.Actions {
		paths[i] = a.Path
	}
	return paths
}
