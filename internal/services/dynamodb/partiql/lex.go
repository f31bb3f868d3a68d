package partiql

import (
	"fmt"
	"strings"
)

type kind uint8

const (
	kEOF    kind = iota
	kWord        // an identifier or keyword
	kQuoted      // "double-quoted identifier"
	kString      // 'string literal'
	kNumber      // a numeric literal
	kParam       // ?
	kPunct       // = <> != < <= > >= ( ) [ ] { } , . : + - * << >>
)

type token struct {
	kind kind
	text string
	pos  int
}

// lex splits a statement into tokens; a string or identifier that does not
// end is an error.
func lex(src string) ([]token, error) {
	var toks []token
	for i := 0; i < len(src); {
		c := src[i]
		start := i
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c == '-' && i+1 < len(src) && src[i+1] == '-': // a comment to the end of the line
			for i < len(src) && src[i] != '\n' {
				i++
			}
			continue
		case isLetter(c) || c == '_':
			for i < len(src) && (isLetter(src[i]) || isDigit(src[i]) || src[i] == '_' || src[i] == '$') {
				i++
			}
			toks = append(toks, token{kWord, src[start:i], start})
		case c == '"' || c == '\'':
			text, n, err := quoted(src[i:], c)
			if err != nil {
				return nil, err
			}
			i += n
			k := kQuoted
			if c == '\'' {
				k = kString
			}
			toks = append(toks, token{k, text, start})
		case isDigit(c) || c == '.' && i+1 < len(src) && isDigit(src[i+1]):
			i = number(src, i)
			toks = append(toks, token{kNumber, src[start:i], start})
		case c == '?':
			i++
			toks = append(toks, token{kParam, "?", start})
		default:
			n := punct(src[i:])
			if n == 0 {
				return nil, fmt.Errorf("Unexpected character %q at position %d", c, i+1)
			}
			i += n
			toks = append(toks, token{kPunct, src[start:i], start})
		}
	}
	return append(toks, token{kind: kEOF, pos: len(src)}), nil
}

// quoted reads a string or identifier closed by q, where qq stands for q.
func quoted(s string, q byte) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != q {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == q {
			b.WriteByte(q)
			i++
			continue
		}
		return b.String(), i + 1, nil
	}
	if q == '\'' {
		return "", 0, fmt.Errorf("Unterminated string literal")
	}
	return "", 0, fmt.Errorf("Unterminated quoted identifier")
}

func number(s string, i int) int {
	for i < len(s) && (isDigit(s[i]) || s[i] == '.') {
		i++
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && isDigit(s[j]) {
			for i = j; i < len(s) && isDigit(s[i]); i++ {
			}
		}
	}
	return i
}

func punct(s string) int {
	for _, p := range []string{"<<", ">>", "<>", "!=", "<=", ">="} {
		if strings.HasPrefix(s, p) {
			return 2
		}
	}
	if strings.IndexByte("=<>()[]{},.:+-*", s[0]) >= 0 {
		return 1
	}
	return 0
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
