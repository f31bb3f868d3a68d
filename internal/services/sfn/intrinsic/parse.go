// Package intrinsic is the States Language's intrinsic functions
// (States.Format, States.Array, States.MathAdd, ...): parsing a call such
// as "States.Format('{} of {}', $.a, States.ArrayLength($.b))" and
// evaluating it with AWS's argument rules. Paths among the arguments ($.x
// of the input, $$.x of the context object, $name.x of a variable) are
// resolved by the caller.
package intrinsic

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/nubo-dev/nubo/internal/services/sfn/jsonpath"
)

// MaxNesting is how deep calls may nest in one field.
const MaxNesting = 10

// Call is a parsed intrinsic function call.
type Call struct {
	Name string // "States.Format"
	Args []Arg
}

// Arg is one argument: a literal, a path or a nested call.
type Arg struct {
	// Literal is a string, json.Number, bool or nil when Path and Call are
	// empty.
	Literal any
	// Path is "$...", "$$..." or "$name..." as written.
	Path string
	Call *Call
}

// Error is a call that does not parse.
type Error struct {
	Src string
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("invalid intrinsic function %q: %s", e.Src, e.Msg) }

// Is reports whether s looks like an intrinsic function call (rather than
// a path): "States." followed by a name and "(".
func Is(s string) bool {
	if !strings.HasPrefix(s, "States.") {
		return false
	}
	i := strings.IndexByte(s, '(')
	return i > len("States.")
}

// Parse parses a call and checks its function's name and argument count.
func Parse(src string) (*Call, error) {
	p := &parser{src: src}
	c, err := p.call(1)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(src) {
		return nil, p.errorf("unexpected %q after the call", src[p.pos:])
	}
	return c, nil
}

type parser struct {
	src string
	pos int
}

func (p *parser) errorf(format string, args ...any) error {
	return &Error{Src: p.src, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n') {
		p.pos++
	}
}

func (p *parser) call(depth int) (*Call, error) {
	if depth > MaxNesting {
		return nil, p.errorf("more than %d nested intrinsic functions", MaxNesting)
	}
	open := strings.IndexByte(p.src[p.pos:], '(')
	if open < 0 {
		return nil, p.errorf("expected (")
	}
	name := strings.TrimSpace(p.src[p.pos : p.pos+open])
	fn, ok := functions[name]
	if !ok {
		return nil, p.errorf("unknown function %s", name)
	}
	p.pos += open + 1
	c := &Call{Name: name}
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ')' {
		p.pos++
		return c, fn.checkArity(p, 0)
	}
	for {
		a, err := p.arg(depth)
		if err != nil {
			return nil, err
		}
		c.Args = append(c.Args, a)
		p.skipSpace()
		if p.pos >= len(p.src) {
			return nil, p.errorf("expected ) to close %s", name)
		}
		if p.src[p.pos] == ')' {
			p.pos++
			return c, fn.checkArity(p, len(c.Args))
		}
		if p.src[p.pos] != ',' {
			return nil, p.errorf("expected , or ) in %s", name)
		}
		p.pos++
	}
}

func (p *parser) arg(depth int) (Arg, error) {
	p.skipSpace()
	rest := p.src[p.pos:]
	switch {
	case rest == "":
		return Arg{}, p.errorf("expected an argument")
	case rest[0] == '\'':
		s, err := p.str()
		return Arg{Literal: s}, err
	case rest[0] == '$':
		path, err := p.path()
		return Arg{Path: path}, err
	case strings.HasPrefix(rest, "States."):
		c, err := p.call(depth + 1)
		return Arg{Call: c}, err
	case strings.HasPrefix(rest, "true"):
		p.pos += 4
		return Arg{Literal: true}, nil
	case strings.HasPrefix(rest, "false"):
		p.pos += 5
		return Arg{Literal: false}, nil
	case strings.HasPrefix(rest, "null"):
		p.pos += 4
		return Arg{Literal: nil}, nil
	}
	return p.number()
}

// str reads a single-quoted string. A backslash escapes the next
// character ('\”, '{', '}', '\\'); in States.Format, escaped braces stay
// escaped so that they are not taken for placeholders.
func (p *parser) str() (string, error) {
	p.pos++ // '
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '\'':
			p.pos++
			return b.String(), nil
		case c == '\\' && p.pos+1 < len(p.src):
			next := p.src[p.pos+1]
			if next == '{' || next == '}' {
				b.WriteByte('\\') // kept for Format, which unescapes it
			}
			b.WriteByte(next)
			p.pos += 2
			continue
		}
		b.WriteByte(c)
		p.pos++
	}
	return "", p.errorf("unterminated string")
}

// path reads a path argument up to the next top-level ',' or ')'.
func (p *parser) path() (string, error) {
	start, depth := p.pos, 0
	var quote byte
	for ; p.pos < len(p.src); p.pos++ {
		c := p.src[p.pos]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '[' || c == '(':
			depth++
		case c == ']' || c == ')' && depth > 0:
			depth--
		case (c == ',' || c == ')') && depth == 0:
			path := strings.TrimSpace(p.src[start:p.pos])
			return path, CheckPath(path)
		}
	}
	return "", p.errorf("expected ) after %s", p.src[start:])
}

// CheckPath checks a path argument: a JSONPath on the input ($), the
// context object ($$) or a variable ($name).
func CheckPath(path string) error {
	_, err := jsonpath.Parse(RootOf(path))
	return err
}

// RootOf returns path with its root ($$ or $name) replaced by $, so that
// it parses as a JSONPath on the document that root names.
func RootOf(path string) string {
	if strings.HasPrefix(path, "$$") {
		return path[1:]
	}
	if len(path) > 1 && path[1] != '.' && path[1] != '[' {
		end := 1
		for end < len(path) && path[end] != '.' && path[end] != '[' {
			end++
		}
		return "$" + path[end:]
	}
	return path
}

func (p *parser) number() (Arg, error) {
	start := p.pos
	for p.pos < len(p.src) && strings.IndexByte("+-0123456789.eE", p.src[p.pos]) >= 0 {
		p.pos++
	}
	text := strings.TrimPrefix(p.src[start:p.pos], "+")
	var f float64
	if err := json.Unmarshal([]byte(text), &f); err != nil || text == "" {
		return Arg{}, p.errorf("unexpected %q", p.src[start:])
	}
	return Arg{Literal: json.Number(text)}, nil
}
