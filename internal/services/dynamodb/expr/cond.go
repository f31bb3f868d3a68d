package expr

import (
	"strings"

	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
)

// ParseCondition parses a condition, filter or key condition expression
// (kind names it in messages).
func ParseCondition(ctx *Context, kind, src string) (Cond, error) {
	p, err := newParser(ctx, kind, src)
	if err != nil {
		return nil, err
	}
	c, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tEOF {
		return nil, p.syntaxError()
	}
	return c, nil
}

func (p *parser) or() (Cond, error) {
	l, err := p.and()
	for err == nil && p.accept("OR") {
		var r Cond
		if r, err = p.and(); err == nil {
			l = &Or{l, r}
		}
	}
	return l, err
}

func (p *parser) and() (Cond, error) {
	l, err := p.not()
	for err == nil && p.accept("AND") {
		var r Cond
		if r, err = p.not(); err == nil {
			l = &And{l, r}
		}
	}
	return l, err
}

func (p *parser) not() (Cond, error) {
	if p.accept("NOT") {
		c, err := p.not()
		if err != nil {
			return nil, err
		}
		return &Not{c}, nil
	}
	return p.primary()
}

// conditionFuncs are the functions that are conditions, with their
// number of operands.
var conditionFuncs = map[string]int{
	"attribute_exists": 1, "attribute_not_exists": 1, "attribute_type": 2,
	"begins_with": 2, "contains": 2,
}

func (p *parser) primary() (Cond, error) {
	if p.accept("(") {
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		return c, p.expect(")")
	}
	if p.isCall() {
		name := p.peek().text
		if _, ok := conditionFuncs[name]; ok {
			return p.condFunc()
		}
	}
	l, err := p.condOperand()
	if err != nil {
		return nil, err
	}
	switch t := p.peek(); {
	case t.kind == tPunct && isComparator(t.text):
		p.next()
		r, err := p.condOperand()
		if err != nil {
			return nil, err
		}
		return &Compare{Op: t.text, L: l, R: r}, nil
	case p.accept("BETWEEN"):
		lo, err := p.condOperand()
		if err != nil {
			return nil, err
		}
		if err := p.expect("AND"); err != nil {
			return nil, err
		}
		hi, err := p.condOperand()
		if err != nil {
			return nil, err
		}
		return &Between{l, lo, hi}, p.checkBetween(lo, hi)
	case p.accept("IN"):
		list, err := p.args(p.condOperand)
		if err != nil {
			return nil, err
		}
		if len(list) > 100 {
			return nil, errorf(p.kind, "The expression contains too many operands for the IN comparator; number of operands: %d", len(list))
		}
		return &In{l, list}, nil
	}
	return nil, p.syntaxError()
}

func isComparator(s string) bool {
	switch s {
	case "=", "<>", "<", "<=", ">", ">=":
		return true
	}
	return false
}

// checkBetween refuses literal bounds in the wrong order, as AWS does.
func (p *parser) checkBetween(lo, hi Operand) error {
	l, ok1 := lo.(*ValueOperand)
	h, ok2 := hi.(*ValueOperand)
	if !ok1 || !ok2 {
		return nil
	}
	if c, ok := attr.Compare(l.Value, h.Value); ok && c > 0 {
		return errorf(p.kind, "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {%s:%s}, upper bound operand: AttributeValue: {%s:%s}", l.Value.T, l.Value.S, h.Value.T, h.Value.S)
	}
	return nil
}

// condOperand reads an operand of a condition: a path, a value or size().
func (p *parser) condOperand() (Operand, error) {
	t := p.peek()
	switch {
	case t.kind == tValue:
		return p.value()
	case p.isCall():
		return p.callOperand(false)
	case t.kind == tIdent || t.kind == tName:
		path, err := p.parsePath()
		if err != nil {
			return nil, err
		}
		return &PathOperand{path}, nil
	}
	return nil, p.syntaxError()
}

// callOperand reads a function used as an operand: size() in conditions;
// if_not_exists() and list_append() in updates.
func (p *parser) callOperand(update bool) (Operand, error) {
	name := p.next().text
	switch {
	case name == "size" && !update:
		args, err := p.args(p.condOperand)
		if err != nil {
			return nil, err
		}
		if err := p.arity(name, args, 1); err != nil {
			return nil, err
		}
		path, ok := args[0].(*PathOperand)
		if !ok {
			return nil, p.typeError(name, args[0])
		}
		return &SizeOperand{path.Path}, nil
	case (name == "if_not_exists" || name == "list_append") && update:
		return p.updateFunc(name)
	case name == "if_not_exists" || name == "list_append":
		return nil, errorf(p.kind, "The function is not allowed to be used this way in an expression; function: %s", name)
	case name == "size" || conditionFuncs[name] > 0:
		return nil, errorf(p.kind, "The function is not allowed to be used this way in an expression; function: %s", name)
	}
	return nil, errorf(p.kind, "Invalid function name; function: %s", name)
}

func (p *parser) arity(name string, args []Operand, n int) error {
	if len(args) != n {
		return errorf(p.kind, "Incorrect number of operands for operator or function; operator or function: %s, number of operands: %d", name, len(args))
	}
	return nil
}

// typeError is AWS's message for an operand of the wrong kind.
func (p *parser) typeError(name string, o Operand) error {
	if v, ok := o.(*ValueOperand); ok {
		return errorf(p.kind, "Incorrect operand type for operator or function; operator or function: %s, operand type: %s", name, v.Value.T)
	}
	return errorf(p.kind, "Operator or function requires a document path; operator or function: %s", name)
}

