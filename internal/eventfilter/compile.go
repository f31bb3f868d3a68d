package eventfilter

import "strings"

// dialect is what one service's version of the language accepts. SNS runs
// an older Ruler than EventBridge: no wildcard, anything-but with a single
// prefix only, no case-insensitive prefix or suffix, and numbers within
// ±10^9.
type dialect struct {
	// numericLimit bounds numbers in numeric conditions and anything-but
	// (the Ruler's "Value must be between -5.0E9 and 5.0E9, inclusive").
	numericLimit float64
	// wildcard allows {"wildcard": ...} and checks the pattern's complexity.
	wildcard bool
	// richAnythingBut allows anything-but with suffix, equals-ignore-case,
	// wildcard and lists of prefixes; without it only {"prefix": "s"}.
	richAnythingBut bool
	// foldedAffixes allows {"prefix": {"equals-ignore-case": ...}} and the
	// suffix form.
	foldedAffixes bool
}

var (
	eventBridge = &dialect{numericLimit: 5e9, wildcard: true, richAnythingBut: true, foldedAffixes: true}
	snsDialect  = &dialect{numericLimit: 1e9}
)

// Limits nubo adds where AWS's limit is not known: how many alternatives
// "$or"s may expand to, and how deep a pattern may nest (Jackson's own
// default).
const (
	maxSubRules = 1000
	maxDepth    = 1000
)

