// Package partiql parses the PartiQL statements DynamoDB runs
// (ExecuteStatement, BatchExecuteStatement, ExecuteTransaction): SELECT
// with a projection, a table or index and a WHERE clause; INSERT of one
// item; UPDATE with SET and REMOVE; DELETE; positional ? parameters bound
// at parse time. Conditions and updates become the expr package's trees,
// so they are evaluated by the same code as ConditionExpression and
// UpdateExpression. Errors carry DynamoDB's ValidationException messages.
package partiql

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
	"github.com/nubo-dev/nubo/internal/services/dynamodb/expr"
)

// Statement is a parsed statement.
type Statement struct {
	// Kind is SELECT, INSERT, UPDATE or DELETE.
	Kind  string
	Table string
	Index string
	// Project is a SELECT's projection; nil for *.
	Project []expr.Path
	Where   expr.Cond
	// Item is an INSERT's item.
	Item attr.Item
	// Update is an UPDATE's SET and REMOVE clauses (set_add and set_delete
	// as ADD and DELETE).
	Update *expr.Update
	// Returning is "ALL OLD", "MODIFIED OLD", "ALL NEW" or "MODIFIED NEW"
	// (RETURNING ... *), or "".
	Returning string
}

// Error is a statement DynamoDB refuses, with its message.
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

func malformed(format string, args ...any) *Error {
	return &Error{Message: "Statement wasn't well formed, can't be processed: " + fmt.Sprintf(format, args...)}
}

// maxDepth bounds the nesting of conditions and literals.
const maxDepth = 64

// Parse parses src with params bound to its ? placeholders, in order.
func Parse(src string, params []attr.Value) (*Statement, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, malformed("%s", err.Error())
	}
	p := &parser{toks: toks, params: params}
	st, err := p.statement()
	if err != nil {
		return nil, err
	}
	if p.peek().kind != kEOF {
		return nil, p.unexpected()
	}
	if p.used != len(params) {
		return nil, &Error{Message: "Number of parameters in request and statement don't match."}
	}
	return st, nil
}

type parser struct {
	toks   []token
	pos    int
	params []attr.Value
	used   int
	depth  int
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != kEOF {
		p.pos++
	}
	return t
}

// is tells whether the next token is the keyword or punctuation s.
func (p *parser) is(s string) bool {
	t := p.peek()
	return (t.kind == kWord || t.kind == kPunct) && strings.EqualFold(t.text, s)
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
		return p.unexpected()
	}
	return nil
}

func (p *parser) unexpected() error {
	t := p.peek()
	if t.kind == kEOF {
		return malformed("Unexpected end of statement")
	}
	return malformed("Unexpected token %q at position %d", t.text, t.pos+1)
}

func (p *parser) statement() (*Statement, error) {
	switch {
	case p.accept("SELECT"):
		return p.selectStatement()
	case p.accept("INSERT"):
		return p.insertStatement()
	case p.accept("UPDATE"):
		return p.updateStatement()
	case p.accept("DELETE"):
		return p.deleteStatement()
	}
	return nil, malformed("Expected data manipulation")
}

func (p *parser) selectStatement() (*Statement, error) {
	st := &Statement{Kind: "SELECT"}
	if !p.accept("*") {
		for {
			path, err := p.path()
			if err != nil {
				return nil, err
			}
			st.Project = append(st.Project, path)
			if !p.accept(",") {
				break
			}
		}
	}
	if err := p.expect("FROM"); err != nil {
		return nil, err
	}
	if err := p.target(st, true); err != nil {
		return nil, err
	}
	return st, p.where(st)
}

func (p *parser) insertStatement() (*Statement, error) {
	st := &Statement{Kind: "INSERT"}
	if err := p.expect("INTO"); err != nil {
		return nil, err
	}
	if err := p.target(st, false); err != nil {
		return nil, err
	}
	if err := p.expect("VALUE"); err != nil {
		return nil, err
	}
	v, err := p.literal()
	if err != nil {
		return nil, err
	}
	if v.T != attr.M {
		return nil, malformed("Expected a tuple after VALUE")
	}
	st.Item = v.M
	return st, nil
}

