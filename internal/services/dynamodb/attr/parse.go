package attr

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Parser reads request JSON in one pass, for the hand-written decoders of
// DynamoDB's busiest requests: encoding/json validates a request, then
// hands each AttributeValue's bytes to UnmarshalJSON, which parses them
// again (and a nested value once more per level). A Parser builds the
// values as it reads.
//
// It reads only the common forms and gives up on anything else (a null,
// a member it does not know, a name in another case, a duplicate type in
// an AttributeValue, nesting past maxParseDepth): its caller then decodes
// the request with encoding/json, which has the last word, errors
// included. So where it succeeds its result is the one encoding/json
// gives (FuzzParser compares them), and it need not word errors.
type Parser struct {
	data   []byte
	pos    int
	failed bool
}

// maxParseDepth bounds the nesting the Parser reads (DynamoDB allows 32).
const maxParseDepth = 64

// NewParser reads data.
func NewParser(data []byte) *Parser { return &Parser{data: data} }

// Fail gives up.
func (p *Parser) Fail() {
	p.failed = true
	p.pos = len(p.data)
}

// Done reports whether everything was read without giving up: only
// whitespace follows.
func (p *Parser) Done() bool {
	p.space()
	return !p.failed && p.pos == len(p.data)
}

func (p *Parser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// peek is the next byte after whitespace (0 at the end).
func (p *Parser) peek() byte {
	p.space()
	if p.pos < len(p.data) {
		return p.data[p.pos]
	}
	return 0
}

func (p *Parser) expect(c byte) bool {
	if p.peek() != c {
		p.Fail()
		return false
	}
	p.pos++
	return true
}

// Open starts an object ('{') or an array ('['); it reports whether a
// first member follows. Next is called after each member:
//
//	for ok := p.Open('{'); ok; ok = p.Next('}') { name := p.Name(); ... }
func (p *Parser) Open(c byte) bool {
	if !p.expect(c) {
		return false
	}
	if p.peek() == c+2 { // '}' and ']' follow '{' and '[' by two
		p.pos++
		return false
	}
	return !p.failed
}

// Next reads the ',' before another member, or the end.
func (p *Parser) Next(end byte) bool {
	switch p.peek() {
	case ',':
		p.pos++
		return true
	case end:
		p.pos++
		return false
	}
	p.Fail()
	return false
}

// Name reads an object member's name as it is written (a name with
// escapes gives up) and its ':'.
func (p *Parser) Name() []byte {
	if !p.expect('"') {
		return nil
	}
	start := p.pos
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c == '"' {
			name := p.data[start:p.pos]
			p.pos++
			p.expect(':')
			return name
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		p.pos++
	}
	p.Fail()
	return nil
}

// Key reads an object member's name, any string, and its ':'.
func (p *Parser) Key() string {
	k := p.String()
	p.expect(':')
	return k
}

// String reads a string.
func (p *Parser) String() string {
	s, plain := p.stringBytes()
	if plain {
		return string(s)
	}
	// Escapes and invalid UTF-8: encoding/json's own reading.
	var out string
	if json.Unmarshal(s, &out) != nil {
		p.Fail()
	}
	return out
}

// stringBytes reads a string token: its content when it is plain (no
// escape, valid UTF-8), else the whole token with its quotes.
func (p *Parser) stringBytes() (s []byte, plain bool) {
	if !p.expect('"') {
		return nil, false
	}
	start := p.pos
	ascii := true
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			s = p.data[start:p.pos]
			p.pos++
			if ascii || utf8.Valid(s) {
				return s, true
			}
			return p.data[start-1 : p.pos], false
		case c == '\\':
			return p.escaped(start), false
		case c < 0x20:
			p.Fail()
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		p.pos++
	}
	p.Fail()
	return nil, false
}

// escaped finds the end of a string with escapes that starts at start
// and returns the token, quotes included.
func (p *Parser) escaped(start int) []byte {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case '\\':
			p.pos += 2
			continue
		case '"':
			p.pos++
			return p.data[start-1 : p.pos]
		}
		p.pos++
	}
	p.Fail()
	return nil
}

// Bool reads true or false.
func (p *Parser) Bool() bool {
	switch p.peek() {
	case 't':
		return p.literal("true")
	case 'f':
		p.literal("false")
		return false
	}
	p.Fail()
	return false
}

func (p *Parser) literal(word string) bool {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		p.Fail()
		return false
	}
	p.pos += len(word)
	return true
}

