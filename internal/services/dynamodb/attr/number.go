package attr

import (
	"errors"
	"math/big"
	"strings"
)

// Number is a DynamoDB number: up to 38 significant decimal digits and a
// magnitude between 1E-130 and 9.99…E+125, kept exactly (no binary
// floating point). Its value is ±0.Digits × 10^Exp with no leading or
// trailing zero in Digits; zero has no digits.
type Number struct {
	neg    bool
	digits string
	exp    int
}

// Number limits: 0.d × 10^exp with exp in [minExp, maxExp].
const (
	maxDigits = 38
	maxExp    = 126
	minExp    = -129
)

// Errors of numbers, with AWS's messages.
var (
	ErrNotNumber = errors.New("A value provided cannot be converted into a number")
	ErrOverflow  = errors.New("Number overflow. Attempting to store a number with magnitude larger than supported range")
	ErrUnderflow = errors.New("Number underflow. Attempting to store a number with magnitude smaller than supported range")
	ErrPrecision = errors.New("Attempting to store more than 38 significant digits in a Number")
)

// ParseNumber reads a number as DynamoDB accepts it: an optional sign,
// digits with an optional decimal point, an optional exponent.
func ParseNumber(s string) (Number, error) {
	var n Number
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		n.neg = s[i] == '-'
		i++
	}
	var digits []byte
	point, seen := -1, false
	for ; i < len(s); i++ {
		c := s[i]
		if c == '.' && point < 0 {
			point = len(digits)
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		seen = true
		digits = append(digits, c)
	}
	if !seen {
		return Number{}, ErrNotNumber
	}
	if point < 0 {
		point = len(digits)
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		e, ok := parseExp(s[i+1:])
		if !ok {
			return Number{}, ErrNotNumber
		}
		exp = e
		i = len(s)
	}
	if i != len(s) {
		return Number{}, ErrNotNumber
	}
	return normalize(n.neg, string(digits), point+exp)
}

// parseExp reads an exponent, bounded so that absurd ones cannot overflow.
func parseExp(s string) (int, bool) {
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return 0, false
	}
	e := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		if e < 1e6 {
			e = e*10 + int(c-'0')
		}
	}
	if neg {
		e = -e
	}
	return e, true
}

// normalize trims digits (value ±0.digits × 10^exp) and checks the limits.
func normalize(neg bool, digits string, exp int) (Number, error) {
	lead := 0
	for lead < len(digits) && digits[lead] == '0' {
		lead++
	}
	digits = strings.TrimRight(digits[lead:], "0")
	exp -= lead
	if digits == "" {
		return Number{}, nil
	}
	if len(digits) > maxDigits {
		return Number{}, ErrPrecision
	}
	if exp > maxExp {
		return Number{}, ErrOverflow
	}
	if exp < minExp {
		return Number{}, ErrUnderflow
	}
	return Number{neg: neg, digits: digits, exp: exp}, nil
}

// IsZero tells whether n is 0.
func (n Number) IsZero() bool { return n.digits == "" }

// String is the number as DynamoDB returns it: plain decimal notation.
func (n Number) String() string {
	if n.digits == "" {
		return "0"
	}
	var b strings.Builder
	if n.neg {
		b.WriteByte('-')
	}
	switch {
	case n.exp <= 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -n.exp))
		b.WriteString(n.digits)
	case n.exp >= len(n.digits):
		b.WriteString(n.digits)
		b.WriteString(strings.Repeat("0", n.exp-len(n.digits)))
	default:
		b.WriteString(n.digits[:n.exp])
		b.WriteByte('.')
		b.WriteString(n.digits[n.exp:])
	}
	return b.String()
}

// Cmp compares n and m numerically: -1, 0 or +1.
func (n Number) Cmp(m Number) int {
	sn, sm := n.sign(), m.sign()
	if sn != sm {
		if sn < sm {
			return -1
		}
		return 1
	}
	if sn == 0 {
		return 0
	}
	c := 0
	switch {
	case n.exp != m.exp:
		c = 1
		if n.exp < m.exp {
			c = -1
		}
	default:
		c = strings.Compare(n.digits, m.digits)
	}
	return c * sn
}

func (n Number) sign() int {
	switch {
	case n.digits == "":
		return 0
	case n.neg:
		return -1
	}
	return 1
}

// Add returns n + m, or an error when the sum is outside DynamoDB's range.
func (n Number) Add(m Number) (Number, error) {
	if n.IsZero() {
		return m, nil
	}
	if m.IsZero() {
		return n, nil
	}
	a, sa := n.big()
	b, sb := m.big()
	scale := min(sa, sb)
	a.Mul(a, pow10(sa-scale))
	b.Mul(b, pow10(sb-scale))
	a.Add(a, b)
	neg := a.Sign() < 0
	digits := a.Abs(a).String()
	if a.Sign() == 0 {
		return Number{}, nil
	}
	return normalize(neg, digits, len(digits)+scale)
}

// Sub returns n - m.
func (n Number) Sub(m Number) (Number, error) {
	m.neg = !m.neg && !m.IsZero()
	return n.Add(m)
}

// big returns n as an integer and a power of ten: n = i × 10^scale.
func (n Number) big() (*big.Int, int) {
	i, _ := new(big.Int).SetString(n.digits, 10)
	if n.neg {
		i.Neg(i)
	}
	return i, n.exp - len(n.digits)
}

func pow10(e int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(e)), nil)
}

// size is the number's share of an item's size as DynamoDB counts it: a
// byte per pair of significant digits, rounded up, and one byte more, or
// two when the exponent of its first digit (d.ddd × 10^e) is even. This
// is the rule dynalite calibrated against DynamoDB's own 400 KB limit
// (AWS documents it only as "approximately"); the sign costs nothing.
// Zero counts as one digit.
func (n Number) size() int {
	if n.digits == "" {
		return 3
	}
	s := (len(n.digits) + 1) / 2
	if (n.exp-1)%2 != 0 {
		return s + 1
	}
	return s + 2
}
