package eventfilter

// anythingBut compiles EventBridge's anything-but (its name has been read):
// a string, a number, a list of either, or an object naming prefix,
// suffix, equals-ignore-case or wildcard with a string or a list.
func (c *compiler) anythingBut() (atom, *Error) {
	kind := atomButString
	t, err := c.lx.nextToken()
	if err != nil {
		return atom{}, err
	}
	if t == tStartObject {
		if t, err = c.lx.nextToken(); err != nil {
			return atom{}, err
		}
		if t != tName {
			return atom{}, c.lx.fail("Anything-But expression name not found")
		}
		switch op := c.lx.text; op {
		case "equals-ignore-case":
			kind = atomButFold
		case "prefix":
			kind = atomButPrefix
		case "suffix":
			kind = atomButSuffix
		case "wildcard":
			kind = atomButWildcard
		default:
			return atom{}, c.lx.fail("Unsupported anything-but pattern: " + op)
		}
		if t, err = c.lx.nextToken(); err != nil {
			return atom{}, err
		}
	}
	if t != tStartArray && t != tString && t != tNumber {
		return atom{}, c.lx.fail("Value of anything-but must be an array or single string/number value.")
	}
	var a atom
	switch {
	case t == tStartArray && kind == atomButString:
		a, err = c.butList()
	case t == tStartArray:
		a, err = c.butSetList(kind)
	case kind == atomButString:
		a, err = c.butSingle(t)
	default:
		a, err = c.butSetSingle(t, kind)
	}
	if err != nil {
		return atom{}, err
	}
	if err := c.end("Too many elements in numeric expression"); err != nil {
		return atom{}, err
	}
	if kind != atomButString {
		if err := c.end("Too many elements in numeric expression"); err != nil {
			return atom{}, err
		}
	}
	return a, nil
}

// butList compiles a list of strings or of numbers. Errors raised inside
// its loop are caught and raised again by the Ruler, which repeats their
// location.
func (c *compiler) butList() (atom, *Error) {
	a := atom{kind: atomButString}
	hasNum, hasStr := false, false
	for {
		t, err := c.lx.nextToken()
		if err != nil {
			return atom{}, c.lx.wrap(err)
		}
		if t == tEndArray {
			break
		}
		switch t {
		case tString:
			s, err := c.lx.getText()
			if err != nil {
				return atom{}, c.lx.wrap(err)
			}
			a.set, hasStr = append(a.set, s), true
		case tNumber:
			k, reason := c.d.generate(parseNum(c.lx.text))
			if reason != "" {
				return atom{}, c.lx.fail(reason)
			}
			a.nums, hasNum = append(a.nums, k), true
		default:
			return atom{}, c.lx.wrap(c.lx.fail("Inside anything but list, start|null|boolean is not supported."))
		}
	}
	if hasNum == hasStr {
		return atom{}, c.lx.fail("Inside anything but list, either all values are number or string, mixed type is not supported")
	}
	if hasNum {
		a.kind = atomButNumber
	}
	return a, nil
}

// butSingle compiles a single string or number.
func (c *compiler) butSingle(t tok) (atom, *Error) {
	if t == tString {
		s, err := c.lx.getText()
		if err != nil {
			return atom{}, err
		}
		return atom{kind: atomButString, set: []string{s}}, nil
	}
	k, reason := c.d.generate(parseNum(c.lx.text))
	if reason != "" {
		// not caught by the Ruler's parser: no location
		return atom{}, &Error{Reason: reason}
	}
	return atom{kind: atomButNumber, nums: []int64{k}}, nil
}

// notStringReason is what the Ruler says of a non-string in an anything-but
// set.
func notStringReason(kind atomKind) string {
	switch kind {
	case atomButFold:
		return "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
	case atomButWildcard:
		return "wildcard match pattern must be a string"
	}
	return "prefix/suffix match pattern must be a string"
}

// butSetString checks and adds one string of a prefix, suffix,
// equals-ignore-case or wildcard set.
func (c *compiler) butSetString(a *atom, s string) string {
	switch a.kind {
	case atomButPrefix, atomButSuffix:
		if s == "" {
			return "Null prefix/suffix not allowed"
		}
		a.set = append(a.set, s)
	case atomButFold:
		a.set = append(a.set, fold(s))
	case atomButWildcard:
		g, reason := parseWildcard(s, 0)
		if reason != "" {
			return reason
		}
		a.globs = append(a.globs, g)
	}
	return ""
}

func (c *compiler) butSetList(kind atomKind) (atom, *Error) {
	a := atom{kind: kind}
	var globReason string
	for {
		t, err := c.lx.nextToken()
		if err != nil {
			return atom{}, c.lx.wrap(err)
		}
		if t == tEndArray {
			break
		}
		if t != tString {
			return atom{}, c.lx.wrap(c.lx.fail(notStringReason(kind)))
		}
		s, err := c.lx.getText()
		if err != nil {
			return atom{}, c.lx.wrap(err)
		}
		if reason := c.butSetString(&a, s); reason != "" {
			if kind != atomButWildcard {
				return atom{}, c.lx.wrap(c.lx.fail(reason))
			}
			// The Ruler checks wildcards after the loop, outside its catch.
			if globReason == "" {
				globReason = reason
			}
		}
	}
	if globReason != "" {
		return atom{}, c.lx.fail(globReason)
	}
	return a, nil
}

func (c *compiler) butSetSingle(t tok, kind atomKind) (atom, *Error) {
	a := atom{kind: kind}
	if t != tString {
		return atom{}, c.lx.fail(notStringReason(kind))
	}
	s, err := c.lx.getText()
	if err != nil {
		return atom{}, err
	}
	if reason := c.butSetString(&a, s); reason != "" {
		return atom{}, c.lx.fail(reason)
	}
	return a, nil
}

// anythingButSNS compiles SNS's older anything-but: as EventBridge's for
// values and lists, but an object may only be {"prefix": "s"}.
func (c *compiler) anythingButSNS() (atom, *Error) {
	t, err := c.lx.nextToken()
	if err != nil {
		return atom{}, err
	}
	if t != tStartObject {
		if t != tStartArray && t != tString && t != tNumber {
			return atom{}, c.lx.fail("Value of anything-but must be an array or single string/number value.")
		}
		var a atom
		if t == tStartArray {
			a, err = c.butList()
		} else {
			a, err = c.butSingle(t)
		}
		if err != nil {
			return atom{}, err
		}
		return a, c.end("Too many elements in numeric expression")
	}
	if t, err = c.lx.nextToken(); err != nil {
		return atom{}, err
	}
	if t != tName {
		return atom{}, c.lx.fail("Anything-But expression name not found")
	}
	if op := c.lx.text; op != "prefix" {
		return atom{}, c.lx.fail("Unsupported anything-but pattern: " + op)
	}
	if t, err = c.lx.nextToken(); err != nil {
		return atom{}, err
	}
	if t != tString {
		return atom{}, c.lx.fail("prefix match pattern must be a string")
	}
	s, err := c.lx.getText()
	if err != nil {
		return atom{}, err
	}
	if s == "" {
		return atom{}, c.lx.fail("Null prefix not allowed")
	}
	if err := c.end("Only one key allowed in match expression"); err != nil {
		return atom{}, err
	}
	return atom{kind: atomButPrefix, set: []string{s}}, c.end("Only one key allowed in match expression")
}
