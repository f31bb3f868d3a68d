package eventfilter

import (
	"encoding/binary"
	"math"
	"sort"
	"strings"
)

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
	// groups index a field's many leaves by the array element they are
	// in, so that the leaves of one element are found without scanning
	// the others'.
	groups []*leafGroups
}

// leafGroups are a field's leaves in order of their outermost array and
// element (document order already is, for one array).
type leafGroups struct {
	loose []int32    // leaves in no array
	pos   []arrayPos // outermost array position of each of order's leaves
	order []int32
	ids   []int32 // the distinct outermost arrays
}

// groupThreshold is the number of leaves from which a field is indexed.
const groupThreshold = 32

func groupLeaves(leaves []leaf) *leafGroups {
	g := &leafGroups{}
	for j := range leaves {
		if len(leaves[j].mem) == 0 {
			g.loose = append(g.loose, int32(j))
			continue
		}
		g.pos = append(g.pos, leaves[j].mem[0])
		g.order = append(g.order, int32(j))
	}
	less := func(a, b arrayPos) bool { return a.id < b.id || (a.id == b.id && a.idx < b.idx) }
	if !sort.SliceIsSorted(g.pos, func(a, b int) bool { return less(g.pos[a], g.pos[b]) }) {
		sort.Sort(byPos{g})
	}
	for k, p := range g.pos {
		if k == 0 || g.pos[k-1].id != p.id {
			g.ids = append(g.ids, p.id)
		}
	}
	return g
}

// byPos sorts a leafGroups' leaves by position.
type byPos struct{ g *leafGroups }

func (b byPos) Len() int { return len(b.g.pos) }
func (b byPos) Less(i, j int) bool {
	x, y := b.g.pos[i], b.g.pos[j]
	return x.id < y.id || (x.id == y.id && x.idx < y.idx)
}
func (b byPos) Swap(i, j int) {
	b.g.pos[i], b.g.pos[j] = b.g.pos[j], b.g.pos[i]
	b.g.order[i], b.g.order[j] = b.g.order[j], b.g.order[i]
}

// span is the range of leaves from position lo up to (not including) hi.
func (g *leafGroups) span(lo, hi arrayPos) []int32 {
	at := func(p arrayPos) int {
		return sort.Search(len(g.pos), func(k int) bool {
			q := g.pos[k]
			return q.id > p.id || (q.id == p.id && q.idx >= p.idx)
		})
	}
	return g.order[at(lo):at(hi)]
}

// pick is the leaves that may be consistent with mem: in no array, or in
// mem's element of their outermost array.
func (g *leafGroups) pick(mem []arrayPos) []int32 {
	var out []int32
	for _, id := range g.ids {
		lo, hi := arrayPos{id, math.MinInt32}, arrayPos{id + 1, math.MinInt32}
		if idx, ok := memIndex(mem, id); ok {
			lo, hi = arrayPos{id, idx}, arrayPos{id, idx + 1}
		}
		if len(g.ids) == 1 && len(g.loose) == 0 {
			return g.span(lo, hi) // the common case: one array of objects
		}
		out = append(out, g.span(lo, hi)...)
	}
	return append(out, g.loose...)
}

func memIndex(mem []arrayPos, id int32) (int32, bool) {
	for _, p := range mem {
		if p.id == id {
			return p.idx, true
		}
	}
	return 0, false
}

func (m *matcher) from(i int, mem []arrayPos) bool {
	if i == len(m.s.fields) {
		return true
	}
	// Only fields before the last are worth remembering: the last one's
	// leaves are found directly.
	var key string
	if len(mem) > 0 && i < len(m.s.fields)-1 {
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
	grouped := len(mem) > 0 && len(leaves) >= groupThreshold
	var picked []int32
	n := len(leaves)
	if grouped {
		if m.groups == nil {
			m.groups = make([]*leafGroups, len(m.s.fields))
		}
		if m.groups[i] == nil {
			m.groups[i] = groupLeaves(leaves)
		}
		picked = m.groups[i].pick(mem)
		n = len(picked)
	}
	seen := false
	for k := 0; k < n; k++ {
		j := k
		if grouped {
			j = int(picked[k])
		}
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
	b := make([]byte, 0, 4+8*len(mem))
	b = binary.LittleEndian.AppendUint32(b, uint32(i))
	for _, p := range mem {
		b = binary.LittleEndian.AppendUint32(b, uint32(p.id))
		b = binary.LittleEndian.AppendUint32(b, uint32(p.idx))
	}
	return string(b)
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
