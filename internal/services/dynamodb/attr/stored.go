package attr

// Items in their storage encoding (codec.go) can be measured and written
// as JSON without being decoded: a page of a Query or Scan that projects
// nothing goes from storage to the client without a map or a string
// allocated per item, which was most of such a request's time.

// StoredSize is the size, as ItemSize counts it, of an item in its
// storage encoding.
func StoredSize(data []byte) (int, error) {
	if len(data) > 0 && data[0] == '{' {
		m, err := unmarshalJSONItem(data)
		return ItemSize(m), err
	}
	d, err := storedDecoder(data)
	if err != nil {
		return 0, err
	}
	n := 0
	for range d.uvarint() {
		n += len(d.raw())
		n += d.size(0)
	}
	return n, d.end()
}

// AppendStoredJSON appends the JSON of an item in its storage encoding:
// what AppendItemJSON writes of the decoded item (for names stored out of
// order by earlier versions, in their stored order).
func AppendStoredJSON(dst, data []byte) ([]byte, error) {
	if len(data) > 0 && data[0] == '{' {
		m, err := unmarshalJSONItem(data)
		return appendItem(dst, m), err
	}
	d, err := storedDecoder(data)
	if err != nil {
		return dst, err
	}
	dst = d.appendMapJSON(dst, 0)
	return dst, d.end()
}

func storedDecoder(data []byte) (*decoder, error) {
	if len(data) == 0 || data[0] != codecVersion {
		return nil, errCorrupt
	}
	return &decoder{data: data, pos: 1}, nil
}

func (d *decoder) end() error {
	if d.err == nil && d.pos != len(d.data) {
		d.fail()
	}
	return d.err
}

// raw reads a length and the bytes it counts, without copying them.
func (d *decoder) raw() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	b := d.data[d.pos : d.pos+n]
	d.pos += n
	return b
}

// typ reads a value's type byte.
func (d *decoder) typ(depth int) Type {
	if d.pos >= len(d.data) || depth > maxDepth {
		d.fail()
		return Invalid
	}
	t := Type(d.data[d.pos])
	d.pos++
	return t
}

// flag reads BOOL's and NULL's byte.
func (d *decoder) flag() bool {
	if d.pos >= len(d.data) {
		d.fail()
		return false
	}
	d.pos++
	return d.data[d.pos-1] == 1
}

// size reads a value and returns its Size.
func (d *decoder) size(depth int) int {
	switch t := d.typ(depth); t {
	case S, B:
		return len(d.raw())
	case N:
		return numberSize(d.raw())
	case BOOL, NULL:
		d.flag()
		return 1
	case L, M:
		n := 3
		for range d.uvarint() {
			if t == M {
				n += len(d.raw())
			}
			n += 1 + d.size(depth+1)
		}
		return n
	case SS, NS, BS:
		n := 0
		for range d.uvarint() {
			if s := d.raw(); t == NS {
				n += numberSize(s)
			} else {
				n += len(s)
			}
		}
		return n
	}
	d.fail()
	return 0
}

func (d *decoder) appendMapJSON(dst []byte, depth int) []byte {
	dst = append(dst, '{')
	for i := range d.uvarint() {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, d.raw())
		dst = append(dst, ':')
		dst = d.appendJSON(dst, depth+1)
	}
	return append(dst, '}')
}

// appendJSON reads a value and appends its JSON (Value.AppendJSON).
func (d *decoder) appendJSON(dst []byte, depth int) []byte {
	t := d.typ(depth)
	if d.err != nil || t == Invalid || t > BS {
		d.fail()
		return dst
	}
	dst = append(dst, `{"`...)
	dst = append(dst, t.String()...)
	dst = append(dst, `":`...)
	switch t {
	case S, N:
		dst = appendString(dst, d.raw())
	case B:
		dst = appendBase64(dst, d.raw())
	case BOOL, NULL:
		dst = append(dst, "false"...)
		if d.flag() {
			dst = append(dst[:len(dst)-5], "true"...)
		}
	case M:
		dst = d.appendMapJSON(dst, depth)
	case L:
		dst = append(dst, '[')
		for i := range d.uvarint() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = d.appendJSON(dst, depth+1)
		}
		dst = append(dst, ']')
	case SS, NS, BS:
		dst = append(dst, '[')
		for i := range d.uvarint() {
			if i > 0 {
				dst = append(dst, ',')
			}
			if t == BS {
				dst = appendBase64(dst, d.raw())
			} else {
				dst = appendString(dst, d.raw())
			}
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

// numberSize is Number.size of a number in canonical text (as stored),
// without parsing it: the significant digits and the exponent's parity.
func numberSize[T string | []byte](s T) int {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	point := len(s)
	first, last := -1, -1 // first and last non-zero digits
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.':
			point = i
		case c != '0':
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return 3 // zero
	}
	digits := last - first + 1
	if first < point && point < last {
		digits-- // the point is among them
	}
	// exp of 0.ddd × 10^exp: the digits before the point, or minus the
	// zeros after it before the first digit.
	exp := point - first
	if first > point {
		exp = point - first + 1
	}
	s2 := (digits + 1) / 2
	if (exp-1)%2 != 0 {
		return s2 + 1
	}
	return s2 + 2
}