// Compile parses an EventBridge event pattern (also the language of Lambda
// event filtering). Errors are *Error, worded as EventBridge words the
// Reason of its InvalidEventPatternException.
func Compile(pattern []byte) (*Pattern, error) {
	p, err := compileDialect(eventBridge, pattern)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// compileDialect compiles as the Ruler's Machine.addRule does: with "$or"
// as the alternatives keyword, and when that fails, once more with "$or"
// as an ordinary field name (the Ruler's compatibility with rules written
// before "$or"); if both fail, the first error is the one reported.
func compileDialect(d *dialect, pattern []byte) (*Pattern, *Error) {
	rules, err := compileRules(d, pattern, false)
	if err != nil {
		legacy, lerr := compileRules(d, pattern, true)
		if lerr != nil {
			return nil, err
		}
		rules = legacy
	}
	p := &Pattern{subs: buildSubRules(rules)}
	if d.wildcard {
		if err := checkComplexity(p); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// compiler turns a pattern into sub-rules: maps from a field's path to its
// conditions, one map per combination of "$or" alternatives.
type compiler struct {
	lx     *lexer
	d      *dialect
	legacy bool
	rules  []map[string][]atom
	path   []string
	depth  int
}

func compileRules(d *dialect, src []byte, legacy bool) ([]map[string][]atom, *Error) {
	c := &compiler{lx: newLexer(src), d: d, legacy: legacy}
	t, err := c.lx.nextToken()
	if err != nil {
		return nil, err
	}
	if t != tStartObject {
		return nil, c.lx.fail("Filter is not an object")
	}
	if err := c.object(false); err != nil {
		return nil, err
	}
	return c.rules, nil
}

// reservedInOr are names the Ruler refuses as field names inside "$or".
var reservedInOr = map[string]bool{
	"exactly": true, "equals-ignore-case": true, "prefix": true, "suffix": true, "anything-but": true,
	"exists": true, "wildcard": true, "numeric": true, "cidr": true,
	"=": true, "<": true, "<=": true, ">": true, ">=": true,
	"regex": true, "not-wildcard": true, "not-equals-ignore-case": true,
	"date-after": true, "date-on-or-after": true, "date-before": true, "date-on-or-before": true, "in-date-range": true,
	"ip-address-in-range": true, "ip-address-not-in-range": true,
}

// object compiles the members of an object whose '{' has been read.
func (c *compiler) object(inOr bool) *Error {
	if c.depth++; c.depth > maxDepth {
		return c.lx.fail("Document nesting depth (1001) exceeds the maximum allowed (1000, from `StreamReadConstraints.getMaxNestingDepth()`)")
	}
	defer func() { c.depth-- }()
	present := false
	for {
		t, err := c.lx.nextToken()
		if err != nil {
			return err
		}
		if t == tEndObject {
			break
		}
		present = true
		name := c.lx.text
		if name == "$or" && !c.legacy {
			if err := c.or(); err != nil {
				return err
			}
			continue
		}
		if inOr && reservedInOr[name] {
			return c.lx.fail(name + " is Ruler reserved fieldName which cannot be used inside $or.")
		}
		if t, err = c.lx.nextToken(); err != nil {
			return err
		}
		switch t {
		case tStartObject:
			c.path = append(c.path, name)
			if err := c.object(inOr); err != nil {
				return err
			}
			c.path = c.path[:len(c.path)-1]
		case tStartArray:
			if err := c.values(name); err != nil {
				return err
			}
		default:
			return c.lx.fail(`"` + name + `" must be an object or an array`)
		}
	}
	if !present {
		return c.lx.fail("Empty objects are not allowed")
	}
	return nil
}

// or compiles "$or": each alternative extends a copy of the sub-rules built
// so far.
func (c *compiler) or() *Error {
	current := copyRules(c.rules)
	t, err := c.lx.nextToken()
	if err != nil {
		return err
	}
	if t != tStartArray {
		return c.lx.fail("It must be an Array followed with $or.")
	}
	var out []map[string][]atom
	n := 0
	for {
		if t, err = c.lx.nextToken(); err != nil {
			return err
		}
		if t == tEndArray {
			break
		}
		n++
		if t != tStartObject {
			return c.lx.fail("Only JSON object is allowed in array of $or relationship.")
		}
		c.rules = copyRules(current)
		if len(c.rules) == 0 {
			c.rules = []map[string][]atom{{}}
		}
		if err := c.object(true); err != nil {
			return err
		}
		if out = append(out, c.rules...); len(out) > maxSubRules {
			return &Error{Reason: "Rule is too complex - its \"$or\" alternatives combine into more than 1000 patterns"}
		}
	}
	if n < 2 {
		return c.lx.fail("There must have at least 2 Objects in $or relationship.")
	}
	c.rules = out
	return nil
}

func copyRules(rules []map[string][]atom) []map[string][]atom {
	out := make([]map[string][]atom, len(rules))
	for i, r := range rules {
		m := make(map[string][]atom, len(r))
		for k, v := range r {
			m[k] = v
		}
		out[i] = m
	}
	return out
}

// values compiles a field's array of conditions (its '[' has been read)
// and sets it, in every sub-rule, as the field's conditions: a field named
// twice keeps its last array.
func (c *compiler) values(name string) *Error {
	var atoms []atom
	for {
		t, err := c.lx.nextToken()
		if err != nil {
			return err
		}
		if t == tEndArray {
			break
		}
		a, err := c.value(t)
		if err != nil {
			return err
		}
		atoms = append(atoms, a...)
	}
	if len(atoms) == 0 {
		return c.lx.fail("Empty arrays are not allowed")
	}
	path := strings.Join(append(c.path[:len(c.path):len(c.path)], name), ".")
	if len(c.rules) == 0 {
		c.rules = []map[string][]atom{{}}
	}
	for _, r := range c.rules {
		r[path] = atoms
	}
	return nil
}

// value compiles one element of a field's array.
func (c *compiler) value(t tok) ([]atom, *Error) {
	switch t {
	case tStartObject:
		a, err := c.matchExpression()
		if err != nil {
			return nil, err
		}
		return []atom{a}, nil
	case tString:
		s, err := c.lx.getText()
		if err != nil {
			return nil, err
		}
		if ip, ok := parseIP(s); ok == ipValid {
			return []atom{{kind: atomIP, ip: ipRange{lo: ip, hi: ip}}}, nil
		}
		return []atom{{kind: atomString, s: s}}, nil
	case tNumber:
		a := atom{kind: atomNumber, s: c.lx.text}
		a.num, a.numOK = numberKey(c.lx.text, comparableLimit)
		return []atom{a}, nil
	case tTrue, tFalse, tNull:
		s, _ := c.lx.getText()
		return []atom{{kind: atomLiteral, s: s}}, nil
	}
	return nil, c.lx.fail("Match value must be String, number, true, false, or null")
}
