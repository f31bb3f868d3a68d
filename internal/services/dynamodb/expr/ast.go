// Package expr is DynamoDB's expression language: condition, filter, key
// condition, projection and update expressions, parsed against a request's
// ExpressionAttributeNames and ExpressionAttributeValues, and evaluated on
// items. Errors carry AWS's ValidationException messages word for word.
package expr

import (
	"strconv"
	"strings"

	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
)

// PathElem is one step of a document path: an attribute or map key, or a
// list index.
type PathElem struct {
	Name    string
	Index   int
	IsIndex bool
}

// Path is a document path (a.b[2].c), names already substituted.
type Path []PathElem

// String prints a path as AWS does in messages: [a, b, [2]].
func (p Path) String() string {
	parts := make([]string, len(p))
	for i, e := range p {
		if e.IsIndex {
			parts[i] = "[" + strconv.Itoa(e.Index) + "]"
		} else {
			parts[i] = e.Name
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// Operand is a value in an expression.
type Operand interface{ operand() }

// PathOperand reads an attribute of the item.
type PathOperand struct{ Path Path }

// ValueOperand is an expression attribute value (:name).
type ValueOperand struct {
	Name  string
	Value attr.Value
}

// SizeOperand is size(path).
type SizeOperand struct{ Path Path }

// IfNotExists is if_not_exists(path, operand), in SET actions.
type IfNotExists struct {
	Path    Path
	Default Operand
}

// ListAppend is list_append(a, b), in SET actions.
type ListAppend struct{ A, B Operand }

// Arith is a + b or a - b, in SET actions.
type Arith struct {
	Op   byte
	A, B Operand
}

func (*PathOperand) operand()  {}
func (*ValueOperand) operand() {}
func (*SizeOperand) operand()  {}
func (*IfNotExists) operand()  {}
func (*ListAppend) operand()   {}
func (*Arith) operand()        {}

// Cond is a condition.
type Cond interface{ cond() }

// Compare is l OP r with OP one of = <> < <= > >=.
type Compare struct {
	Op   string
	L, R Operand
}

// Between is v BETWEEN lo AND hi.
type Between struct{ V, Lo, Hi Operand }

// In is v IN (list).
type In struct {
	V    Operand
	List []Operand
}

// Func is a condition function: attribute_exists, attribute_not_exists,
// attribute_type, begins_with or contains.
type Func struct {
	Name string
	Args []Operand
}

// And, Or and Not combine conditions.
type And struct{ L, R Cond }
type Or struct{ L, R Cond }
type Not struct{ C Cond }

func (*Compare) cond() {}
func (*Between) cond() {}
func (*In) cond()      {}
func (*Func) cond()    {}
func (*And) cond()     {}
func (*Or) cond()      {}
func (*Not) cond()     {}

// Action is one action of an update expression.
type Action struct {
	// Kind is SET, REMOVE, ADD or DELETE.
	Kind  string
	Path  Path
	Value Operand // nil for REMOVE
}

// Update is a parsed update expression.
type Update struct{ Actions []Action }
