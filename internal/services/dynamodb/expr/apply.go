package expr

import (
	"sort"

	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
)

// Messages of updates that fail on the item they apply to.
const (
	msgInvalidPath = "The document path provided in the update expression is invalid for update"
	msgBadOperand  = "An operand in the update expression has an incorrect data type"
	msgMissingAttr = "The provided expression refers to an attribute that does not exist in the item"
)

// Apply applies an update to a copy of item (nil when there is none) and
// returns the new item. Every operand is read from the item as it was
// before the update, as DynamoDB does.
func (u *Update) Apply(item attr.Item) (attr.Item, error) {
	old := item
	out := attr.CloneItem(item)
	if out == nil {
		out = attr.Item{}
	}
	var removes []Path
	for _, a := range u.Actions {
		switch a.Kind {
		case "SET":
			v, err := updateValue(a.Value, old)
			if err != nil {
				return nil, err
			}
			if err := setPath(out, a.Path, v); err != nil {
				return nil, err
			}
		case "REMOVE":
			removes = append(removes, a.Path)
		case "ADD", "DELETE":
			if err := addDelete(out, a); err != nil {
				return nil, err
			}
		}
	}
	// List elements are removed from the highest index down, so that each
	// index names the element it named before the update.
	sort.SliceStable(removes, func(i, j int) bool {
		a, b := removes[i], removes[j]
		la, lb := a[len(a)-1], b[len(b)-1]
		return la.IsIndex && lb.IsIndex && la.Index > lb.Index
	})
	for _, p := range removes {
		removePath(out, p)
	}
	return out, nil
}

func updateValue(o Operand, item attr.Item) (attr.Value, error) {
	switch o := o.(type) {
	case *ValueOperand:
		return o.Value, nil
	case *PathOperand:
		v, ok := Resolve(item, o.Path)
		if !ok {
			return attr.Value{}, &Error{Message: msgMissingAttr}
		}
		return v, nil
	case *IfNotExists:
		if v, ok := Resolve(item, o.Path); ok {
			return v, nil
		}
		return updateValue(o.Default, item)
	case *ListAppend:
		a, err := updateValue(o.A, item)
		if err != nil {
			return a, err
		}
		b, err := updateValue(o.B, item)
		if err != nil {
			return b, err
		}
		if a.T != attr.L || b.T != attr.L {
			return attr.Value{}, &Error{Message: msgBadOperand}
		}
		l := make([]attr.Value, 0, len(a.L)+len(b.L))
		return attr.List(append(append(l, a.L...), b.L...)...), nil
	case *Arith:
		return arith(o, item)
	}
	return attr.Value{}, &Error{Message: msgBadOperand}
}

func arith(o *Arith, item attr.Item) (attr.Value, error) {
	a, err := updateValue(o.A, item)
	if err != nil {
		return a, err
	}
	b, err := updateValue(o.B, item)
	if err != nil {
		return b, err
	}
	if a.T != attr.N || b.T != attr.N {
		return attr.Value{}, &Error{Message: msgBadOperand}
	}
	var n attr.Number
	if o.Op == '+' {
		n, err = a.Number().Add(b.Number())
	} else {
		n, err = a.Number().Sub(b.Number())
	}
	if err != nil {
		return attr.Value{}, &Error{Message: err.Error()}
	}
	return attr.NumberValue(n), nil
}

// setPath stores v at path; every parent must exist with the right type.
// An index past a list's end appends.
func setPath(item attr.Item, path Path, v attr.Value) error {
	if len(path) == 1 {
		item[path[0].Name] = v
		return nil
	}
	parent, ok := item[path[0].Name]
	if !ok {
		return &Error{Message: msgInvalidPath}
	}
	nv, err := setIn(parent, path[1:], v)
	if err != nil {
		return err
	}
	item[path[0].Name] = nv
	return nil
}

func setIn(parent attr.Value, path Path, v attr.Value) (attr.Value, error) {
	e := path[0]
	switch {
	case e.IsIndex && parent.T == attr.L:
		if len(path) == 1 {
			if e.Index >= len(parent.L) {
				parent.L = append(parent.L, v)
			} else {
				parent.L[e.Index] = v
			}
			return parent, nil
		}
		if e.Index >= len(parent.L) {
			return parent, &Error{Message: msgInvalidPath}
		}
		nv, err := setIn(parent.L[e.Index], path[1:], v)
		parent.L[e.Index] = nv
		return parent, err
	case !e.IsIndex && parent.T == attr.M:
		if len(path) == 1 {
			parent.M[e.Name] = v
			return parent, nil
		}
		child, ok := parent.M[e.Name]
		if !ok {
			return parent, &Error{Message: msgInvalidPath}
		}
		nv, err := setIn(child, path[1:], v)
		parent.M[e.Name] = nv
		return parent, err
	}
	return parent, &Error{Message: msgInvalidPath}
}

// removePath deletes the value at path; a missing one is no error.
func removePath(item attr.Item, path Path) {
	if len(path) == 1 {
		delete(item, path[0].Name)
		return
	}
	if parent, ok := item[path[0].Name]; ok {
		item[path[0].Name] = removeIn(parent, path[1:])
	}
}

func removeIn(parent attr.Value, path Path) attr.Value {
	e := path[0]
	switch {
	case e.IsIndex && parent.T == attr.L && e.Index < len(parent.L):
		if len(path) == 1 {
			parent.L = append(parent.L[:e.Index:e.Index], parent.L[e.Index+1:]...)
		} else {
			parent.L[e.Index] = removeIn(parent.L[e.Index], path[1:])
		}
	case !e.IsIndex && parent.T == attr.M:
		if len(path) == 1 {
			delete(parent.M, e.Name)
		} else if child, ok := parent.M[e.Name]; ok {
			parent.M[e.Name] = removeIn(child, path[1:])
		}
	}
	return parent
}

// addDelete applies ADD (numbers and sets) or DELETE (sets).
func addDelete(item attr.Item, a Action) error {
	v := a.Value.(*ValueOperand).Value
	cur, ok := Resolve(item, a.Path)
	if !ok {
		if a.Kind == "DELETE" {
			return nil
		}
		return setPath(item, a.Path, v)
	}
	if cur.T != v.T {
		return &Error{Message: msgBadOperand}
	}
	var nv attr.Value
	switch {
	case a.Kind == "ADD" && v.T == attr.N:
		n, err := cur.Number().Add(v.Number())
		if err != nil {
			return &Error{Message: err.Error()}
		}
		nv = attr.NumberValue(n)
	case a.Kind == "ADD":
		nv = cur
		nv.Set = append([]string(nil), cur.Set...)
		for _, s := range v.Set {
			if !nv.Has(s) {
				nv.Set = append(nv.Set, s)
			}
		}
	default:
		nv = cur
		nv.Set = nil
		for _, s := range cur.Set {
			if !v.Has(s) {
				nv.Set = append(nv.Set, s)
			}
		}
		if len(nv.Set) == 0 {
			removePath(item, a.Path)
			return nil
		}
	}
	return setPath(item, a.Path, nv)
}
