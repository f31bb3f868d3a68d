package attr

import "strings"

// Compare orders two scalar values of the same type as DynamoDB does:
// numbers numerically, strings and binaries by their bytes (UTF-8 for
// strings). ok is false when they are not both S, both N or both B.
func Compare(a, b Value) (c int, ok bool) {
	if a.T != b.T {
		return 0, false
	}
	switch a.T {
	case S, B:
		return strings.Compare(a.S, b.S), true
	case N:
		return a.Number().Cmp(b.Number()), true
	}
	return 0, false
}

// Equal tells whether two values are equal: of one type, sets with the
// same members in any order, lists and maps element by element.
func Equal(a, b Value) bool {
	if a.T != b.T {
		return false
	}
	switch a.T {
	case S, B, N:
		return a.S == b.S
	case BOOL, NULL:
		return a.Bool == b.Bool
	case L:
		if len(a.L) != len(b.L) {
			return false
		}
		for i := range a.L {
			if !Equal(a.L[i], b.L[i]) {
				return false
			}
		}
		return true
	case M:
		if len(a.M) != len(b.M) {
			return false
		}
		for k, av := range a.M {
			bv, ok := b.M[k]
			if !ok || !Equal(av, bv) {
				return false
			}
		}
		return true
	case SS, NS, BS:
		if len(a.Set) != len(b.Set) {
			return false
		}
		for _, s := range a.Set {
			if !b.Has(s) {
				return false
			}
		}
		return true
	}
	return false
}

// Has tells whether the set v has the member s (canonical for NS).
func (v Value) Has(s string) bool {
	for _, e := range v.Set {
		if e == s {
			return true
		}
	}
	return false
}

// SetMember is the set type holding values of scalar type t (SS for S).
func SetMember(t Type) Type {
	switch t {
	case SS:
		return S
	case NS:
		return N
	case BS:
		return B
	}
	return Invalid
}

// Clone returns a deep copy of v, so that changes to it leave v alone.
func (v Value) Clone() Value {
	switch v.T {
	case L:
		l := make([]Value, len(v.L))
		for i, e := range v.L {
			l[i] = e.Clone()
		}
		v.L = l
	case M:
		v.M = CloneItem(v.M)
	case SS, NS, BS:
		v.Set = append([]string(nil), v.Set...)
	}
	return v
}

// CloneItem returns a deep copy of an item.
func CloneItem(m Item) Item {
	if m == nil {
		return nil
	}
	c := make(Item, len(m))
	for k, v := range m {
		c[k] = v.Clone()
	}
	return c
}
