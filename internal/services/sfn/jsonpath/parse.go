// Package jsonpath is the JSONPath dialect of the Amazon States Language:
// the Jayway JsonPath syntax Step Functions accepts in InputPath,
// OutputPath, ItemsPath, ".$" fields and Choice rules ($.a.b, $['a'],
// [0], [*], [1:3], [0,2], $..a, [?(@.x > 1)], and trailing functions
// such as length()), with Jayway's results: a definite path yields one
// value or an error naming where it failed, an indefinite one a list.
// Reference paths (ResultPath) are the definite subset that Set writes to.
//
// Documents are the values encoding/json decodes into any: map[string]any,
// []any, string, json.Number or float64, bool and nil.
package jsonpath

import (
	"fmt"
	"strconv"
	"strings"
)

// Path is a parsed JSONPath.
type Path struct {
	src  string
	root byte // '$' or '@'
	segs []segment
	fn   string // trailing function (length, min, ...), or ""
}

type segKind int

const (
	segNames    segKind = iota // .a, ['a'], ['a','b']
	segIndexes                 // [0], [0,1]
	segWildcard                // .*, [*]
	segSlice                   // [1:3]
	segFilter                  // [?(...)]
)

type segment struct {
	kind     segKind
	deep     bool // reached with ".."
	names    []string
	indexes  []int
	from, to *int // slice bounds
	filter   expr
}

// definite reports whether the segment selects at most one node.
func (s segment) definite() bool {
	return !s.deep && (s.kind == segNames && len(s.names) == 1 || s.kind == segIndexes && len(s.indexes) == 1)
}

// Error is a path that does not parse.
type Error struct {
	Path string
	Pos  int
	Msg  string
}

func (e *Error) Error() string {
	return fmt.Sprintf("invalid JSONPath %q at %d: %s", e.Path, e.Pos, e.Msg)
}

// functions are Jayway's path functions, which end a path.
var functions = map[string]bool{
	"length": true, "size": true, "min": true, "max": true, "avg": true, "sum": true,
	"stddev": true, "keys": true, "first": true, "last": true,
}

// Parse parses a path beginning with "$" (or "@" inside filters).
func Parse(src string) (*Path, error) {
	p := &parser{src: src}
	path, err := p.path()
	if err != nil {
		return nil, err
	}
	if p.pos != len(src) {
		return nil, p.errorf("unexpected %q", src[p.pos:])
	}
	return path, nil
}

// MustParse is Parse for paths known to be valid.
func MustParse(src string) *Path {
	p, err := Parse(src)
	if err != nil {
		panic(err)
	}
	return p
}

// String is the path as written.
func (p *Path) String() string { return p.src }

// Definite reports whether the path selects at most one value (no
// wildcards, slices, filters, deep scans or index lists), so that Get
// returns the value itself rather than a list.
func (p *Path) Definite() bool {
	for _, s := range p.segs {
		if !s.definite() {
			return false
		}
	}
	return true
}

// Reference reports whether the path is a reference path, as ResultPath
// requires: only single names and indexes, no function.
func (p *Path) Reference() bool { return p.fn == "" && p.Definite() }

type parser struct {
	src string
	pos int
}

func (p *parser) errorf(format string, args ...any) error {
	return &Error{Path: p.src, Pos: p.pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
}

func (p *parser) path() (*Path, error) {
	start := p.pos
	c := p.peek()
	if c != '$' && c != '@' {
		return nil, p.errorf("a path must start with $")
	}
	p.pos++
	path := &Path{root: c}
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c != '.' && c != '[' {
			break
		}
		if path.fn != "" {
			return nil, p.errorf("a function must end the path")
		}
		if err := p.segment(path); err != nil {
			return nil, err
		}
	}
	path.src = p.src[start:p.pos]
	return path, nil
}

