package expr

import (
	"strings"
)

// tokKind is a kind of lexical token.
type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tName   // #name
	tValue  // :value
	tNumber // a list index
	tPunct  // = <> < <= > >= ( ) [ ] , . + -
	tBad    // a character no token starts with
)

type token struct {
	kind       tokKind
	text       string
	start, end int
}

// lex splits an expression into tokens (whitespace dropped, positions kept
// for error messages).
func lex(src string) []token {
	var toks []token
	for i := 0; i < len(src); {
		c := src[i]
		start := i
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case isLetter(c):
			for i < len(src) && isWord(src[i]) {
				i++
			}
			toks = append(toks, token{tIdent, src[start:i], start, i})
		case c == '#' || c == ':':
			i++
			for i < len(src) && isWord(src[i]) {
				i++
			}
			k := tName
			if c == ':' {
				k = tValue
			}
			toks = append(toks, token{k, src[start:i], start, i})
		case c >= '0' && c <= '9':
			for i < len(src) && isWord(src[i]) {
				i++
			}
			toks = append(toks, token{tNumber, src[start:i], start, i})
		case c == '<' || c == '>':
			i++
			if i < len(src) && (src[i] == '=' || (c == '<' && src[i] == '>')) {
				i++
			}
			toks = append(toks, token{tPunct, src[start:i], start, i})
		case strings.IndexByte("=()[],.+-", c) >= 0:
			i++
			toks = append(toks, token{tPunct, src[start:i], start, i})
		default:
			i++
			for i < len(src) && src[i] >= 0x80 && src[i] < 0xC0 {
				i++ // the rest of a UTF-8 sequence
			}
			toks = append(toks, token{tBad, src[start:i], start, i})
		}
	}
	return append(toks, token{kind: tEOF, start: len(src), end: len(src)})
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isWord(c byte) bool   { return isLetter(c) || c >= '0' && c <= '9' || c == '_' }
