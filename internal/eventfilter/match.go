package eventfilter

import "strings"

// match reports whether an event satisfies every field of the sub-rule
// with values that are array-consistent, as the Ruler's rulesForJSONEvent
// requires: no two chosen values may sit in different elements of the same
// array. Fields are taken in path order; an {"exists": false} field is
// satisfied when no value at its path is consistent with the values chosen
// for the fields before it.
func (s *subRule) match(ev *flatEvent) bool {
	m := matcher{s: s, ev: ev}
	return m.from(0, nil)
}

// matchIDs is match with the leaves of each field found through the
// Machine's path ids (ids[i] for field i) rather than by path.
func (s *subRule) matchIDs(ids []int32, byID [][]leaf) bool {
	m := matcher{s: s, ids: ids, byID: byID}
	return m.from(0, nil)
}

type matcher struct {
	s    *subRule
	ev   *flatEvent
	ids  []int32
	byID [][]leaf
	// failed remembers (field, membership) pairs known not to lead to a
	// match, so that arrays of many objects are not searched again and
	// again.
	failed map[string]bool
}

func (m *matcher) from(i int, mem []arrayPos) bool {
	if i == len(m.s.fields) {
		return true
	}
	var key string
	if len(mem) > 0 {
		key = memKey(i, mem)
		if m.failed[key] {
			return false
		}
	}
	f := &m.s.fields[i]
	var leaves []leaf
	if m.ids != nil {
		leaves = m.byID[m.ids[i]]
	} else {
		leaves = m.ev.get(f.path)
	}
	seen := false
	for j := range leaves {
		l := &leaves[j]
		if !consistent(mem, l.mem) {
			continue
		}
		seen = true
		if f.matches(l) && m.from(i+1, merge(mem, l.mem)) {
			return true
		}
	}
	if f.absent && !seen && m.from(i+1, mem) {
		return true
	}
	if key != "" {
		if m.failed == nil {
			m.failed = map[string]bool{}
		}
		m.failed[key] = true
	}
	return false
}

func memKey(i int, mem []arrayPos) string {
	var b strings.Builder
	b.WriteByte(byte(i))
	b.WriteByte(byte(i >> 8))
	for _, p := range mem {
		for _, v := range [2]int32{p.id, p.idx} {
			b.WriteByte(byte(v))
			b.WriteByte(byte(v >> 8))
			b.WriteByte(byte(v >> 16))
			b.WriteByte(byte(v >> 24))
		}
	}
	return b.String()
}

// consistent reports whether two memberships agree on every array they
// share.
func consistent(a, b []arrayPos) bool {
	for _, x := range a {
		for _, y := range b {
			if x.id == y.id && x.idx != y.idx {
				return false
			}
		}
	}
	return true
}

// merge is the union of two consistent memberships.
func merge(a, b []arrayPos) []arrayPos {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	out := append([]arrayPos(nil), a...)
outer:
	for _, y := range b {
		for _, x := range a {
			if x.id == y.id {
				continue outer
			}
		}
		out = append(out, y)
	}
	return out
}

func (f *field) matches(l *leaf) bool {
	for i := range f.atoms {
		if f.atoms[i].matches(l) {
			return true
		}
	}
	return false
}

// matches reports whether one value satisfies the condition. String
// conditions only match strings and numeric ones only numbers; anything-but
// excludes only values of its own type, so it matches every other value,
// null included.
func (a *atom) matches(l *leaf) bool {
	switch a.kind {
	case atomString:
		return l.kind == vString && l.text == a.s
	case atomNumber:
		return l.kind == vNumber && (l.text == a.s || (a.numOK && l.numOK && l.num == a.num))
	case atomLiteral:
		return literalText(l.kind) == a.s
	case atomIP:
		ip, ok := stringAddr(l)
		return ok && a.ip.contains(ip)
	case atomPrefix:
		return l.kind == vString && strings.HasPrefix(l.text, a.s)
	case atomSuffix:
		return l.kind == vString && strings.HasSuffix(l.text, a.s)
	case atomPrefixFold:
		return l.kind == vString && strings.HasPrefix(l.fold(), a.s)
	case atomSuffixFold:
		return l.kind == vString && strings.HasSuffix(l.fold(), a.s)
	case atomEqualsFold:
		return l.kind == vString && l.fold() == a.s
	case atomWildcard:
		return l.kind == vString && a.glob.match(l.text)
	case atomRange:
		return l.kind == vNumber && l.numOK && a.inRange(l.num)
	case atomCIDR:
		ip, ok := stringAddr(l)
		return ok && a.ip.contains(ip)
	case atomExists:
		return true
	default:
		return !a.excludes(l)
	}
}

func (a *atom) inRange(n int64) bool {
	if n < a.lo || (a.loOpen && n == a.lo) {
		return false
	}
	return n < a.hi || (!a.hiOpen && n == a.hi)
}

// excludes reports whether an anything-but names the value.
func (a *atom) excludes(l *leaf) bool {
	if a.kind == atomButNumber {
		if l.kind != vNumber || !l.numOK {
			return false
		}
		for _, n := range a.nums {
			if n == l.num {
				return true
			}
		}
		return false
	}
	if l.kind != vString {
		return false
	}
	for _, s := range a.set {
		switch {
		case a.kind == atomButString && l.text == s,
			a.kind == atomButPrefix && strings.HasPrefix(l.text, s),
			a.kind == atomButSuffix && strings.HasSuffix(l.text, s),
			a.kind == atomButFold && l.fold() == s:
			return true
		}
	}
	for _, g := range a.globs {
		if g.match(l.text) {
			return true
		}
	}
	return false
}

func literalText(k valueKind) string {
	switch k {
	case vTrue:
		return "true"
	case vFalse:
		return "false"
	case vNull:
		return "null"
	}
	return ""
}

func stringAddr(l *leaf) (ipAddr, bool) {
	if l.kind != vString {
		return ipAddr{}, false
	}
	return l.addr()
}
