package eventfilter

import (
	"sort"
	"strconv"
	"strings"
)

// glob is a wildcard value: literal parts separated by stars, each star
// matching any run of characters (a backslash escapes a star or itself).
type glob struct {
	parts []string // len(parts) = stars + 1
}

// parseWildcard parses a wildcard value as the Ruler does, refusing
// consecutive stars and backslashes that escape anything but a star or a
// backslash. offset is added to byte positions in messages: the Ruler's
// plain wildcard sees the value inside its quotes.
func parseWildcard(s string, offset int) (*glob, string) {
	g := &glob{}
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*':
			if i+1 < len(s) && s[i+1] == '*' {
				return nil, "Consecutive wildcard characters at pos " + strconv.Itoa(i+offset)
			}
			g.parts = append(g.parts, cur.String())
			cur.Reset()
		case '\\':
			if i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '\\') {
				cur.WriteByte(s[i+1])
				i++
				continue
			}
			return nil, "Invalid escape character at pos " + strconv.Itoa(i+offset)
		default:
			cur.WriteByte(s[i])
		}
	}
	g.parts = append(g.parts, cur.String())
	return g, ""
}

// lead is the literal text before the first star.
func (g *glob) lead() string { return g.parts[0] }

// match reports whether s matches: the first part is a prefix, the last a
// suffix, and the parts between occur in order (leftmost occurrences are
// enough for stars-only globs).
func (g *glob) match(s string) bool {
	if len(g.parts) == 1 {
		return s == g.parts[0]
	}
	first, last := g.parts[0], g.parts[len(g.parts)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	s = s[len(first) : len(s)-len(last)]
	for _, p := range g.parts[1 : len(g.parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}

// Wildcard complexity, as the Ruler's MachineComplexityEvaluator measures
// it: the most prefixes of the field's wildcard patterns that one input
// can match at once (the states a matcher must track). EventBridge refuses
// a rule above its limit; AWS accepts "/Users/*/dir/dir/dir/dir/dir/doc.txt"
// (7) and refuses "*:*:*:*:*:event-bus/*" (11), so the limit lies between.
const (
	maxComplexity = 10
	// subsets explored before the evaluation gives up and calls the rule
	// too complex
	maxComplexitySets = 20000
)

const tooComplex = "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character"

// checkComplexity evaluates each field's wildcard patterns (plain and
// anything-but, across the pattern's alternatives) together.
func checkComplexity(p *Pattern) *Error {
	byPath := map[string][]*glob{}
	for _, s := range p.subs {
		for _, f := range s.fields {
			for _, a := range f.atoms {
				switch a.kind {
				case atomWildcard:
					byPath[f.path] = append(byPath[f.path], a.glob)
				case atomButWildcard:
					byPath[f.path] = append(byPath[f.path], a.globs...)
				}
			}
		}
	}
	for _, globs := range byPath {
		if complexity(dedupeGlobs(globs)) > maxComplexity {
			return &Error{Reason: tooComplex}
		}
	}
	return nil
}

func dedupeGlobs(globs []*glob) []*glob {
	seen := map[string]bool{}
	var out []*glob
	for _, g := range globs {
		k := strings.Join(g.parts, "\x00*")
		if !seen[k] {
			seen[k] = true
			out = append(out, g)
		}
	}
	return out
}

// nfaState is a position in one glob's sequence of bytes and stars.
type nfaState struct{ g, pos int }

// complexity runs the subset construction over the globs' automata and
// returns the largest set of positions (beyond the starting ones) an input
// can reach.
func complexity(globs []*glob) int {
	seqs := make([][]int, len(globs)) // bytes, -1 for a star
	alphabet := map[int]bool{256: true}
	for i, g := range globs {
		for j, p := range g.parts {
			if j > 0 {
				seqs[i] = append(seqs[i], -1)
			}
			for k := 0; k < len(p); k++ {
				seqs[i] = append(seqs[i], int(p[k]))
				alphabet[int(p[k])] = true
			}
		}
	}
	var start []nfaState
	for i := range seqs {
		start = append(start, nfaState{i, 0})
	}
	start = closure(seqs, start)
	seen := map[string]bool{stateKey(start): true}
	queue := [][]nfaState{start}
	best := 0
	for len(queue) > 0 {
		set := queue[0]
		queue = queue[1:]
		n := 0
		for _, s := range set {
			if s.pos > 0 {
				n++
			}
		}
		if n > best {
			best = n
		}
		for b := range alphabet {
			next := step(seqs, set, b)
			if len(next) == 0 {
				continue
			}
			if k := stateKey(next); !seen[k] {
				if seen[k] = true; len(seen) > maxComplexitySets {
					return maxComplexity + 1
				}
				queue = append(queue, next)
			}
		}
	}
	return best
}

// closure adds the positions past stars: a star may match nothing.
func closure(seqs [][]int, set []nfaState) []nfaState {
	in := map[nfaState]bool{}
	for _, s := range set {
		in[s] = true
	}
	for i := 0; i < len(set); i++ {
		s := set[i]
		if s.pos < len(seqs[s.g]) && seqs[s.g][s.pos] == -1 {
			n := nfaState{s.g, s.pos + 1}
			if !in[n] {
				in[n] = true
				set = append(set, n)
			}
		}
	}
	sort.Slice(set, func(i, j int) bool {
		return set[i].g < set[j].g || (set[i].g == set[j].g && set[i].pos < set[j].pos)
	})
	return set
}

// step moves a set of positions over one byte (256 stands for any byte the
// globs do not name): a position just past a star stays, a literal that
// matches advances.
func step(seqs [][]int, set []nfaState, b int) []nfaState {
	var next []nfaState
	in := map[nfaState]bool{}
	add := func(s nfaState) {
		if !in[s] {
			in[s] = true
			next = append(next, s)
		}
	}
	for _, s := range set {
		seq := seqs[s.g]
		if s.pos > 0 && seq[s.pos-1] == -1 {
			add(s)
		}
		if s.pos < len(seq) && seq[s.pos] == b {
			add(nfaState{s.g, s.pos + 1})
		}
	}
	return closure(seqs, next)
}

func stateKey(set []nfaState) string {
	var b strings.Builder
	for _, s := range set {
		b.WriteString(strconv.Itoa(s.g))
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(s.pos))
		b.WriteByte(',')
	}
	return b.String()
}
