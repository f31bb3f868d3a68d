package eventfilter

import (
	"encoding/binary"
	"sort"
)

// bucket is the entries registered under one key of an index.
type bucket struct {
	regs []*reg
	// where the bucket lives, to delete it once empty
	drop func()
}

// reg is one registration of an entry in a bucket; it knows its place so
// that removal is a swap.
type reg struct {
	b *bucket
	i int
	e *entry
}

func (b *bucket) add(e *entry) *reg {
	r := &reg{b: b, i: len(b.regs), e: e}
	b.regs = append(b.regs, r)
	return r
}

func (r *reg) remove() {
	b := r.b
	last := b.regs[len(b.regs)-1]
	b.regs[r.i], last.i = last, r.i
	b.regs[len(b.regs)-1] = nil
	b.regs = b.regs[:len(b.regs)-1]
	if len(b.regs) == 0 && b.drop != nil {
		b.drop()
	}
}

// keyed is a map of buckets that deletes a bucket when it empties.
type keyed map[string]*bucket

func (k keyed) get(key string) *bucket {
	if b := k[key]; b != nil {
		return b
	}
	b := &bucket{}
	b.drop = func() { delete(k, key) }
	k[key] = b
	return b
}

func (k keyed) size(key string) int {
	if b := k[key]; b != nil {
		return len(b.regs)
	}
	return 0
}

// affixes indexes prefixes (or suffixes) by their text, and remembers which
// lengths are in use so that a value is looked up once per length.
type affixes struct {
	m      map[string]*bucket
	counts map[int]int
	lens   []int // sorted distinct lengths
}

func newAffixes() *affixes { return &affixes{m: map[string]*bucket{}, counts: map[int]int{}} }

func (a *affixes) get(s string) *bucket {
	if b := a.m[s]; b != nil {
		return b
	}
	b := &bucket{}
	a.m[s] = b
	if a.counts[len(s)]++; a.counts[len(s)] == 1 {
		a.lens = append(a.lens, len(s))
		sort.Ints(a.lens)
	}
	b.drop = func() {
		delete(a.m, s)
		if a.counts[len(s)]--; a.counts[len(s)] == 0 {
			delete(a.counts, len(s))
			i := sort.SearchInts(a.lens, len(s))
			a.lens = append(a.lens[:i], a.lens[i+1:]...)
		}
	}
	return b
}

func (a *affixes) size(s string) int {
	if b := a.m[s]; b != nil {
		return len(b.regs)
	}
	return 0
}

// fieldIndex is the anchors on one path, by kind of condition.
type fieldIndex struct {
	exact      keyed // exact strings, numbers, literals, numeric "="
	addrs      keyed // IP addresses written as exact strings
	fold       keyed // equals-ignore-case, by folded text
	prefix     *affixes
	suffix     *affixes
	prefixFold *affixes
	suffixFold *affixes
	globs      *affixes // wildcards with literal text before their first star, by that text
	cidr       keyed    // CIDR blocks, by family, mask bits and network address
	cidrMasks  map[[2]uint8]int
	// scan holds entries anchored on conditions no key can find (ranges,
	// anything-but, exists, wildcards starting with a star): each is
	// verified against every event that has a value at the path.
	scan *bucket
	regs int
}

func newFieldIndex() *fieldIndex {
	return &fieldIndex{exact: keyed{}, addrs: keyed{}, fold: keyed{}, prefix: newAffixes(), suffix: newAffixes(),
		prefixFold: newAffixes(), suffixFold: newAffixes(), globs: newAffixes(), cidr: keyed{},
		cidrMasks: map[[2]uint8]int{}, scan: &bucket{}}
}

// Keys of the exact map: a type byte, then the value.
func strKey(s string) string  { return "s" + s }
func litKey(s string) string  { return "l" + s }
func addrKey(a ipAddr) string { return "i" + string(a.b[:a.n]) }
func numKeyStr(n int64) string {
	var b [9]byte
	b[0] = 'n'
	binary.BigEndian.PutUint64(b[1:], uint64(n))
	return string(b[:])
}
func literalKey(k valueKind) string { return "k" + literalText(k) }

// cidrKey is a block's family, mask bits and network address.
func cidrKey(a ipAddr, bits int) string {
	m := maskAddr(a, bits)
	return string([]byte{a.n, byte(bits)}) + string(m.b[:m.n])
}

func maskAddr(a ipAddr, bits int) ipAddr {
	for i := 0; i < int(a.n); i++ {
		switch {
		case bits >= 8:
			bits -= 8
		case bits > 0:
			a.b[i] &= byte(0xff << (8 - bits))
			bits = 0
		default:
			a.b[i] = 0
		}
	}
	return a
}

