package eventfilter

import "sort"

// scratch is one match's bookkeeping: which entries were verified and which
// rules matched, by generation so it needs no clearing between matches.
type scratch struct {
	entries []uint32
	rules   []uint32
	gen     uint32
	byID    [][]leaf // the event's leaves by the machine's path ids
	set     []int32  // ids set in byID, to clear
	found   []*pathSlot
	out     []string
	checked int // entries verified: the work an event cost
}

func (m *Machine) scratch() *scratch {
	s, _ := m.pool.Get().(*scratch)
	if s == nil {
		s = &scratch{}
	}
	if n := len(m.entries); len(s.entries) < n {
		s.entries = append(s.entries, make([]uint32, n-len(s.entries))...)
	}
	if n := len(m.ruleTab); len(s.rules) < n {
		s.rules = append(s.rules, make([]uint32, n-len(s.rules))...)
	}
	if n := len(m.slots); len(s.byID) < n {
		s.byID = append(s.byID, make([][]leaf, n-len(s.byID))...)
	}
	if s.gen++; s.gen == 0 {
		clear(s.entries)
		clear(s.rules)
		s.gen = 1
	}
	s.out, s.checked = s.out[:0], 0
	return s
}

// visit verifies an entry the index found, once per match.
func (s *scratch) visit(e *entry) {
	if s.entries[e.n] == s.gen || s.rules[e.rule.n] == s.gen {
		return
	}
	s.entries[e.n] = s.gen
	s.checked++
	if e.sub.matchIDs(e.ids, s.byID) {
		s.rules[e.rule.n] = s.gen
		s.out = append(s.out, e.rule.id)
	}
}

func (s *scratch) visitAll(b *bucket) {
	if b == nil {
		return
	}
	for _, r := range b.regs {
		s.visit(r.e)
	}
}

// Match returns the ids of the rules whose patterns the event matches,
// sorted.
func (m *Machine) Match(e *Event) []string {
	ids, _ := m.match(e)
	return ids
}

// match also says how many alternatives the index made it verify.
func (m *Machine) match(e *Event) ([]string, int) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if len(m.entries) == 0 {
		return nil, 0
	}
	s := m.scratch()
	defer m.pool.Put(s)
	// First give the event's values to the paths rules name, then look
	// them up: an alternative found on one path is verified on all.
	for i, path := range e.ev.paths {
		if ps := m.paths[path]; ps != nil {
			s.byID[ps.id] = e.ev.leaves[i]
			s.set = append(s.set, ps.id)
			if ps.index != nil {
				s.found = append(s.found, ps)
			}
		}
	}
	for _, ps := range s.found {
		leaves := s.byID[ps.id]
		for i := range leaves {
			ps.index.lookup(&leaves[i], s)
		}
		s.visitAll(ps.index.scan)
	}
	s.visitAll(&m.always)
	for _, id := range s.set {
		s.byID[id] = nil
	}
	s.set, s.found = s.set[:0], s.found[:0]
	if len(s.out) == 0 {
		return nil, s.checked
	}
	out := append([]string(nil), s.out...)
	sort.Strings(out)
	return out, s.checked
}

// MatchJSON parses an event and matches it.
func (m *Machine) MatchJSON(data []byte) ([]string, error) {
	e, err := ParseEvent(data)
	if err != nil {
		return nil, err
	}
	return m.Match(e), nil
}

// lookup visits the entries filed under conditions one value could match.
func (fi *fieldIndex) lookup(l *leaf, s *scratch) {
	switch l.kind {
	case vString:
		s.visitAll(fi.strs[l.text])
		fi.lookupString(l, s)
	case vNumber:
		s.visitAll(fi.lits[l.text])
		if l.numOK {
			s.visitAll(fi.nums[l.num])
		}
	default:
		s.visitAll(fi.lits[literalText(l.kind)])
	}
}

func (fi *fieldIndex) lookupString(l *leaf, s *scratch) {
	t := l.text
	lookupAffixes(fi.prefix, t, true, s)
	lookupAffixes(fi.suffix, t, false, s)
	lookupAffixes(fi.globs, t, true, s)
	if len(fi.fold) > 0 || len(fi.prefixFold.m) > 0 || len(fi.suffixFold.m) > 0 {
		f := l.fold()
		s.visitAll(fi.fold[f])
		lookupAffixes(fi.prefixFold, f, true, s)
		lookupAffixes(fi.suffixFold, f, false, s)
	}
	if len(fi.cidr) > 0 || len(fi.addrs) > 0 {
		a, ok := l.addr()
		if !ok {
			return
		}
		s.visitAll(fi.addrs[a])
		for mask := range fi.cidrMasks {
			if mask[0] == a.n {
				s.visitAll(fi.cidr[blockKey(a, int(mask[1]))])
			}
		}
	}
}

// lookupAffixes visits the buckets of every prefix (or suffix) of t whose
// length is in use.
func lookupAffixes(a *affixes, t string, prefix bool, s *scratch) {
	for _, n := range a.lens {
		if n > len(t) {
			return
		}
		k := t[:n]
		if !prefix {
			k = t[len(t)-n:]
		}
		s.visitAll(a.m[k])
	}
}
