package eventfilter

import (
	"unicode"
	"unicode/utf8"
)

// tok is a token of a JSON text.
type tok uint8

const (
	tNone tok = iota
	tStartObject
	tEndObject
	tStartArray
	tEndArray
	tName
	tString
	tNumber
	tTrue
	tFalse
	tNull
	tEOF
)

// lexer reads a pattern token by token as AWS's parser (Jackson's streaming
// parser, under aws/event-ruler) does, so that an error names the position
// AWS names: a string value is consumed only up to its opening quote until
// its text is asked for, a field name is read together with the colon and
// the first character (or the whole literal) of its value, and an error of
// an unexpected character points at that character.
type lexer struct {
	src []byte
	pos int // the next byte to read

	cur     tok
	text    string // field name, string value (once read) or number literal
	pending bool   // cur is a string whose text has not been read yet
	next    tok    // the value token read together with a field name
	nextTxt string
	nextPen bool

	// stack of open containers: '{' or '[', with the offset of each
	stack  []byte
	starts []int
	// after a value inside a container a comma or a close is expected
	wantComma bool
}

func newLexer(src []byte) *lexer { return &lexer{src: src} }

func (l *lexer) skipWS() {
	for l.pos < len(l.src) {
		switch l.src[l.pos] {
		case ' ', '\t', '\n', '\r':
			l.pos++
		default:
			return
		}
	}
}

func (l *lexer) inObject() bool { return len(l.stack) > 0 && l.stack[len(l.stack)-1] == '{' }

func (l *lexer) typeDesc() string {
	if len(l.stack) == 0 {
		return "root"
	}
	if l.inObject() {
		return "Object"
	}
	return "Array"
}

// eofInContainer is Jackson's end-of-input inside an open container.
func (l *lexer) eofInContainer() *Error {
	kind, start := "Array", l.starts[len(l.starts)-1]
	if l.inObject() {
		kind = "Object"
	}
	return l.fail("Unexpected end-of-input: expected close marker for " + kind + " (start marker at " + l.sourceRef(start) + ")")
}

// getText is Jackson's getText: it reads a pending string, and names
// structural tokens by their character.
func (l *lexer) getText() (string, *Error) {
	switch l.cur {
	case tString:
		if l.pending {
			s, err := l.readString()
			if err != nil {
				return "", err
			}
			l.text, l.pending = s, false
		}
		return l.text, nil
	case tName, tNumber:
		return l.text, nil
	case tStartObject:
		return "{", nil
	case tEndObject:
		return "}", nil
	case tStartArray:
		return "[", nil
	case tEndArray:
		return "]", nil
	case tTrue:
		return "true", nil
	case tFalse:
		return "false", nil
	case tNull:
		return "null", nil
	}
	return "", nil
}

// nextToken is Jackson's nextToken.
func (l *lexer) nextToken() (tok, *Error) {
	if l.pending {
		if _, err := l.readString(); err != nil {
			return tNone, err
		}
		l.pending = false
	}
	if l.next != tNone {
		l.cur, l.text, l.pending = l.next, l.nextTxt, l.nextPen
		l.next = tNone
		l.open()
		return l.cur, nil
	}
	l.skipWS()
	if l.pos >= len(l.src) {
		if len(l.stack) > 0 {
			return tNone, l.eofInContainer()
		}
		l.cur = tEOF
		return tEOF, nil
	}
	c := l.src[l.pos]
	if c == '}' || c == ']' {
		return l.close(c)
	}
	if l.wantComma {
		if c != ',' {
			return tNone, l.unexpected(l.pos, "was expecting comma to separate "+l.typeDesc()+" entries")
		}
		l.pos++
		l.skipWS()
		if l.pos >= len(l.src) {
			return tNone, l.eofInContainer()
		}
		c = l.src[l.pos]
	}
	if l.inObject() {
		return l.readName()
	}
	t, txt, pen, err := l.readValue()
	if err != nil {
		return tNone, err
	}
	l.cur, l.text, l.pending = t, txt, pen
	l.open()
	return t, nil
}

// open pushes a container the current token starts, and notes whether a
// comma must come next.
func (l *lexer) open() {
	switch l.cur {
	case tStartObject, tStartArray:
		c := byte('{')
		if l.cur == tStartArray {
			c = '['
		}
		l.stack = append(l.stack, c)
		l.starts = append(l.starts, l.pos-1)
		l.wantComma = false
	case tName:
		l.wantComma = false
	default:
		l.wantComma = len(l.stack) > 0
	}
}

func (l *lexer) close(c byte) (tok, *Error) {
	l.pos++
	if len(l.stack) == 0 {
		return tNone, l.fail("Unexpected close marker '" + string(c) + "': expected ']' (for root starting at " + l.sourceRef(0) + ")")
	}
	if top := l.stack[len(l.stack)-1]; (top == '{') != (c == '}') {
		want, kind := "]", "Array"
		if top == '{' {
			want, kind = "}", "Object"
		}
		return tNone, l.fail("Unexpected close marker '" + string(c) + "': expected '" + want + "' (for " + kind + " starting at " + l.sourceRef(l.starts[len(l.starts)-1]) + ")")
	}
	l.stack, l.starts = l.stack[:len(l.stack)-1], l.starts[:len(l.starts)-1]
	l.cur, l.wantComma = tEndObject, len(l.stack) > 0
	if c == ']' {
		l.cur = tEndArray
	}
	return l.cur, nil
}

// readName reads a field name, its colon and the start of its value.
func (l *lexer) readName() (tok, *Error) {
	if l.src[l.pos] != '"' {
		return tNone, l.unexpected(l.pos, "was expecting double-quote to start field name")
	}
	l.pos++
	name, err := l.readString()
	if err != nil {
		return tNone, err
	}
	l.skipWS()
	if l.pos >= len(l.src) {
		return tNone, l.fail("Unexpected end-of-input within/between Object entries")
	}
	if l.src[l.pos] != ':' {
		return tNone, l.unexpected(l.pos, "was expecting a colon to separate field name and value")
	}
	l.pos++
	l.skipWS()
	if l.pos >= len(l.src) {
		return tNone, l.fail("Unexpected end-of-input within/between Object entries")
	}
	t, txt, pen, verr := l.readValue()
	if verr != nil {
		return tNone, verr
	}
	l.cur, l.text, l.pending = tName, name, false
	l.next, l.nextTxt, l.nextPen = t, txt, pen
	l.open()
	return tName, nil
}

// readValue reads the start of a value at pos (not whitespace).
func (l *lexer) readValue() (tok, string, bool, *Error) {
	c := l.src[l.pos]
	switch {
	case c == '"':
		l.pos++
		return tString, "", true, nil
	case c == '{':
		l.pos++
		return tStartObject, "", false, nil
	case c == '[':
		l.pos++
		return tStartArray, "", false, nil
	case c == '-' || (c >= '0' && c <= '9'):
		s, err := l.readNumber()
		return tNumber, s, false, err
	case c == 't':
		return tTrue, "", false, l.matchLiteral("true")
	case c == 'f':
		return tFalse, "", false, l.matchLiteral("false")
	case c == 'n':
		return tNull, "", false, l.matchLiteral("null")
	case c == ']' || c == '}':
		return tNone, "", false, l.unexpected(l.pos, "expected a value")
	}
	r, _ := utf8.DecodeRune(l.src[l.pos:])
	if unicode.IsLetter(r) || r == '_' || r == '$' {
		return tNone, "", false, l.invalidToken(l.pos)
	}
	return tNone, "", false, l.unexpected(l.pos, "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')")
}
