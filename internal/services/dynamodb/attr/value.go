// Package attr is DynamoDB's data model: AttributeValue (every type: S, N,
// B, BOOL, NULL, M, L, SS, NS, BS) with its JSON form, exact 38-digit
// decimal numbers, comparison, item and key sizes as AWS counts them, and
// the order-preserving encoding of key values that storage sorts by.
package attr

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Type is an AttributeValue's data type, named as the JSON member is.
type Type uint8

// The data types.
const (
	Invalid Type = iota
	S
	N
	B
	BOOL
	NULL
	M
	L
	SS
	NS
	BS
)

var typeNames = [...]string{"", "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"}

func (t Type) String() string { return typeNames[t] }

// ParseType reads a type's name ("S", "NS", ...).
func ParseType(s string) (Type, bool) {
	for i, n := range typeNames {
		if n == s && i > 0 {
			return Type(i), true
		}
	}
	return Invalid, false
}

// Value is an AttributeValue. S holds an S's text, an N's canonical
// decimal text or a B's bytes; Set holds the members of SS, NS (canonical)
// or BS. A Value decoded from JSON that DynamoDB would refuse keeps the
// reason, which Validate reports as AWS words it.
type Value struct {
	T    Type
	S    string
	Bool bool
	L    []Value
	M    map[string]Value
	Set  []string

	invalid string
}

// Item is an item: attribute names to values.
type Item = map[string]Value

// Str, Num, Bin, ... build values.
func Str(s string) Value    { return Value{T: S, S: s} }
func Bin(b []byte) Value    { return Value{T: B, S: string(b)} }
func Bool(b bool) Value     { return Value{T: BOOL, Bool: b} }
func Null() Value           { return Value{T: NULL, Bool: true} }
func List(l ...Value) Value { return Value{T: L, L: l} }
func Map(m map[string]Value) Value {
	return Value{T: M, M: m}
}

// Num is the number n; it panics on text that is not a number (for tests
// and constants).
func Num(n string) Value {
	v, err := ParseNumber(n)
	if err != nil {
		panic(err)
	}
	return NumberValue(v)
}

// NumberValue is n as a Value.
func NumberValue(n Number) Value { return Value{T: N, S: n.String()} }

// Number is an N's number (zero for other types).
func (v Value) Number() Number {
	n, _ := ParseNumber(v.S)
	return n
}

// wire is the JSON shape of an AttributeValue.
type wire struct {
	S    *string
	N    *string
	B    []byte
	BOOL *bool
	NULL *bool
	M    map[string]Value
	L    []Value
	SS   []string
	NS   []string
	BS   [][]byte
}

// UnmarshalJSON decodes an AttributeValue. JSON that is not an
// AttributeValue's shape is an error (a SerializationException); a shape
// DynamoDB refuses by validation is kept for Validate.
func (v *Value) UnmarshalJSON(data []byte) error {
	var w wire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*v = Value{}
	n := 0
	set := func(t Type) {
		n++
		v.T = t
	}
	if w.S != nil {
		set(S)
		v.S = *w.S
	}
	if w.N != nil {
		set(N)
		v.setNumber(*w.N)
	}
	if w.B != nil {
		set(B)
		v.S = string(w.B)
	}
	if w.BOOL != nil {
		set(BOOL)
		v.Bool = *w.BOOL
	}
	if w.NULL != nil {
		set(NULL)
		v.Bool = *w.NULL
		if !v.Bool {
			v.invalid = "One or more parameter values were invalid: Null attribute value types must have the value of true"
		}
	}
	if w.M != nil {
		set(M)
		v.M = w.M
	}
	if w.L != nil {
		set(L)
		v.L = w.L
	}
	if w.SS != nil {
		set(SS)
		v.Set = w.SS
	}
	if w.NS != nil {
		set(NS)
		v.setNumbers(w.NS)
	}
	if w.BS != nil {
		set(BS)
		for _, b := range w.BS {
			v.Set = append(v.Set, string(b))
		}
	}
	switch {
	case n == 0:
		v.T, v.invalid = Invalid, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
	case n > 1:
		v.T, v.invalid = Invalid, "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
	}
	return nil
}

func (v *Value) setNumber(s string) {
	num, err := ParseNumber(s)
	if err != nil {
		v.S, v.invalid = s, err.Error()
		return
	}
	v.S = num.String()
}

