package eventfilter

import (
	"math"

	"sync"
)

// Machine holds the patterns of many rules, each under an id, and finds the
// rules an event matches. It is an index, not a list: each alternative of a
// pattern is filed under one of its fields ("the anchor") and, in that
// field's index, under each of the anchor's conditions by kind — exact
// values in a map, prefixes and suffixes by their text, CIDR blocks by
// network, and so on. An event is matched by looking its values up in the
// indexes of its paths and verifying only the alternatives found there, so
// the cost follows the event and the rules it could match, not how many
// rules the machine holds. The anchor is the field whose conditions are
// filed under the fewest entries when the rule is added.
//
// The zero Machine is empty and ready; it is safe for concurrent use.
type Machine struct {
	mu    sync.RWMutex
	rules map[string]*rule
	// paths are the paths rules name, each with a small id (so that
	// verifying an alternative finds an event's values without hashing
	// paths) and, when alternatives are anchored on it, its index
	paths   map[string]*pathSlot
	slots   []*pathSlot // by id, nil when free
	freeP   []int32
	always  bucket   // alternatives with no field to anchor on
	entries []*entry // by entry.n, nil when free
	freeE   []int32
	ruleTab []*rule // by rule.n, nil when free
	freeR   []int32
	pool    sync.Pool
}

type pathSlot struct {
	id    int32
	path  string
	refs  int
	index *fieldIndex
}

type rule struct {
	id      string
	n       int32
	entries []*entry
}

// entry is one alternative (sub-rule) of a rule's pattern.
type entry struct {
	n      int32
	rule   *rule
	sub    *subRule
	ids    []int32 // the path id of each of sub's fields
	regs   []*reg
	anchor *pathSlot
}

// scanPenalty weighs a condition that has to be verified for every event
// with a value at its path against one found by key.
const scanPenalty = 1000

// Add files pattern p under id, replacing any pattern id had.
func (m *Machine) Add(id string, p *Pattern) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rules == nil {
		m.rules, m.paths = map[string]*rule{}, map[string]*pathSlot{}
	}
	m.removeLocked(id)
	r := &rule{id: id, n: alloc(&m.ruleTab, &m.freeR, (*rule)(nil))}
	m.ruleTab[r.n] = r
	for i := range p.subs {
		e := &entry{rule: r, sub: &p.subs[i]}
		e.n = alloc(&m.entries, &m.freeE, (*entry)(nil))
		m.entries[e.n] = e
		for _, f := range e.sub.fields {
			e.ids = append(e.ids, m.slot(f.path).id)
		}
		m.anchor(e)
		r.entries = append(r.entries, e)
	}
	m.rules[id] = r
}

// Remove drops the pattern filed under id and reports whether there was one.
func (m *Machine) Remove(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.removeLocked(id)
}

// Len is the number of rules in the machine.
func (m *Machine) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.rules)
}

func (m *Machine) removeLocked(id string) bool {
	r := m.rules[id]
	if r == nil {
		return false
	}
	for _, e := range r.entries {
		for _, g := range e.regs {
			g.remove()
		}
		if a := e.anchor; a != nil {
			if a.index.regs -= len(e.regs); a.index.regs == 0 {
				a.index = nil
			}
		}
		for _, id := range e.ids {
			m.release(id)
		}
		m.entries[e.n] = nil
		m.freeE = append(m.freeE, e.n)
	}
	m.ruleTab[r.n] = nil
	m.freeR = append(m.freeR, r.n)
	delete(m.rules, id)
	return true
}

// slot is a path's slot, made if need be, with one more reference.
func (m *Machine) slot(path string) *pathSlot {
	ps := m.paths[path]
	if ps == nil {
		ps = &pathSlot{path: path, id: alloc(&m.slots, &m.freeP, (*pathSlot)(nil))}
		m.slots[ps.id] = ps
		m.paths[path] = ps
	}
	ps.refs++
	return ps
}

// release drops a reference to a path's slot, and the slot with the last.
func (m *Machine) release(id int32) {
	ps := m.slots[id]
	if ps.refs--; ps.refs == 0 {
		delete(m.paths, ps.path)
		m.slots[id] = nil
		m.freeP = append(m.freeP, id)
	}
}

// alloc takes a free slot of a table, or grows it.
func alloc[T any](tab *[]T, free *[]int32, zero T) int32 {
	if n := len(*free); n > 0 {
		i := (*free)[n-1]
		*free = (*free)[:n-1]
		return i
	}
	*tab = append(*tab, zero)
	return int32(len(*tab) - 1)
}

// anchor files an entry under the field whose conditions are least crowded;
// a field that may be absent cannot anchor, since it can match without a
// value to be found by.
func (m *Machine) anchor(e *entry) {
	best, bestW := -1, math.MaxInt
	for i := range e.sub.fields {
		f := &e.sub.fields[i]
		if f.absent {
			continue
		}
		if w := m.weight(f); w < bestW {
			best, bestW = i, w
		}
	}
	if best < 0 {
		e.regs = []*reg{m.always.add(e)}
		return
	}
	f := &e.sub.fields[best]
	ps := m.slots[e.ids[best]]
	if ps.index == nil {
		ps.index = newFieldIndex()
	}
	for i := range f.atoms {
		e.regs = append(e.regs, ps.index.register(&f.atoms[i], e)...)
	}
	e.anchor = ps
	ps.index.regs += len(e.regs)
}

// weight estimates how many entries a field's conditions would be found
// with.
func (m *Machine) weight(f *field) int {
	fi := emptyIndex
	if ps := m.paths[f.path]; ps != nil && ps.index != nil {
		fi = ps.index
	}
	w := 0
	for i := range f.atoms {
		for _, k := range fi.slots(&f.atoms[i]) {
			w += k + 1
		}
	}
	return w
}
