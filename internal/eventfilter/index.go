package eventfilter

import "sort"

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
type keyed[K comparable] map[K]*bucket

func (k keyed[K]) get(key K) *bucket {
	if b := k[key]; b != nil {
		return b
	}
	b := &bucket{}
	b.drop = func() { delete(k, key) }
	k[key] = b
	return b
}

func (k keyed[K]) size(key K) int {
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
	strs       keyed[string] // exact strings
	lits       keyed[string] // number literals, true, false, null
	nums       keyed[int64]  // numbers by comparable value (exact numbers, numeric "=")
	addrs      keyed[ipAddr] // IP addresses written as exact strings
	fold       keyed[string] // equals-ignore-case, by folded text
	prefix     *affixes
	suffix     *affixes
	prefixFold *affixes
	suffixFold *affixes
	globs      *affixes // wildcards with literal text before their first star, by that text
	cidr       keyed[cidrKey]
	cidrMasks  map[[2]uint8]int // family and mask bits in use
	// scan holds entries anchored on conditions no key can find (ranges,
	// anything-but, exists, wildcards starting with a star): each is
	// verified against every event that has a value at the path.
	scan *bucket
	regs int
}

func newFieldIndex() *fieldIndex {
	return &fieldIndex{strs: keyed[string]{}, lits: keyed[string]{}, nums: keyed[int64]{}, addrs: keyed[ipAddr]{},
		fold: keyed[string]{}, prefix: newAffixes(), suffix: newAffixes(), prefixFold: newAffixes(),
		suffixFold: newAffixes(), globs: newAffixes(), cidr: keyed[cidrKey]{}, cidrMasks: map[[2]uint8]int{}, scan: &bucket{}}
}

// cidrKey is a block's network address and mask bits.
type cidrKey struct {
	net  ipAddr
	bits uint8
}

func blockKey(a ipAddr, bits int) cidrKey { return cidrKey{maskAddr(a, bits), uint8(bits)} }

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
	str  string
	num  int64
	addr ipAddr
	cidr cidrKey
}

type placeKind uint8

const (
	pStr placeKind = iota
	pLit
	pNum
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
		return []place{{kind: pStr, str: a.s}}
	case atomNumber:
		if a.numOK {
			return []place{{kind: pLit, str: a.s}, {kind: pNum, num: a.num}}
		}
		return []place{{kind: pLit, str: a.s}}
	case atomLiteral:
		return []place{{kind: pLit, str: a.s}}
	case atomIP:
		return []place{{kind: pAddr, addr: a.ip.lo}}
	case atomPrefix:
		return []place{{kind: pPrefix, str: a.s}}
	case atomSuffix:
		return []place{{kind: pSuffix, str: a.s}}
	case atomPrefixFold:
		return []place{{kind: pPrefixFold, str: a.s}}
	case atomSuffixFold:
		return []place{{kind: pSuffixFold, str: a.s}}
	case atomEqualsFold:
		return []place{{kind: pFold, str: a.s}}
	case atomWildcard:
		if lead := a.glob.lead(); lead != "" {
			return []place{{kind: pGlob, str: lead}}
		}
	case atomRange:
		if a.lo == a.hi && !a.loOpen && !a.hiOpen {
			return []place{{kind: pNum, num: a.lo}}
		}
	case atomCIDR:
		return []place{{kind: pCIDR, cidr: blockKey(a.ip.lo, maskBits(a.ip))}}
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
		case pStr:
			out[i] = fi.strs.size(p.str)
		case pLit:
			out[i] = fi.lits.size(p.str)
		case pNum:
			out[i] = fi.nums.size(p.num)
		case pAddr:
			out[i] = fi.addrs.size(p.addr)
		case pFold:
			out[i] = fi.fold.size(p.str)
		case pPrefix:
			out[i] = fi.prefix.size(p.str)
		case pSuffix:
			out[i] = fi.suffix.size(p.str)
		case pPrefixFold:
			out[i] = fi.prefixFold.size(p.str)
		case pSuffixFold:
			out[i] = fi.suffixFold.size(p.str)
		case pGlob:
			out[i] = fi.globs.size(p.str) + 1
		case pCIDR:
			out[i] = fi.cidr.size(p.cidr)
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
		case pStr:
			b = fi.strs.get(p.str)
		case pLit:
			b = fi.lits.get(p.str)
		case pNum:
			b = fi.nums.get(p.num)
		case pAddr:
			b = fi.addrs.get(p.addr)
		case pFold:
			b = fi.fold.get(p.str)
		case pPrefix:
			b = fi.prefix.get(p.str)
		case pSuffix:
			b = fi.suffix.get(p.str)
		case pPrefixFold:
			b = fi.prefixFold.get(p.str)
		case pSuffixFold:
			b = fi.suffixFold.get(p.str)
		case pGlob:
			b = fi.globs.get(p.str)
		case pCIDR:
			b = fi.cidrBucket(p.cidr)
		default:
			b = fi.scan
		}
		out = append(out, b.add(e))
	}
	return out
}

// cidrBucket is a block's bucket; the masks in use are counted so that an
// address is looked up once per mask.
func (fi *fieldIndex) cidrBucket(k cidrKey) *bucket {
	if b := fi.cidr[k]; b != nil {
		return b
	}
	b := fi.cidr.get(k)
	mask := [2]uint8{k.net.n, k.bits}
	fi.cidrMasks[mask]++
	drop := b.drop
	b.drop = func() {
		drop()
		if fi.cidrMasks[mask]--; fi.cidrMasks[mask] == 0 {
			delete(fi.cidrMasks, mask)
		}
	}
	return b
}
