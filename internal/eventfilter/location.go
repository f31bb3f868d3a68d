package eventfilter

import (
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Errors of the lexer and of the compiler, located as Jackson locates them.

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
