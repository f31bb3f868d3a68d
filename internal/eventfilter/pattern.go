package eventfilter

import (
	"bytes"
	"encoding/json"
	"sort"
)

// Error is a pattern the language refuses, worded as AWS words it: the
// reason, then (for most errors) where in the pattern it was found, as
// "\n at [Source: (String)"..."; line: 1, column: 11]". EventBridge
// prefixes it with "Event pattern is not valid. Reason: ", SNS with its
// "Invalid parameter: ... FilterPolicy: ".
type Error struct {
	Reason   string
	Location string
}

func (e *Error) Error() string { return e.Reason + e.Location }

// Pattern is a compiled event pattern: the alternatives ("sub-rules") its
// "$or"s expand to, any one of which matching is a match.
type Pattern struct {
	subs []subRule
}

// subRule is one conjunction: every field must match. Fields are sorted by
// path, the order in which the Ruler walks them (which decides what an
// {"exists": false} inside an array is checked against).
type subRule struct {
	fields []field
}

// field is the conditions on one path (keys joined by dots): a value at the
// path must match one of the atoms, or, when absent is set, the path may
// have no value.
type field struct {
	path   string
	atoms  []atom
	absent bool
}

// atomKind is a kind of condition on one value.
type atomKind uint8

const (
	atomString      atomKind = iota // "text": an exact string ("exactly" too)
	atomNumber                      // 300: the literal, or any number equal to it
	atomLiteral                     // true, false, null
	atomIP                          // "10.0.0.1": an IP address in any spelling
	atomPrefix                      // {"prefix": "s"}
	atomSuffix                      // {"suffix": "s"}
	atomPrefixFold                  // {"prefix": {"equals-ignore-case": "s"}}
	atomSuffixFold                  // {"suffix": {"equals-ignore-case": "s"}}
	atomEqualsFold                  // {"equals-ignore-case": "s"}
	atomWildcard                    // {"wildcard": "a*b"}
	atomRange                       // {"numeric": [">", 0, "<=", 5]} and [ "=", 5 ]
	atomCIDR                        // {"cidr": "10.0.0.0/24"}
	atomExists                      // {"exists": true}
	atomButString                   // {"anything-but": ["a", "b"]}
	atomButNumber                   // {"anything-but": [1, 2]}
	atomButPrefix                   // {"anything-but": {"prefix": ...}}
	atomButSuffix                   // {"anything-but": {"suffix": ...}}
	atomButFold                     // {"anything-but": {"equals-ignore-case": ...}}
	atomButWildcard                 // {"anything-but": {"wildcard": ...}}
	atomAbsent                      // {"exists": false}: only while compiling, then field.absent
)

// atom is one condition of a field.
type atom struct {
	kind atomKind
	// s is the string, prefix or suffix (case-folded for the Fold kinds),
	// the number's or literal's text.
	s string
	// num is a number's comparable value (numOK when it has one).
	num   int64
	numOK bool
	// a numeric range over comparable values
	lo, hi         int64
	loOpen, hiOpen bool
	// an address (atomIP) or a CIDR block
	ip ipRange
	// a wildcard
	glob *glob
	// anything-but sets: strings (folded for atomButFold), numbers, globs
	set   []string
	nums  []int64
	globs []*glob
}

// Match reports whether event (decoded JSON: maps, slices, strings,
// json.Number or float64, bools, nil) matches the pattern.
func (p *Pattern) Match(event any) bool {
	return p.matchFlat(flattenValue(event))
}

// MatchJSON decodes an event and matches it; text that is not JSON matches
// nothing.
func (p *Pattern) MatchJSON(data []byte) bool {
	ev, err := flattenJSON(data)
	if err != nil {
		return false
	}
	return p.matchFlat(ev)
}

func (p *Pattern) matchFlat(ev *flatEvent) bool {
	for i := range p.subs {
		if p.subs[i].match(ev) {
			return true
		}
	}
	return false
}

// buildSubRules turns the compiler's path maps into sorted sub-rules.
func buildSubRules(rules []map[string][]atom) []subRule {
	out := make([]subRule, 0, len(rules))
	for _, r := range rules {
		var s subRule
		for path, atoms := range r {
			f := field{path: path}
			for _, a := range atoms {
				if a.kind == atomAbsent {
					f.absent = true
					continue
				}
				f.atoms = append(f.atoms, a)
			}
			s.fields = append(s.fields, f)
		}
		sort.Slice(s.fields, func(i, j int) bool { return s.fields[i].path < s.fields[j].path })
		out = append(out, s)
	}
	return out
}

// decodeJSON decodes JSON keeping numbers' text.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}
