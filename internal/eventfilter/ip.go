package eventfilter

import (
	"bytes"
	"strconv"
	"strings"
)

// ipAddr is an IPv4 (n = 4) or IPv6 (n = 16) address.
type ipAddr struct {
	b [16]byte
	n uint8
}

// ipRange is the addresses from lo to hi inclusive, of one family.
type ipRange struct{ lo, hi ipAddr }

func (r ipRange) contains(a ipAddr) bool {
	return a.n == r.lo.n && bytes.Compare(a.b[:a.n], r.lo.b[:a.n]) >= 0 && bytes.Compare(a.b[:a.n], r.hi.b[:a.n]) <= 0
}

// ipStatus is what parseIP made of a string.
type ipStatus uint8

const (
	ipValid       ipStatus = iota
	ipInvalid              // looks like an address but is not one
	ipNonstandard          // does not look like an address
)

// parseIP reads an address as the Ruler does: only text shaped like an
// IPv4 (four dotted runs of digits) or IPv6 address (hex digits and colons)
// is tried, with Java's rules (IPv4 parts may have leading zeros; an
// IPv4-mapped IPv6 address is the IPv4 address).
func parseIP(s string) (ipAddr, ipStatus) {
	switch {
	case looksIPv4(s):
		if a, ok := parseIPv4(s); ok {
			return a, ipValid
		}
		return ipAddr{}, ipInvalid
	case looksIPv6(s):
		if a, ok := parseIPv6(s); ok {
			return a, ipValid
		}
		return ipAddr{}, ipInvalid
	}
	return ipAddr{}, ipNonstandard
}

// looksIPv4 is the Ruler's [0-9]+\.[0-9]+\.[0-9]+\.[0-9]+.
func looksIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

// looksIPv6 is the Ruler's [0-9a-fA-F:]*:[0-9a-fA-F:]*.
func looksIPv6(s string) bool {
	return strings.Contains(s, ":") && strings.Trim(s, "0123456789abcdefABCDEF:") == ""
}

// parseIPv4 follows Java's textToNumericFormatV4 for four dotted runs of
// digits: at most 15 characters, each part a decimal byte.
func parseIPv4(s string) (ipAddr, bool) {
	if len(s) > 15 {
		return ipAddr{}, false
	}
	a := ipAddr{n: 4}
	for i, p := range strings.Split(s, ".") {
		v, err := strconv.Atoi(p)
		if err != nil || v > 255 {
			return ipAddr{}, false
		}
		a.b[i] = byte(v)
	}
	return a, true
}

// parseIPv6 follows Java's IPAddressUtil.textToNumericFormatV6 for text of
// hex digits and colons.
func parseIPv6(s string) (ipAddr, bool) {
	if len(s) < 2 || (s[0] == ':' && s[1] != ':') {
		return ipAddr{}, false
	}
	var dst [16]byte
	j, colonp := 0, -1
	val, sawDigit := 0, false
	i := 0
	if s[0] == ':' {
		i = 1
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c != ':' {
			d, _ := strconv.ParseUint(string(c), 16, 8)
			if val = val<<4 | int(d); val > 0xffff {
				return ipAddr{}, false
			}
			sawDigit = true
			continue
		}
		if !sawDigit {
			if colonp != -1 {
				return ipAddr{}, false
			}
			colonp = j
			continue
		}
		if i == len(s)-1 || j+2 > 16 {
			return ipAddr{}, false
		}
		dst[j], dst[j+1] = byte(val>>8), byte(val)
		j, val, sawDigit = j+2, 0, false
	}
	if sawDigit {
		if j+2 > 16 {
			return ipAddr{}, false
		}
		dst[j], dst[j+1] = byte(val>>8), byte(val)
		j += 2
	}
	if colonp != -1 {
		if j == 16 {
			return ipAddr{}, false
		}
		n := j - colonp
		for k := 1; k <= n; k++ {
			dst[16-k] = dst[colonp+n-k]
			dst[colonp+n-k] = 0
		}
		j = 16
	}
	if j != 16 {
		return ipAddr{}, false
	}
	if bytes.Equal(dst[:10], make([]byte, 10)) && dst[10] == 0xff && dst[11] == 0xff {
		a := ipAddr{n: 4}
		copy(a.b[:], dst[12:])
		return a, true
	}
	return ipAddr{b: dst, n: 16}, true
}

// parseCIDR is the Ruler's CIDR.cidr, with its messages.
func parseCIDR(s string) (ipRange, string) {
	parts := strings.Split(s, "/")
	for len(parts) > 0 && parts[len(parts)-1] == "" { // Java's split drops trailing empties
		parts = parts[:len(parts)-1]
	}
	if len(parts) != 2 {
		return ipRange{}, "Malformed CIDR, one '/' required"
	}
	bits, err := strconv.ParseInt(parts[1], 10, 32)
	if err != nil {
		return ipRange{}, "Malformed CIDR, mask bits must be an integer"
	}
	if bits < 0 {
		return ipRange{}, "Malformed CIDR, mask bits must not be negative"
	}
	addr, status := parseIP(parts[0])
	switch status {
	case ipInvalid:
		return ipRange{}, "Invalid IP address: " + parts[0]
	case ipNonstandard:
		return ipRange{}, "Nonstandard IP address: " + parts[0]
	}
	if addr.n == 4 && bits > 31 {
		return ipRange{}, "IPv4 mask bits must be < 32"
	}
	if addr.n == 16 && bits > 127 {
		return ipRange{}, "IPv6 mask bits must be < 128"
	}
	r := ipRange{lo: addr, hi: addr}
	free := int(addr.n)*8 - int(bits) // variable low-order bits
	for i := int(addr.n) - 1; i >= 0 && free > 0; i-- {
		m := byte(0xff)
		if free < 8 {
			m = byte(1<<free - 1)
		}
		r.lo.b[i] &^= m
		r.hi.b[i] |= m
		free -= 8
	}
	return r, ""
}