// maskBits is the prefix length of a CIDR block.
func maskBits(r ipRange) int {
	for i := 0; i < int(r.lo.n); i++ {
		if x := r.lo.b[i] ^ r.hi.b[i]; x != 0 {
			n := 0
			for ; x&0x80 == 0; x <<= 1 {
				n++
			}
			return i*8 + n
		}
	}
	return int(r.lo.n) * 8
}

// place is where a condition is filed in a field's index.
type place struct {
	kind placeKind
	key  string
	mask [2]uint8 // a CIDR block's family and mask bits
}

type placeKind uint8

const (
	pExact placeKind = iota
	pAddr
	pFold
	pPrefix
	pSuffix
	pPrefixFold
	pSuffixFold
	pGlob
	pCIDR
	pScan
)

// places is where an anchor condition is filed: by key when one can be
// computed from the values it matches, else in the scan list.
func places(a *atom) []place {
	switch a.kind {
	case atomString:
		return []place{{kind: pExact, key: strKey(a.s)}}
	case atomNumber:
		if a.numOK {
			return []place{{kind: pExact, key: litKey(a.s)}, {kind: pExact, key: numKeyStr(a.num)}}
		}
		return []place{{kind: pExact, key: litKey(a.s)}}
	case atomLiteral:
		return []place{{kind: pExact, key: "k" + a.s}}
	case atomIP:
		return []place{{kind: pAddr, key: addrKey(a.ip.lo)}}
	case atomPrefix:
		return []place{{kind: pPrefix, key: a.s}}
	case atomSuffix:
		return []place{{kind: pSuffix, key: a.s}}
	case atomPrefixFold:
		return []place{{kind: pPrefixFold, key: a.s}}
	case atomSuffixFold:
		return []place{{kind: pSuffixFold, key: a.s}}
	case atomEqualsFold:
		return []place{{kind: pFold, key: a.s}}
	case atomWildcard:
		if lead := a.glob.lead(); lead != "" {
			return []place{{kind: pGlob, key: lead}}
		}
	case atomRange:
		if a.lo == a.hi && !a.loOpen && !a.hiOpen {
			return []place{{kind: pExact, key: numKeyStr(a.lo)}}
		}
	case atomCIDR:
		bits := maskBits(a.ip)
		return []place{{kind: pCIDR, key: cidrKey(a.ip.lo, bits), mask: [2]uint8{a.ip.lo.n, uint8(bits)}}}
	}
	return []place{{kind: pScan}}
}

var emptyIndex = newFieldIndex()

// slots is how many entries share each place of a condition, a scan
// counting as many more.
func (fi *fieldIndex) slots(a *atom) []int {
	ps := places(a)
	out := make([]int, len(ps))
	for i, p := range ps {
		switch p.kind {
		case pExact:
			out[i] = fi.exact.size(p.key)
		case pAddr:
			out[i] = fi.addrs.size(p.key)
		case pFold:
			out[i] = fi.fold.size(p.key)
		case pPrefix:
			out[i] = fi.prefix.size(p.key)
		case pSuffix:
			out[i] = fi.suffix.size(p.key)
		case pPrefixFold:
			out[i] = fi.prefixFold.size(p.key)
		case pSuffixFold:
			out[i] = fi.suffixFold.size(p.key)
		case pGlob:
			out[i] = fi.globs.size(p.key) + 1
		case pCIDR:
			out[i] = fi.cidr.size(p.key)
		default:
			out[i] = len(fi.scan.regs) + scanPenalty
		}
	}
	return out
}

// register files an entry under a condition's places.
func (fi *fieldIndex) register(a *atom, e *entry) []*reg {
	var out []*reg
	for _, p := range places(a) {
		var b *bucket
		switch p.kind {
		case pExact:
			b = fi.exact.get(p.key)
		case pAddr:
			b = fi.addrs.get(p.key)
		case pFold:
			b = fi.fold.get(p.key)
		case pPrefix:
			b = fi.prefix.get(p.key)
		case pSuffix:
			b = fi.suffix.get(p.key)
		case pPrefixFold:
			b = fi.prefixFold.get(p.key)
		case pSuffixFold:
			b = fi.suffixFold.get(p.key)
		case pGlob:
			b = fi.globs.get(p.key)
		case pCIDR:
			b = fi.cidrBucket(p)
		default:
			b = fi.scan
		}
		out = append(out, b.add(e))
	}
	return out
}

// cidrBucket is a block's bucket; the masks in use are counted so that an
// address is looked up once per mask.
func (fi *fieldIndex) cidrBucket(p place) *bucket {
	if b := fi.cidr[p.key]; b != nil {
		return b
	}
	b := fi.cidr.get(p.key)
	fi.cidrMasks[p.mask]++
	drop := b.drop
	b.drop = func() {
		drop()
		if fi.cidrMasks[p.mask]--; fi.cidrMasks[p.mask] == 0 {
			delete(fi.cidrMasks, p.mask)
		}
	}
	return b
}