// condFunc reads a function that is a condition and checks its operands.
func (p *parser) condFunc() (Cond, error) {
	name := p.next().text
	args, err := p.args(p.condOperand)
	if err != nil {
		return nil, err
	}
	if err := p.arity(name, args, conditionFuncs[name]); err != nil {
		return nil, err
	}
	if _, ok := args[0].(*PathOperand); !ok {
		return nil, errorf(p.kind, "Operator or function requires a document path; operator or function: %s", name)
	}
	switch name {
	case "attribute_type":
		v, ok := args[1].(*ValueOperand)
		if !ok {
			return nil, p.typeError(name, args[1])
		}
		if v.Value.T != attr.S {
			return nil, p.typeError(name, v)
		}
		if _, ok := attr.ParseType(v.Value.S); !ok {
			return nil, errorf(p.kind, "Invalid attribute type name found; type: %s, valid types: { B,NULL,SS,BOOL,L,BS,N,NS,S,M }", v.Value.S)
		}
	case "begins_with":
		if v, ok := args[1].(*ValueOperand); ok && v.Value.T != attr.S && v.Value.T != attr.B {
			return nil, p.typeError(name, v)
		}
	}
	return &Func{Name: name, Args: args}, nil
}

// KeyCondition is a parsed key condition expression: an equality on the
// partition key and at most one condition on the sort key.
type KeyCondition struct {
	Partition string
	Value     attr.Value
	// Sort is "" when the expression has no sort key condition.
	Sort string
	// Op is = < <= > >= BETWEEN or begins_with; Values has its operands.
	Op     string
	Values []attr.Value
}

// ParseKeyCondition parses a KeyConditionExpression against a key schema
// (partition and, when the table or index has one, sort key names).
func ParseKeyCondition(ctx *Context, src, partition, sort string) (*KeyCondition, error) {
	c, err := ParseCondition(ctx, KindKeyCondition, src)
	if err != nil {
		return nil, err
	}
	var parts []keyPart
	if err := flattenKey(c, &parts); err != nil {
		return nil, err
	}
	if len(parts) > 2 {
		return nil, &Error{Message: "Conditions can be of length 1 or 2 only"}
	}
	return resolveKeyCondition(parts, partition, sort)
}

// keyPart is one condition of a key condition: Attr Op Values.
type keyPart struct {
	Attr   string
	Op     string
	Values []attr.Value
}

func flattenKey(c Cond, parts *[]keyPart) error {
	switch c := c.(type) {
	case *And:
		if err := flattenKey(c.L, parts); err != nil {
			return err
		}
		return flattenKey(c.R, parts)
	case *Or:
		return &Error{Message: "Invalid operator used in KeyConditionExpression: OR"}
	case *Not:
		return &Error{Message: "Invalid operator used in KeyConditionExpression: NOT"}
	case *In:
		return &Error{Message: "Invalid operator used in KeyConditionExpression: IN"}
	case *Compare:
		if c.Op == "<>" {
			return &Error{Message: "Unsupported operator on KeyConditionExpression: operator: <>"}
		}
		name, v, ok := keyOperands(c.L, c.R)
		if !ok {
			return &Error{Message: "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"}
		}
		*parts = append(*parts, keyPart{name, c.Op, []attr.Value{v}})
	case *Between:
		name, lo, ok := keyOperands(c.V, c.Lo)
		hi, ok2 := c.Hi.(*ValueOperand)
		if !ok || !ok2 {
			return &Error{Message: "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"}
		}
		*parts = append(*parts, keyPart{name, "BETWEEN", []attr.Value{lo, hi.Value}})
	case *Func:
		if c.Name != "begins_with" {
			return &Error{Message: "Invalid operator used in KeyConditionExpression: " + c.Name}
		}
		name, v, ok := keyOperands(c.Args[0], c.Args[1])
		if !ok {
			return &Error{Message: "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"}
		}
		*parts = append(*parts, keyPart{name, "begins_with", []attr.Value{v}})
	}
	return nil
}

// keyOperands returns the attribute and value of "name OP :v" (either way
// round for comparisons AWS accepts only name first, so swap is refused).
func keyOperands(l, r Operand) (string, attr.Value, bool) {
	path, ok := l.(*PathOperand)
	v, ok2 := r.(*ValueOperand)
	if !ok || !ok2 || len(path.Path) != 1 || path.Path[0].IsIndex {
		return "", attr.Value{}, false
	}
	return path.Path[0].Name, v.Value, true
}

// resolveKeyCondition checks parts against a key schema and returns the
// key condition, with AWS's messages for what does not fit.
func resolveKeyCondition(parts []keyPart, partition, sort string) (*KeyCondition, error) {
	kc := &KeyCondition{Partition: partition}
	found := false
	for _, part := range parts {
		switch {
		case part.Attr == partition && !found:
			if part.Op != "=" {
				return nil, &Error{Message: "Query key condition not supported"}
			}
			kc.Value, found = part.Values[0], true
		case part.Attr == sort && sort != "" && kc.Sort == "":
			kc.Sort, kc.Op, kc.Values = part.Attr, part.Op, part.Values
		default:
			missing := partition
			if found {
				missing = sort
			}
			if missing == "" || strings.EqualFold(missing, part.Attr) {
				return nil, &Error{Message: "Query key condition not supported"}
			}
			return nil, &Error{Message: "Query condition missed key schema element: " + missing}
		}
	}
	if !found {
		return nil, &Error{Message: "Query condition missed key schema element: " + partition}
	}
	return kc, nil
}