// Int reads an integer written without fraction or exponent.
func (p *Parser) Int() int {
	p.space()
	start := p.pos
	if p.pos < len(p.data) && p.data[p.pos] == '-' {
		p.pos++
	}
	digits := p.pos
	for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
		p.pos++
	}
	n, err := strconv.Atoi(string(p.data[start:p.pos]))
	leadingZero := p.pos-digits > 1 && p.data[digits] == '0'
	if err != nil || leadingZero || p.pos < len(p.data) && (p.data[p.pos] == '.' || p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.Fail()
	}
	return n
}

// Decode reads the next value with encoding/json into v (a member of
// no consequence to speed: legacy parameters and the like).
func (p *Parser) Decode(v any) {
	start := p.pos
	p.skip(0)
	if p.failed || json.Unmarshal(p.data[start:p.pos], v) != nil {
		p.Fail()
	}
}

// skip reads over any value (for Decode, which checks it too).
func (p *Parser) skip(depth int) {
	if depth > maxParseDepth {
		p.Fail()
		return
	}
	switch c := p.peek(); {
	case c == '{':
		for ok := p.Open('{'); ok; ok = p.Next('}') {
			p.stringBytes()
			p.expect(':')
			p.skip(depth + 1)
		}
	case c == '[':
		for ok := p.Open('['); ok; ok = p.Next(']') {
			p.skip(depth + 1)
		}
	case c == '"':
		p.stringBytes()
	default:
		for p.pos < len(p.data) && !isDelimiter(p.data[p.pos]) {
			p.pos++
		}
	}
}

func isDelimiter(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

// Strings reads an array of strings.
func (p *Parser) Strings() []string {
	out := []string{}
	for ok := p.Open('['); ok; ok = p.Next(']') {
		out = append(out, p.String())
	}
	return out
}

// StringMap reads an object of strings into m (allocated when nil), as
// encoding/json adds to a map it decodes into.
func (p *Parser) StringMap(m map[string]string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	for ok := p.Open('{'); ok; ok = p.Next('}') {
		k := p.Key()
		m[k] = p.String()
	}
	return m
}

// Item reads an object of AttributeValues (an item, a key, expression
// values) into m (allocated when nil).
func (p *Parser) Item(m map[string]Value) map[string]Value {
	return p.item(m, 0)
}

func (p *Parser) item(m map[string]Value, depth int) map[string]Value {
	if m == nil {
		m = make(map[string]Value, 4)
	}
	for ok := p.Open('{'); ok; ok = p.Next('}') {
		k := p.Key()
		m[k] = p.value(depth + 1)
	}
	return m
}

// Value reads an AttributeValue.
func (p *Parser) Value() Value { return p.value(0) }

// value reads an AttributeValue as UnmarshalJSON does, giving up on a
// type given twice or two types (UnmarshalJSON's result then depends on
// the order of its fields) and on nulls.
func (p *Parser) value(depth int) Value {
	var v Value
	if depth > maxParseDepth {
		p.Fail()
		return v
	}
	for ok := p.Open('{'); ok; ok = p.Next('}') {
		t, known := parseTypeName(p.Name())
		if !known || v.T != Invalid || p.peek() == 'n' {
			p.Fail()
			return v
		}
		v.T = t
		p.member(&v, depth)
	}
	if v.T == Invalid && !p.failed {
		v.invalid = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
	}
	return v
}

// member reads the content of a value of type v.T.
func (p *Parser) member(v *Value, depth int) {
	switch v.T {
	case S:
		v.S = p.String()
	case N:
		v.setNumber(p.String())
	case B:
		v.S = string(p.binary())
	case BOOL:
		v.Bool = p.Bool()
	case NULL:
		if v.Bool = p.Bool(); !v.Bool {
			v.invalid = "One or more parameter values were invalid: Null attribute value types must have the value of true"
		}
	case M:
		v.M = p.item(nil, depth)
	case L:
		v.L = []Value{}
		for ok := p.Open('['); ok; ok = p.Next(']') {
			v.L = append(v.L, p.value(depth+1))
		}
	case SS:
		v.Set = p.Strings()
	case NS:
		v.setNumbers(p.Strings())
	case BS:
		for ok := p.Open('['); ok; ok = p.Next(']') {
			v.Set = append(v.Set, string(p.binary()))
		}
	}
}

// binary reads base64 text as encoding/json reads a []byte.
func (p *Parser) binary() []byte {
	s, plain := p.stringBytes()
	if !plain {
		p.Fail()
		return nil
	}
	b := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Decode(b, s)
	if err != nil {
		p.Fail()
	}
	return b[:n]
}

// parseTypeName reads an AttributeValue's member name, as written.
func parseTypeName(name []byte) (Type, bool) {
	for i, n := range typeNames {
		if i > 0 && n == string(name) {
			return Type(i), true
		}
	}
	return Invalid, false
}
