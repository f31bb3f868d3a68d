package attr

// Limits of items and keys, in bytes as Size counts them.
const (
	MaxItemSize      = 400 * 1024
	MaxPartitionSize = 2048
	MaxSortKeySize   = 1024
)

// Size is the size of a value as DynamoDB counts it against an item's 400
// KB: the bytes of a string or binary, numbers by their digits, one byte
// for BOOL and NULL, sets as the sum of their members, and lists and maps
// three bytes plus a byte per element plus the elements (and a map's
// names).
func (v Value) Size() int {
	switch v.T {
	case S, B:
		return len(v.S)
	case N:
		return numberSize(v.S)
	case BOOL, NULL:
		return 1
	case SS, BS:
		n := 0
		for _, s := range v.Set {
			n += len(s)
		}
		return n
	case NS:
		n := 0
		for _, s := range v.Set {
			n += numberSize(s)
		}
		return n
	case L:
		n := 3
		for _, e := range v.L {
			n += 1 + e.Size()
		}
		return n
	case M:
		n := 3
		for k, e := range v.M {
			n += 1 + len(k) + e.Size()
		}
		return n
	}
	return 0
}

// ItemSize is an item's size: each attribute's name and value.
func ItemSize(item Item) int {
	n := 0
	for k, v := range item {
		n += len(k) + v.Size()
	}
	return n
}
