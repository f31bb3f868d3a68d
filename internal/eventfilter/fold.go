package eventfilter

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// fold maps a string to a key that is equal for strings equal ignoring
// case: each rune becomes the smallest rune of its case-folding orbit.
// Folding rune by rune keeps prefixes and suffixes: a folded prefix is a
// prefix of the folded string.
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

func foldRune(r rune) rune {
	min := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < min {
			min = f
		}
	}
	if min < utf8.RuneSelf {
		return unicode.ToLower(min) // as the ASCII fast path does
	}
	return min
}
