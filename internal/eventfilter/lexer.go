package eventfilter

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
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

// fail is an error at the current position.
func (l *lexer) fail(reason string) *Error {
	return &Error{Reason: reason, Location: l.location(l.pos)}
}

// failAt is an error at byte offset at (Jackson's "minus one" location of an
// unexpected character).
func (l *lexer) failAt(reason string, at int) *Error {
	return &Error{Reason: reason, Location: l.location(at)}
}

// wrap is what the Ruler's catch-and-rethrow blocks make of an error: its
// whole message becomes the reason and the current location is added again.
func (l *lexer) wrap(err *Error) *Error {
	return &Error{Reason: err.Reason + err.Location, Location: l.location(l.pos)}
}

// location renders Jackson's "\n at [Source: (String)"..."; line: L, column: C]"
// for byte offset at; lines and columns count UTF-16 units as Java does.
func (l *lexer) location(at int) string {
	return "\n at " + l.sourceRef(at)
}

// sourceDesc is Jackson's "[Source: (String)"..."" with its content cut at
// 500 characters.
func (l *lexer) sourceDesc() string {
	const max = 500
	units := utf16.Encode([]rune(string(l.src)))
	if len(units) <= max {
		return `[Source: (String)"` + string(l.src) + `"`
	}
	return `[Source: (String)"` + string(utf16.Decode(units[:max])) + `"[truncated ` + strconv.Itoa(len(units)-max) + " chars]"
}

func (l *lexer) sourceRef(at int) string {
	line, col := 1, 1
	for i := 0; i < at && i < len(l.src); {
		c := l.src[i]
		switch {
		case c == '\n':
			line, col = line+1, 1
			i++
		case c == '\r':
			line, col = line+1, 1
			i++
			if i < at && i < len(l.src) && l.src[i] == '\n' {
				i++
			}
		case c < utf8.RuneSelf:
			col++
			i++
		default:
			r, n := utf8.DecodeRune(l.src[i:])
			col += utf16.RuneLen(r)
			if r == utf8.RuneError {
				col = col - utf16.RuneLen(r) + 1
			}
			i += n
		}
	}
	if at > len(l.src) {
		col += at - len(l.src)
	}
	return l.sourceDesc() + "; line: " + strconv.Itoa(line) + ", column: " + strconv.Itoa(col) + "]"
}

// charDesc is how Jackson names a character in its messages.
func charDesc(c rune) string {
	if unicode.IsControl(c) {
		return "(CTRL-CHAR, code " + strconv.Itoa(int(c)) + ")"
	}
	if c > 255 {
		return "'" + string(c) + "' (code " + strconv.Itoa(int(c)) + " / 0x" + strconv.FormatInt(int64(c), 16) + ")"
	}
	return "'" + string(c) + "' (code " + strconv.Itoa(int(c)) + ")"
}

func (l *lexer) unexpected(at int, comment string) *Error {
	r, _ := utf8.DecodeRune(l.src[at:])
	return l.failAt("Unexpected character ("+charDesc(r)+"): "+comment, at)
}

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

func (l *lexer) matchLiteral(word string) *Error {
	start := l.pos
	for i := 0; i < len(word); i++ {
		if l.pos >= len(l.src) || l.src[l.pos] != word[i] {
			return l.invalidToken(start)
		}
		l.pos++
	}
	if l.pos < len(l.src) {
		if r, _ := utf8.DecodeRune(l.src[l.pos:]); identPart(r) {
			return l.invalidToken(start)
		}
	}
	return nil
}

func identPart(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '$'
}

// invalidToken reads the rest of a word Jackson does not know and names it.
func (l *lexer) invalidToken(start int) *Error {
	l.pos = start
	for l.pos < len(l.src) {
		r, n := utf8.DecodeRune(l.src[l.pos:])
		if !identPart(r) {
			break
		}
		l.pos += n
	}
	if l.pos == start {
		l.pos++
	}
	return l.fail("Unrecognized token '" + string(l.src[start:l.pos]) + "': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')")
}

func (l *lexer) digits() int {
	n := 0
	for l.pos < len(l.src) && l.src[l.pos] >= '0' && l.src[l.pos] <= '9' {
		l.pos++
		n++
	}
	return n
}

