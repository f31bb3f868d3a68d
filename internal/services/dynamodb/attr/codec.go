package attr

import (
	"encoding/binary"
	"errors"
	"slices"
)

// The storage encoding of items: a version byte, then the attributes as
// (name, value) pairs, names in byte order, every length a uvarint. A value is its type byte
// and then: the bytes of S, N (canonical text) and B; a byte for BOOL
// and NULL; the members of L, M (with names), SS, NS and BS. It decodes
// several times faster than JSON, which matters most to Query and Scan
// (a page is up to 1 MB of items), and a page's JSON is written straight
// from it (stored.go): with names in order, as AppendItemJSON writes
// them. Items stored as JSON by earlier versions (a first byte '{') are
// still read, and so are names out of order.
const codecVersion = 0x01

var errCorrupt = errors.New("attr: corrupt item encoding")

// MarshalItem encodes an item for storage.
func MarshalItem(m Item) []byte {
	dst := make([]byte, 0, 64)
	dst = append(dst, codecVersion)
	return appendMap(dst, m)
}

func appendMap(dst []byte, m map[string]Value) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(m)))
	var buf [16]string
	for _, k := range sortedNames(buf[:0], m) {
		dst = appendBytes(dst, k)
		dst = appendValue(dst, m[k])
	}
	return dst
}

// sortedNames appends m's names to names, in byte order.
func sortedNames(names []string, m map[string]Value) []string {
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

func appendBytes(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func appendValue(dst []byte, v Value) []byte {
	dst = append(dst, byte(v.T))
	switch v.T {
	case S, N, B:
		dst = appendBytes(dst, v.S)
	case BOOL, NULL:
		b := byte(0)
		if v.Bool {
			b = 1
		}
		dst = append(dst, b)
	case L:
		dst = binary.AppendUvarint(dst, uint64(len(v.L)))
		for _, e := range v.L {
			dst = appendValue(dst, e)
		}
	case M:
		dst = appendMap(dst, v.M)
	case SS, NS, BS:
		dst = binary.AppendUvarint(dst, uint64(len(v.Set)))
		for _, s := range v.Set {
			dst = appendBytes(dst, s)
		}
	}
	return dst
}

// UnmarshalItem decodes an item encoded by MarshalItem (or stored as
// JSON).
func UnmarshalItem(data []byte) (Item, error) {
	if len(data) > 0 && data[0] == '{' {
		return unmarshalJSONItem(data)
	}
	if len(data) == 0 || data[0] != codecVersion {
		return nil, errCorrupt
	}
	d := decoder{data: data, pos: 1}
	m := d.mapValue(0)
	if d.err != nil || d.pos != len(data) {
		return nil, errCorrupt
	}
	return m, nil
}

// decoder reads the encoding; the first error sticks.
type decoder struct {
	data []byte
	pos  int
	err  error
}

// maxDepth bounds nesting (DynamoDB allows 32 levels).
const maxDepth = 64

func (d *decoder) uvarint() int {
	n, k := binary.Uvarint(d.data[d.pos:])
	if k <= 0 || n > uint64(len(d.data)-d.pos) {
		d.fail()
		return 0
	}
	d.pos += k
	return int(n)
}

func (d *decoder) fail() {
	d.err = errCorrupt
	d.pos = len(d.data)
}

func (d *decoder) bytes() string {
	n := d.uvarint()
	if d.err != nil || n > len(d.data)-d.pos {
		d.fail()
		return ""
	}
	s := string(d.data[d.pos : d.pos+n])
	d.pos += n
	return s
}

func (d *decoder) mapValue(depth int) map[string]Value {
	n := d.uvarint()
	m := make(map[string]Value, n)
	for i := 0; i < n && d.err == nil; i++ {
		k := d.bytes()
		m[k] = d.value(depth + 1)
	}
	return m
}

func (d *decoder) value(depth int) Value {
	if d.pos >= len(d.data) || depth > maxDepth {
		d.fail()
		return Value{}
	}
	v := Value{T: Type(d.data[d.pos])}
	d.pos++
	switch v.T {
	case S, N, B:
		v.S = d.bytes()
	case BOOL, NULL:
		if d.pos >= len(d.data) {
			d.fail()
			break
		}
		v.Bool = d.data[d.pos] == 1
		d.pos++
	case L:
		n := d.uvarint()
		v.L = make([]Value, 0, n)
		for i := 0; i < n && d.err == nil; i++ {
			v.L = append(v.L, d.value(depth+1))
		}
	case M:
		v.M = d.mapValue(depth)
	case SS, NS, BS:
		n := d.uvarint()
		v.Set = make([]string, 0, n)
		for i := 0; i < n && d.err == nil; i++ {
			v.Set = append(v.Set, d.bytes())
		}
	default:
		d.fail()
	}
	return v
}
