package expr

import (
	_ "embed"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
)

// Kinds of expression, as AWS names them in messages.
const (
	KindCondition    = "ConditionExpression"
	KindFilter       = "FilterExpression"
	KindKeyCondition = "KeyConditionExpression"
	KindProjection   = "ProjectionExpression"
	KindUpdate       = "UpdateExpression"
)

// Error is a ValidationException message.
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

func errorf(kind, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Message: "Invalid " + kind + ": " + msg}
}

// Context holds a request's ExpressionAttributeNames and
// ExpressionAttributeValues, and which of them the request's expressions
// used, for AWS's errors on unused ones.
type Context struct {
	Names      map[string]string
	Values     map[string]attr.Value
	usedNames  map[string]bool
	usedValues map[string]bool
}

// NewContext returns a Context over a request's names and values.
func NewContext(names map[string]string, values map[string]attr.Value) *Context {
	return &Context{Names: names, Values: values, usedNames: map[string]bool{}, usedValues: map[string]bool{}}
}

// CheckUnused reports names or values no expression used, as AWS does once
// every expression of a request is parsed.
func (c *Context) CheckUnused() error {
	if u := unused(c.Names, c.usedNames); u != "" {
		return &Error{Message: "Value provided in ExpressionAttributeNames unused in expressions: keys: {" + u + "}"}
	}
	if u := unusedValues(c.Values, c.usedValues); u != "" {
		return &Error{Message: "Value provided in ExpressionAttributeValues unused in expressions: keys: {" + u + "}"}
	}
	return nil
}

func unused(m map[string]string, used map[string]bool) string {
	var keys []string
	for k := range m {
		if !used[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

func unusedValues(m map[string]attr.Value, used map[string]bool) string {
	var keys []string
	for k := range m {
		if !used[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

//go:embed reserved.txt
var reservedText string

var reserved = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(reservedText) {
		m[w] = true
	}
	return m
}()

// parser reads one expression.
type parser struct {
	src  string
	kind string
	toks []token
	pos  int
	ctx  *Context
}

func newParser(ctx *Context, kind, src string) (*parser, error) {
	if strings.TrimSpace(src) == "" {
		return nil, errorf(kind, "The expression can not be empty;")
	}
	return &parser{src: src, kind: kind, toks: lex(src), ctx: ctx}, nil
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

// is tells whether the next token is the punctuation or (case-insensitive)
// keyword s.
func (p *parser) is(s string) bool {
	t := p.peek()
	return (t.kind == tPunct || t.kind == tIdent) && strings.EqualFold(t.text, s)
}

func (p *parser) accept(s string) bool {
	if p.is(s) {
		p.pos++
		return true
	}
	return false
}

func (p *parser) expect(s string) error {
	if !p.accept(s) {
		return p.syntaxError()
	}
	return nil
}

// syntaxError is AWS's message for the token at p.pos: the token and the
// text from the previous token to the one after it.
func (p *parser) syntaxError() error {
	t := p.peek()
	from := t.start
	if p.pos > 0 {
		from = p.toks[p.pos-1].start
	}
	if t.kind == tEOF {
		return errorf(p.kind, "Syntax error; token: <EOF>, near: \"%s\"", p.src[from:])
	}
	to := t.end
	if n := p.toks[p.pos+1]; n.kind != tEOF {
		to = n.end
	}
	return errorf(p.kind, "Syntax error; token: \"%s\", near: \"%s\"", t.text, p.src[from:to])
}

// parsePath reads a document path.
func (p *parser) parsePath() (Path, error) {
	var path Path
	elem, err := p.pathName()
	if err != nil {
		return nil, err
	}
	path = append(path, elem)
	for {
		switch {
		case p.accept("."):
			elem, err := p.pathName()
			if err != nil {
				return nil, err
			}
			path = append(path, elem)
		case p.accept("["):
			t := p.peek()
			n, err := strconv.Atoi(t.text)
			if t.kind != tNumber || err != nil {
				return nil, p.syntaxError()
			}
			p.next()
			if err := p.expect("]"); err != nil {
				return nil, err
			}
			path = append(path, PathElem{Index: n, IsIndex: true})
		default:
			if len(path) > 32 {
				return nil, errorf(p.kind, "The document path has too many nesting levels; nesting levels: %d", len(path))
			}
			return path, nil
		}
	}
}

func (p *parser) pathName() (PathElem, error) {
	t := p.peek()
	switch t.kind {
	case tIdent:
		if reserved[strings.ToUpper(t.text)] {
			return PathElem{}, errorf(p.kind, "Attribute name is a reserved keyword; reserved keyword: %s", t.text)
		}
		p.next()
		return PathElem{Name: t.text}, nil
	case tName:
		name, ok := p.ctx.Names[t.text]
		if !ok {
			return PathElem{}, errorf(p.kind, "An expression attribute name used in the document path is not defined; attribute name: %s", t.text)
		}
		p.ctx.usedNames[t.text] = true
		p.next()
		return PathElem{Name: name}, nil
	}
	return PathElem{}, p.syntaxError()
}

// value reads an expression attribute value.
func (p *parser) value() (*ValueOperand, error) {
	t := p.next()
	v, ok := p.ctx.Values[t.text]
	if !ok {
		return nil, errorf(p.kind, "An expression attribute value used in expression is not defined; attribute value: %s", t.text)
	}
	p.ctx.usedValues[t.text] = true
	return &ValueOperand{Name: t.text, Value: v}, nil
}

// isCall tells whether a function call starts at the next token.
func (p *parser) isCall() bool {
	return p.peek().kind == tIdent && p.toks[p.pos+1].kind == tPunct && p.toks[p.pos+1].text == "("
}

// args reads a call's parenthesized arguments, each read by one.
func (p *parser) args(one func() (Operand, error)) ([]Operand, error) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	var args []Operand
	for {
		a, err := one()
		if err != nil {
			return nil, err
		}
		args = append(args, a)
		if p.accept(")") {
			return args, nil
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
	}
}