func (v *Value) setNumbers(ss []string) {
	v.Set = make([]string, len(ss))
	for i, s := range ss {
		num, err := ParseNumber(s)
		if err != nil {
			v.invalid = err.Error()
			v.Set[i] = s
			continue
		}
		v.Set[i] = num.String()
	}
}

// Validate reports, as AWS words it, why v is not an AttributeValue that
// DynamoDB stores, or "" when it is: the shape, numbers, empty sets and
// duplicates in sets, at any depth.
func (v Value) Validate() string {
	if v.invalid != "" {
		return v.invalid
	}
	switch v.T {
	case SS, NS, BS:
		if len(v.Set) == 0 {
			return "One or more parameter values were invalid: An " + setNoun[v.T] + " set  may not be empty"
		}
		if dup := duplicates(v); dup {
			return "One or more parameter values were invalid: Input collection " + v.setText() + " contains duplicates."
		}
	case M:
		for _, e := range v.M {
			if m := e.Validate(); m != "" {
				return m
			}
		}
	case L:
		for _, e := range v.L {
			if m := e.Validate(); m != "" {
				return m
			}
		}
	}
	return ""
}

var setNoun = map[Type]string{SS: "string", NS: "number", BS: "binary"}

func duplicates(v Value) bool {
	seen := make(map[string]bool, len(v.Set))
	for _, s := range v.Set {
		if seen[s] {
			return true
		}
		seen[s] = true
	}
	return false
}

// setText is a set as AWS prints it in messages: [a, b].
func (v Value) setText() string {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, s := range v.Set {
		if i > 0 {
			b.WriteString(", ")
		}
		if v.T == BS {
			s = base64.StdEncoding.EncodeToString([]byte(s))
		}
		b.WriteString(s)
	}
	b.WriteByte(']')
	return b.String()
}

// MarshalJSON encodes v in DynamoDB's JSON form.
func (v Value) MarshalJSON() ([]byte, error) {
	return v.AppendJSON(nil), nil
}

// AppendJSON appends v's JSON form to dst.
func (v Value) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"`...)
	dst = append(dst, v.T.String()...)
	dst = append(dst, `":`...)
	switch v.T {
	case S, N:
		dst = appendString(dst, v.S)
	case B:
		dst = appendBase64(dst, v.S)
	case BOOL, NULL:
		dst = strconv.AppendBool(dst, v.Bool)
	case M:
		dst = appendItem(dst, v.M)
	case L:
		dst = append(dst, '[')
		for i, e := range v.L {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = e.AppendJSON(dst)
		}
		dst = append(dst, ']')
	case SS, NS, BS:
		dst = append(dst, '[')
		for i, s := range v.Set {
			if i > 0 {
				dst = append(dst, ',')
			}
			if v.T == BS {
				dst = appendBase64(dst, s)
			} else {
				dst = appendString(dst, s)
			}
		}
		dst = append(dst, ']')
	default:
		dst = append(dst, "null"...)
	}
	return append(dst, '}')
}

// appendItem appends a map of values with its names sorted, so that the
// same item always encodes to the same bytes.
func appendItem(dst []byte, m map[string]Value) []byte {
	var buf [16]string
	dst = append(dst, '{')
	for i, k := range sortedNames(buf[:0], m) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, k)
		dst = append(dst, ':')
		dst = m[k].AppendJSON(dst)
	}
	return append(dst, '}')
}

func appendBase64[T string | []byte](dst []byte, s T) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, []byte(s))
	return append(dst, '"')
}

// appendString appends s as a JSON string, as encoding/json writes it
// without HTML escapes: runs of characters that need no escape are copied
// whole.
func appendString[T string | []byte](dst []byte, s T) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = appendEscape(dst, c)
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		if r == utf8.RuneError && n == 1 || r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			if r == utf8.RuneError {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = fmt.Appendf(dst, `\u%04x`, r)
			}
			start = i + n
		}
		i += n
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func appendEscape(dst []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c)
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return fmt.Appendf(dst, `\u%04x`, c)
}

// MarshalItemJSON encodes an item as JSON (names sorted).
func MarshalItemJSON(m Item) []byte { return appendItem(nil, m) }

// AppendItemJSON appends an item's JSON (names sorted) to dst.
func AppendItemJSON(dst []byte, m Item) []byte { return appendItem(dst, m) }

// unmarshalJSONItem decodes an item in DynamoDB's JSON.
func unmarshalJSONItem(data []byte) (Item, error) {
	var m Item
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	return m, nil
}
