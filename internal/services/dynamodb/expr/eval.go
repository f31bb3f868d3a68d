package expr

import (
	"strings"
	"unicode/utf8"

	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
)

// Resolve reads the value at path in item.
func Resolve(item attr.Item, path Path) (attr.Value, bool) {
	v, ok := item[path[0].Name]
	if !ok || path[0].IsIndex {
		return attr.Value{}, false
	}
	for _, e := range path[1:] {
		switch {
		case e.IsIndex && v.T == attr.L && e.Index < len(v.L):
			v = v.L[e.Index]
		case !e.IsIndex && v.T == attr.M:
			if v, ok = v.M[e.Name]; !ok {
				return attr.Value{}, false
			}
		default:
			return attr.Value{}, false
		}
	}
	return v, true
}

// Eval evaluates a condition on an item (nil for no item).
func Eval(c Cond, item attr.Item) bool {
	switch c := c.(type) {
	case *And:
		return Eval(c.L, item) && Eval(c.R, item)
	case *Or:
		return Eval(c.L, item) || Eval(c.R, item)
	case *Not:
		return !Eval(c.C, item)
	case *Compare:
		l, lok := operand(c.L, item)
		r, rok := operand(c.R, item)
		return compare(c.Op, l, lok, r, rok)
	case *Between:
		v, ok := operand(c.V, item)
		lo, lok := operand(c.Lo, item)
		hi, hok := operand(c.Hi, item)
		return ok && lok && hok && compare(">=", v, true, lo, true) && compare("<=", v, true, hi, true)
	case *In:
		v, ok := operand(c.V, item)
		if !ok {
			return false
		}
		for _, o := range c.List {
			if w, ok := operand(o, item); ok && attr.Equal(v, w) {
				return true
			}
		}
		return false
	case *Func:
		return evalFunc(c, item)
	}
	return false
}

// operand evaluates a condition's operand.
func operand(o Operand, item attr.Item) (attr.Value, bool) {
	switch o := o.(type) {
	case *ValueOperand:
		return o.Value, true
	case *PathOperand:
		return Resolve(item, o.Path)
	case *SizeOperand:
		v, ok := Resolve(item, o.Path)
		if !ok {
			return attr.Value{}, false
		}
		return sizeOf(v)
	}
	return attr.Value{}, false
}

// sizeOf is size(): a string's length, a binary's bytes, the elements of
// a set, list or map.
func sizeOf(v attr.Value) (attr.Value, bool) {
	n := 0
	switch v.T {
	case attr.S:
		n = utf8.RuneCountInString(v.S)
	case attr.B:
		n = len(v.S)
	case attr.SS, attr.NS, attr.BS:
		n = len(v.Set)
	case attr.L:
		n = len(v.L)
	case attr.M:
		n = len(v.M)
	default:
		return attr.Value{}, false
	}
	return attr.Num(itoa(n)), true
}

func compare(op string, l attr.Value, lok bool, r attr.Value, rok bool) bool {
	if !lok || !rok {
		return op == "<>" && lok != rok
	}
	switch op {
	case "=":
		return attr.Equal(l, r)
	case "<>":
		return !attr.Equal(l, r)
	}
	c, ok := attr.Compare(l, r)
	if !ok {
		return false
	}
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

func evalFunc(f *Func, item attr.Item) bool {
	path := f.Args[0].(*PathOperand).Path
	v, ok := Resolve(item, path)
	switch f.Name {
	case "attribute_exists":
		return ok
	case "attribute_not_exists":
		return !ok
	}
	arg, aok := operand(f.Args[1], item)
	if !ok || !aok {
		return false
	}
	switch f.Name {
	case "attribute_type":
		return arg.T == attr.S && v.T.String() == arg.S
	case "begins_with":
		return (v.T == attr.S || v.T == attr.B) && v.T == arg.T && strings.HasPrefix(v.S, arg.S)
	case "contains":
		return contains(v, arg)
	}
	return false
}

func contains(v, arg attr.Value) bool {
	switch v.T {
	case attr.S:
		return arg.T == attr.S && strings.Contains(v.S, arg.S)
	case attr.B:
		return arg.T == attr.B && strings.Contains(v.S, arg.S)
	case attr.SS, attr.NS, attr.BS:
		return attr.SetMember(v.T) == arg.T && v.Has(arg.S)
	case attr.L:
		for _, e := range v.L {
			if attr.Equal(e, arg) {
				return true
			}
		}
	}
	return false
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