func (p *parser) updateStatement() (*Statement, error) {
	st := &Statement{Kind: "UPDATE", Update: &expr.Update{}}
	if err := p.target(st, false); err != nil {
		return nil, err
	}
	for {
		switch {
		case p.accept("SET"):
			if err := p.setClauses(st.Update); err != nil {
				return nil, err
			}
		case p.accept("REMOVE"):
			for {
				path, err := p.path()
				if err != nil {
					return nil, err
				}
				st.Update.Actions = append(st.Update.Actions, expr.Action{Kind: "REMOVE", Path: path})
				if !p.accept(",") {
					break
				}
			}
		default:
			if len(st.Update.Actions) == 0 {
				return nil, p.unexpected()
			}
			if err := p.where(st); err != nil {
				return nil, err
			}
			return st, p.returning(st)
		}
	}
}

func (p *parser) deleteStatement() (*Statement, error) {
	st := &Statement{Kind: "DELETE"}
	if err := p.expect("FROM"); err != nil {
		return nil, err
	}
	if err := p.target(st, false); err != nil {
		return nil, err
	}
	if err := p.where(st); err != nil {
		return nil, err
	}
	return st, p.returning(st)
}

// target reads a table name, and for SELECT an optional index after a dot.
func (p *parser) target(st *Statement, index bool) error {
	t := p.next()
	if t.kind != kQuoted && t.kind != kWord || t.text == "" {
		p.unread(t)
		return p.unexpected()
	}
	st.Table = t.text
	if p.accept(".") {
		i := p.next()
		if i.kind != kQuoted && i.kind != kWord || i.text == "" {
			p.unread(i)
			return p.unexpected()
		}
		st.Index = i.text
		if !index {
			return &Error{Message: "This operation is not supported on an index"}
		}
	}
	return nil
}

func (p *parser) where(st *Statement) error {
	if !p.accept("WHERE") {
		return nil
	}
	c, err := p.or()
	st.Where = c
	return err
}

// returning reads RETURNING (ALL|MODIFIED) (OLD|NEW) *.
func (p *parser) returning(st *Statement) error {
	if !p.accept("RETURNING") {
		return nil
	}
	which := strings.ToUpper(p.next().text)
	when := strings.ToUpper(p.next().text)
	if which != "ALL" && which != "MODIFIED" || when != "OLD" && when != "NEW" || !p.accept("*") {
		return malformed("Unsupported RETURNING clause")
	}
	if st.Kind == "DELETE" && (which != "ALL" || when != "OLD") {
		return malformed("Unsupported RETURNING clause: RETURNING %s %s *", which, when)
	}
	st.Returning = which + " " + when
	return nil
}

// path reads a document path: a name (bare or "quoted"), then .name,
// [index] or ['name'] steps.
func (p *parser) path() (expr.Path, error) {
	t := p.next()
	if t.kind != kWord && t.kind != kQuoted || t.text == "" {
		p.unread(t)
		return nil, p.unexpected()
	}
	path := expr.Path{{Name: t.text}}
	for len(path) <= 32 {
		switch {
		case p.accept("."):
			n := p.next()
			if n.kind != kWord && n.kind != kQuoted {
				p.unread(n)
				return nil, p.unexpected()
			}
			path = append(path, expr.PathElem{Name: n.text})
		case p.accept("["):
			n := p.next()
			switch n.kind {
			case kNumber:
				i, err := strconv.Atoi(n.text)
				if err != nil || i < 0 {
					return nil, malformed("Invalid list index %s", n.text)
				}
				path = append(path, expr.PathElem{Index: i, IsIndex: true})
			case kString:
				path = append(path, expr.PathElem{Name: n.text})
			default:
				p.unread(n)
				return nil, p.unexpected()
			}
			if err := p.expect("]"); err != nil {
				return nil, err
			}
		default:
			return path, nil
		}
	}
	return nil, malformed("The document path has too many nesting levels")
}

// unread steps back over t (the end stays where it is).
func (p *parser) unread(t token) {
	if t.kind != kEOF {
		p.pos--
	}
}