func (p *parser) segment(path *Path) error {
	deep := false
	if p.peek() == '.' {
		p.pos++
		if p.peek() == '.' {
			p.pos++
			deep = true
		}
		switch p.peek() {
		case '[':
		case '*':
			p.pos++
			path.segs = append(path.segs, segment{kind: segWildcard, deep: deep})
			return nil
		default:
			name := p.name()
			if name == "" {
				return p.errorf("expected a property name")
			}
			if p.peek() == '(' && functions[name] && !deep {
				if !strings.HasPrefix(p.src[p.pos:], "()") {
					return p.errorf("path functions take no arguments")
				}
				p.pos += 2
				path.fn = name
				return nil
			}
			path.segs = append(path.segs, segment{kind: segNames, deep: deep, names: []string{name}})
			return nil
		}
	}
	seg, err := p.bracket()
	if err != nil {
		return err
	}
	seg.deep = deep
	path.segs = append(path.segs, seg)
	return nil
}

// name reads a dot-notation property name: anything up to the next
// separator.
func (p *parser) name() string {
	start := p.pos
	for p.pos < len(p.src) && !strings.ContainsRune(".[]()' =<>!&|,", rune(p.src[p.pos])) {
		p.pos++
	}
	return p.src[start:p.pos]
}

func (p *parser) bracket() (segment, error) {
	p.pos++ // [
	p.skipSpace()
	var seg segment
	var err error
	switch c := p.peek(); {
	case c == '*':
		p.pos++
		seg = segment{kind: segWildcard}
	case c == '\'' || c == '"':
		seg, err = p.names()
	case c == '?':
		seg, err = p.filterSegment()
	default:
		seg, err = p.indexesOrSlice()
	}
	if err != nil {
		return seg, err
	}
	p.skipSpace()
	if p.peek() != ']' {
		return seg, p.errorf("expected ]")
	}
	p.pos++
	return seg, nil
}

func (p *parser) names() (segment, error) {
	seg := segment{kind: segNames}
	for {
		s, err := p.quoted()
		if err != nil {
			return seg, err
		}
		seg.names = append(seg.names, s)
		p.skipSpace()
		if p.peek() != ',' {
			return seg, nil
		}
		p.pos++
		p.skipSpace()
	}
}

// quoted reads a string in single or double quotes, with backslash escapes.
func (p *parser) quoted() (string, error) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", p.errorf("expected a quoted string")
	}
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == q:
			p.pos++
			return b.String(), nil
		case c == '\\' && p.pos+1 < len(p.src):
			p.pos++
			b.WriteByte(p.src[p.pos])
		default:
			b.WriteByte(c)
		}
		p.pos++
	}
	return "", p.errorf("unterminated string")
}

func (p *parser) indexesOrSlice() (segment, error) {
	first, hasFirst, err := p.optInt()
	if err != nil {
		return segment{}, err
	}
	p.skipSpace()
	if p.peek() == ':' {
		p.pos++
		p.skipSpace()
		seg := segment{kind: segSlice}
		if hasFirst {
			seg.from = &first
		}
		to, hasTo, err := p.optInt()
		if err != nil {
			return seg, err
		}
		if hasTo {
			seg.to = &to
		}
		return seg, nil
	}
	if !hasFirst {
		return segment{}, p.errorf("expected an index, a slice, a quoted name, * or a filter")
	}
	seg := segment{kind: segIndexes, indexes: []int{first}}
	for p.peek() == ',' {
		p.pos++
		p.skipSpace()
		i, ok, err := p.optInt()
		if err != nil {
			return seg, err
		}
		if !ok {
			return seg, p.errorf("expected an index")
		}
		seg.indexes = append(seg.indexes, i)
		p.skipSpace()
	}
	return seg, nil
}

func (p *parser) optInt() (int, bool, error) {
	start := p.pos
	if p.peek() == '-' {
		p.pos++
	}
	for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
		p.pos++
	}
	if p.pos == start {
		return 0, false, nil
	}
	n, err := strconv.Atoi(p.src[start:p.pos])
	if err != nil {
		p.pos = start
		return 0, false, p.errorf("bad index")
	}
	return n, true, nil
}

func (p *parser) filterSegment() (segment, error) {
	if !strings.HasPrefix(p.src[p.pos:], "?(") {
		return segment{}, p.errorf("expected ?(")
	}
	p.pos += 2
	e, err := p.orExpr()
	if err != nil {
		return segment{}, err
	}
	p.skipSpace()
	if p.peek() != ')' {
		return segment{}, p.errorf("expected ) to close the filter")
	}
	p.pos++
	return segment{kind: segFilter, filter: e}, nil
}
