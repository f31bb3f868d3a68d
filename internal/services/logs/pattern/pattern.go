// Package pattern parses and matches CloudWatch Logs filter patterns, the
// language of FilterLogEvents (and metric and subscription filters): terms
// and quoted phrases that must all occur, "?"-prefixed alternatives of which
// one must occur, "-"-prefixed terms that must not occur, and JSON patterns
// such as `{ $.level = "ERROR" && $.latency > 100 }` over events whose
// message is a JSON object.
package pattern

import (
	"errors"
	"fmt"
	"strings"
)

// ErrSyntax wraps every parse error.
var ErrSyntax = errors.New("invalid filter pattern")

// Pattern is a parsed filter pattern. The zero Pattern matches everything.
type Pattern struct {
	terms *terms
	json  node
}

// Parse parses a filter pattern; the empty pattern (or "") matches every
// event.
func Parse(s string) (*Pattern, error) {
	t := strings.TrimSpace(s)
	switch {
	case t == "", t == `""`:
		return &Pattern{}, nil
	case strings.HasPrefix(t, "{"):
		n, err := parseJSON(t)
		if err != nil {
			return nil, err
		}
		return &Pattern{json: n}, nil
	case strings.HasPrefix(t, "["):
		return nil, fmt.Errorf("%w: space-delimited patterns ([...]) are not supported", ErrSyntax)
	}
	ts, err := parseTerms(t)
	if err != nil {
		return nil, err
	}
	return &Pattern{terms: ts}, nil
}

// Match reports whether an event's message matches.
func (p *Pattern) Match(message string) bool {
	switch {
	case p.json != nil:
		return matchJSON(p.json, message)
	case p.terms != nil:
		return p.terms.match(message)
	}
	return true
}

// terms is a pattern of plain terms: every one of all must occur, one of
// any (if there are some), none of not.
type terms struct {
	all, any, not []string
}

func (t *terms) match(msg string) bool {
	for _, s := range t.not {
		if strings.Contains(msg, s) {
			return false
		}
	}
	for _, s := range t.all {
		if !strings.Contains(msg, s) {
			return false
		}
	}
	if len(t.any) == 0 {
		return true
	}
	for _, s := range t.any {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func parseTerms(s string) (*terms, error) {
	t := &terms{}
	for i := 0; i < len(s); {
		if s[i] == ' ' || s[i] == '\t' {
			i++
			continue
		}
		kind := byte(0)
		if s[i] == '?' || s[i] == '-' {
			kind = s[i]
			i++
			if i == len(s) || s[i] == ' ' || s[i] == '\t' {
				return nil, fmt.Errorf("%w: %q stands alone", ErrSyntax, string(kind))
			}
		}
		var term string
		if s[i] == '"' {
			q, n, err := quoted(s[i:])
			if err != nil {
				return nil, err
			}
			term, i = q, i+n
		} else {
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' {
				if s[j] == '"' {
					return nil, fmt.Errorf("%w: a quote inside the term %q", ErrSyntax, s[i:])
				}
				j++
			}
			term, i = s[i:j], j
		}
		if term == "" {
			continue // "" alone stands for no term
		}
		switch kind {
		case '?':
			t.any = append(t.any, term)
		case '-':
			t.not = append(t.not, term)
		default:
			t.all = append(t.all, term)
		}
	}
	return t, nil
}

// quoted reads a double-quoted string at the start of s, with backslash
// escapes, and returns it and the bytes it took.
func quoted(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), i + 1, nil
		default:
			b.WriteByte(s[i])
		}
	}
	return "", 0, fmt.Errorf("%w: unterminated quote in %q", ErrSyntax, s)
}
