package eventfilter

import (
	"strconv"
	"strings"
)

// Numbers are compared as AWS documents: within ±5.0e9, to six digits after
// the decimal point. A number is turned into an integer key the way the
// Ruler does, (long) (1e6 × (5e9 + value)), so that numbers equal to six
// decimals have one key and ranges compare keys.
const comparableLimit = 5e9

// numberKey is a number's key, if it is within ±5.0e9.
func numberKey(text string, limit float64) (int64, bool) {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !isRangeErr(err) {
		return 0, false
	}
	if f < -limit || f > limit || f != f {
		return 0, false
	}
	return numKey(f), true
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func numKey(f float64) int64 { return int64(1e6 * (comparableLimit + f)) }

func parseNum(text string) float64 {
	f, _ := strconv.ParseFloat(text, 64) // the lexer only hands over JSON numbers
	return f
}

// javaDouble formats a bound as Java's Double.toString does ("5.0E9").
func javaDouble(f float64) string {
	s := strconv.FormatFloat(f, 'E', -1, 64) // "5E+09"
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	exp = strings.TrimPrefix(exp, "+")
	neg := strings.HasPrefix(exp, "-")
	exp = strings.TrimLeft(strings.TrimPrefix(exp, "-"), "0")
	if neg {
		exp = "-" + exp
	}
	return mant + "E" + exp
}

// generate is the Ruler's ComparableNumber.generate: a key, or the reason a
// number cannot have one.
func (d *dialect) generate(f float64) (int64, string) {
	if f < -d.numericLimit || f > d.numericLimit || f != f {
		return 0, "Value must be between " + javaDouble(-d.numericLimit) + " and " + javaDouble(d.numericLimit) + ", inclusive"
	}
	return numKey(f), ""
}

// between is the Ruler's Range: bottom must be below top, then both must
// have keys.
func (d *dialect) between(bottom float64, openBottom bool, top float64, openTop bool) (atom, string) {
	if bottom >= top {
		return atom{}, "Bottom must be less than top"
	}
	lo, reason := d.generate(bottom)
	if reason != "" {
		return atom{}, reason
	}
	hi, reason := d.generate(top)
	if reason != "" {
		return atom{}, reason
	}
	return atom{kind: atomRange, lo: lo, hi: hi, loOpen: openBottom, hiOpen: openTop}, ""
}

// numeric compiles {"numeric": [op, n (, op, n)]} whose name has been read.
func (c *compiler) numeric() (atom, *Error) {
	t, err := c.lx.nextToken()
	if err != nil {
		return atom{}, err
	}
	if t != tStartArray {
		return atom{}, c.lx.fail("Value of numeric must be an array.")
	}
	a, err := c.numericTerms()
	if err != nil {
		return atom{}, err
	}
	return a, c.end("Too many elements in numeric expression")
}

func (c *compiler) numericTerms() (atom, *Error) {
	op, err := c.numericOperator()
	if err != nil {
		return atom{}, err
	}
	v := parseNum(c.lx.text)
	var a atom
	var reason string
	switch op {
	case ">", ">=":
		t, err := c.lx.nextToken()
		if err != nil {
			return atom{}, err
		}
		if t != tEndArray {
			return c.rangeTop(t, v, op == ">")
		}
		a, reason = c.d.between(v, op == ">", c.d.numericLimit, false)
	default:
		if err := c.end2("Too many elements in numeric expression"); err != nil {
			return atom{}, err
		}
		a, reason = c.oneSided(op, v)
	}
	if reason != "" {
		return atom{}, c.lx.fail(reason)
	}
	return a, nil
}

// numericOperator reads the first operator and its number.
func (c *compiler) numericOperator() (string, *Error) {
	t, err := c.lx.nextToken()
	if err != nil {
		return "", err
	}
	if t != tString {
		text, err := c.lx.getText()
		if err != nil {
			return "", err
		}
		return "", c.lx.fail("Invalid member in numeric match: " + text)
	}
	op, err := c.lx.getText()
	if err != nil {
		return "", err
	}
	if t, err = c.lx.nextToken(); err != nil {
		return "", err
	}
	switch op {
	case "=", ">=", ">", "<=", "<":
	default:
		return "", c.lx.fail("Unrecognized numeric range operator: " + op)
	}
	if t != tNumber {
		label := op
		if op == "=" {
			label = "equals"
		}
		return "", c.lx.fail("Value of " + label + " must be numeric")
	}
	return op, nil
}

// oneSided is "=", "<" or "<=" with its number.
func (c *compiler) oneSided(op string, v float64) (atom, string) {
	switch op {
	case "=":
		k, reason := c.d.generate(v)
		return atom{kind: atomRange, lo: k, hi: k}, reason
	case "<=":
		return c.d.between(-c.d.numericLimit, false, v, false)
	}
	return c.d.between(-c.d.numericLimit, false, v, true)
}

// end2 reads the ']' that must close a numeric expression.
func (c *compiler) end2(reason string) *Error {
	t, err := c.lx.nextToken()
	if err != nil {
		return err
	}
	if t != tEndArray {
		return c.lx.fail(reason)
	}
	return nil
}

// rangeTop compiles the "<" or "<=" half of a two-sided range.
func (c *compiler) rangeTop(t tok, bottom float64, openBottom bool) (atom, *Error) {
	text, err := c.lx.getText()
	if err != nil {
		return atom{}, err
	}
	if t != tString {
		return atom{}, c.lx.fail("Bad value in numeric range: " + text)
	}
	if text != "<" && text != "<=" {
		return atom{}, c.lx.fail("Bad numeric range operator: " + text)
	}
	if t, err = c.lx.nextToken(); err != nil {
		return atom{}, err
	}
	if t != tNumber {
		return atom{}, c.lx.fail("Value of " + text + " must be numeric")
	}
	top := parseNum(c.lx.text)
	if err := c.end2("Too many terms in numeric range expression"); err != nil {
		return atom{}, err
	}
	a, reason := c.d.between(bottom, openBottom, top, text == "<")
	if reason != "" {
		return atom{}, c.lx.fail(reason)
	}
	return a, nil
}