// readNumber reads a JSON number and returns its text.
func (l *lexer) readNumber() (string, *Error) {
	start := l.pos
	if l.src[l.pos] == '-' {
		l.pos++
		if l.pos >= len(l.src) || l.src[l.pos] < '0' || l.src[l.pos] > '9' {
			if l.pos >= len(l.src) {
				return "", l.fail("Unexpected end-of-input in a Number value")
			}
			return "", l.numberChar("expected digit (0-9) to follow minus sign, for valid numeric value")
		}
	}
	if l.src[l.pos] == '0' && l.pos+1 < len(l.src) && l.src[l.pos+1] >= '0' && l.src[l.pos+1] <= '9' {
		l.pos++
		return "", l.fail("Invalid numeric value: Leading zeroes not allowed")
	}
	l.digits()
	if l.pos < len(l.src) && l.src[l.pos] == '.' {
		l.pos++
		if l.digits() == 0 {
			if l.pos >= len(l.src) {
				return "", l.fail("Unexpected end-of-input in a Number value")
			}
			return "", l.numberChar("Decimal point not followed by a digit")
		}
	}
	if l.pos < len(l.src) && (l.src[l.pos] == 'e' || l.src[l.pos] == 'E') {
		l.pos++
		if l.pos < len(l.src) && (l.src[l.pos] == '+' || l.src[l.pos] == '-') {
			l.pos++
		}
		if l.digits() == 0 {
			if l.pos >= len(l.src) {
				return "", l.fail("Unexpected end-of-input in a Number value")
			}
			return "", l.numberChar("Exponent indicator not followed by a digit")
		}
	}
	return string(l.src[start:l.pos]), nil
}

func (l *lexer) numberChar(comment string) *Error {
	r, _ := utf8.DecodeRune(l.src[l.pos:])
	return l.failAt("Unexpected character ("+charDesc(r)+") in numeric value: "+comment, l.pos)
}

// readString reads a string whose opening quote has been consumed.
func (l *lexer) readString() (string, *Error) {
	start := l.pos
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if c == '"' {
			s := string(l.src[start:l.pos])
			l.pos++
			return s, nil
		}
		if c == '\\' || c < 0x20 {
			return l.readEscaped(start)
		}
		l.pos++
	}
	return "", l.fail("Unexpected end-of-input: was expecting closing quote for a string value")
}

func (l *lexer) readEscaped(start int) (string, *Error) {
	var b strings.Builder
	b.Write(l.src[start:l.pos])
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == '"':
			l.pos++
			return b.String(), nil
		case c < 0x20:
			l.pos++
			return "", l.failAt("Illegal unquoted character ("+charDesc(rune(c))+"): has to be escaped using backslash to be included in string value", l.pos-1)
		case c == '\\':
			r, err := l.readEscape()
			if err != nil {
				return "", err
			}
			b.WriteRune(r)
		default:
			b.WriteByte(c)
			l.pos++
		}
	}
	return "", l.fail("Unexpected end-of-input: was expecting closing quote for a string value")
}

// readEscape reads one escape sequence; a \u pair of surrogates makes one
// rune.
func (l *lexer) readEscape() (rune, *Error) {
	l.pos++ // the backslash
	if l.pos >= len(l.src) {
		return 0, l.fail("Unexpected end-of-input in character escape sequence")
	}
	c := l.src[l.pos]
	l.pos++
	switch c {
	case '"', '\\', '/':
		return rune(c), nil
	case 'b':
		return '\b', nil
	case 'f':
		return '\f', nil
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case 'u':
		r, err := l.hex4()
		if err != nil {
			return 0, err
		}
		if utf16.IsSurrogate(r) && l.pos+1 < len(l.src) && l.src[l.pos] == '\\' && l.src[l.pos+1] == 'u' {
			save := l.pos
			l.pos += 2
			r2, err := l.hex4()
			if err == nil {
				if d := utf16.DecodeRune(r, r2); d != unicode.ReplacementChar {
					return d, nil
				}
			}
			l.pos = save
		}
		return r, nil
	}
	r, _ := utf8.DecodeRune(l.src[l.pos-1:])
	return 0, l.failAt("Unrecognized character escape "+charDesc(r), l.pos-1)
}

func (l *lexer) hex4() (rune, *Error) {
	var r rune
	for i := 0; i < 4; i++ {
		if l.pos >= len(l.src) {
			return 0, l.fail("Unexpected end-of-input in character escape sequence")
		}
		c := l.src[l.pos]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, l.unexpected(l.pos, "expected a hex-digit for character escape sequence")
		}
		r = r<<4 | rune(d)
		l.pos++
	}
	return r, nil
}
