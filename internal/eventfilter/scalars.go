package eventfilter

import (
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// The lexer's readers of scalars: literals, numbers and strings, with
// Jackson's messages for what it refuses in them.

// matchLiteral reads true, false or null; anything else there is a token
// Jackson does not know.
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
