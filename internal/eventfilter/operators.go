package eventfilter

// matchExpression compiles a condition object ({"prefix": ...}, ...) whose
// '{' has been read, with the Ruler's checks and messages.
func (c *compiler) matchExpression() (atom, *Error) {
	t, err := c.lx.nextToken()
	if err != nil {
		return atom{}, err
	}
	if t != tName {
		return atom{}, c.lx.fail("Match expression name not found")
	}
	switch name := c.lx.text; name {
	case "exactly":
		return c.stringOperand(atomString, "exact match pattern must be a string")
	case "prefix", "suffix":
		return c.affix(name)
	case "equals-ignore-case":
		a, err := c.stringOperand(atomEqualsFold, "equals-ignore-case match pattern must be a string")
		a.s = fold(a.s)
		return a, err
	case "numeric":
		return c.numeric()
	case "anything-but":
		if !c.d.richAnythingBut {
			return c.anythingButSNS()
		}
		return c.anythingBut()
	case "exists":
		return c.exists()
	case "cidr":
		return c.cidr()
	case "wildcard":
		if c.d.wildcard {
			return c.wildcard()
		}
		return atom{}, c.lx.fail("Unrecognized match type " + name)
	default:
		return atom{}, c.lx.fail("Unrecognized match type " + name)
	}
}

// stringOperand reads a string operand and the close of its object.
func (c *compiler) stringOperand(kind atomKind, notString string) (atom, *Error) {
	t, err := c.lx.nextToken()
	if err != nil {
		return atom{}, err
	}
	if t != tString {
		return atom{}, c.lx.fail(notString)
	}
	s, err := c.lx.getText()
	if err != nil {
		return atom{}, err
	}
	if err := c.end("Only one key allowed in match expression"); err != nil {
		return atom{}, err
	}
	return atom{kind: kind, s: s}, nil
}

// end reads the '}' that must close an expression.
func (c *compiler) end(reason string) *Error {
	t, err := c.lx.nextToken()
	if err != nil {
		return err
	}
	if t != tEndObject {
		return c.lx.fail(reason)
	}
	return nil
}

// affix compiles prefix and suffix, plain or {"equals-ignore-case": ...}.
func (c *compiler) affix(name string) (atom, *Error) {
	kind, foldKind, label := atomPrefix, atomPrefixFold, "Prefix"
	if name == "suffix" {
		kind, foldKind, label = atomSuffix, atomSuffixFold, "Suffix"
	}
	t, err := c.lx.nextToken()
	if err != nil {
		return atom{}, err
	}
	if t == tStartObject && c.d.foldedAffixes {
		if t, err = c.lx.nextToken(); err != nil {
			return atom{}, err
		}
		if t != tName {
			return atom{}, c.lx.fail(label + " expression name not found")
		}
		if op := c.lx.text; op != "equals-ignore-case" {
			return atom{}, c.lx.fail("Unsupported " + name + " pattern: " + op)
		}
		a, err := c.stringOperand(foldKind, "equals-ignore-case match pattern must be a string")
		if err != nil {
			return atom{}, err
		}
		a.s = fold(a.s)
		return a, c.end("Only one key allowed in match expression")
	}
	if t != tString {
		return atom{}, c.lx.fail(name + " match pattern must be a string")
	}
	s, err := c.lx.getText()
	if err != nil {
		return atom{}, err
	}
	return atom{kind: kind, s: s}, c.end("Only one key allowed in match expression")
}

func (c *compiler) exists() (atom, *Error) {
	t, err := c.lx.nextToken()
	if err != nil {
		return atom{}, err
	}
	a := atom{kind: atomExists}
	switch t {
	case tTrue:
	case tFalse:
		a.kind = atomAbsent
	default:
		return atom{}, c.lx.fail("exists match pattern must be either true or false.")
	}
	return a, c.end("Only one key allowed in match expression")
}

func (c *compiler) cidr() (atom, *Error) {
	t, err := c.lx.nextToken()
	if err != nil {
		return atom{}, err
	}
	if t != tString {
		return atom{}, c.lx.fail("prefix match pattern must be a string")
	}
	s, err := c.lx.getText()
	if err != nil {
		return atom{}, err
	}
	r, reason := parseCIDR(s)
	if reason != "" {
		// The Ruler lets this IllegalArgumentException escape its
		// parser, so AWS's message has no location.
		return atom{}, &Error{Reason: reason}
	}
	return atom{kind: atomCIDR, ip: r}, c.end("Only one key allowed in match expression")
}

func (c *compiler) wildcard() (atom, *Error) {
	t, err := c.lx.nextToken()
	if err != nil {
		return atom{}, err
	}
	if t != tString {
		return atom{}, c.lx.fail("wildcard match pattern must be a string")
	}
	s, err := c.lx.getText()
	if err != nil {
		return atom{}, err
	}
	// The Ruler parses the value with its quotes, so positions in its
	// messages count one more than in the value.
	g, reason := parseWildcard(s, 1)
	if reason != "" {
		return atom{}, c.lx.fail(reason)
	}
	return atom{kind: atomWildcard, glob: g}, c.end("Only one key allowed in match expression")
}
