package policy

import "strings"

// glob matches s against a pattern of '*' (any run) and '?' (any one
// character). lit, when set, marks pattern bytes to take literally (the
// values of policy variables). fold compares ASCII letters without case.
func glob(pattern string, lit []bool, s string, fold bool) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*' && !isLit(lit, p):
			star, mark = p, i
			p++
		case p < len(pattern) && (pattern[p] == '?' && !isLit(lit, p) || sameByte(pattern[p], s[i], fold)):
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' && !isLit(lit, p) {
		p++
	}
	return p == len(pattern)
}

func isLit(lit []bool, i int) bool { return lit != nil && lit[i] }

func sameByte(a, b byte, fold bool) bool {
	if a == b {
		return true
	}
	if !fold {
		return false
	}
	if 'A' <= a && a <= 'Z' {
		a += 'a' - 'A'
	}
	if 'A' <= b && b <= 'Z' {
		b += 'a' - 'A'
	}
	return a == b
}

// expand substitutes policy variables (${aws:username}, ${aws:username,
// 'default'}, and ${*}, ${?}, ${$} for the characters themselves) from the
// request context. It returns the pattern and which bytes are literal; ok
// is false when a variable has no value (the element then matches
// nothing). Documents of the 2008 version have no variables.
func (d *Document) expand(pattern string, ctx Context) (string, []bool, bool) {
	if d.Version != Version2012 || !strings.Contains(pattern, "${") {
		return pattern, nil, true
	}
	var b strings.Builder
	var lit []bool
	rest := pattern
	for {
		i := strings.Index(rest, "${")
		j := strings.IndexByte(rest[max(i, 0):], '}')
		if i < 0 || j < 0 {
			break
		}
		b.WriteString(rest[:i])
		lit = append(lit, make([]bool, i)...)
		value, ok := variable(rest[i+2:i+j], ctx)
		if !ok {
			return "", nil, false
		}
		b.WriteString(value)
		for range len(value) {
			lit = append(lit, true)
		}
		rest = rest[i+j+1:]
	}
	b.WriteString(rest)
	lit = append(lit, make([]bool, len(rest))...)
	return b.String(), lit, true
}

// variable is the value of the variable named inside ${...}.
func variable(expr string, ctx Context) (string, bool) {
	switch expr {
	case "*", "?", "$":
		return expr, true
	}
	name, def, hasDefault := strings.Cut(expr, ",")
	if v := ctx.Values(strings.TrimSpace(name)); len(v) == 1 {
		return v[0], true
	}
	if def = strings.TrimSpace(def); hasDefault && len(def) >= 2 && def[0] == '\'' && def[len(def)-1] == '\'' {
		return def[1 : len(def)-1], true
	}
	return "", false
}

// matchAction reports whether action matches one of the patterns (case
// does not matter).
func matchAction(patterns []string, action string) bool {
	for _, p := range patterns {
		if glob(p, nil, action, true) {
			return true
		}
	}
	return false
}

// matchResource reports whether resource matches one of the patterns
// (case matters; patterns may hold policy variables).
func (d *Document) matchResource(patterns []string, resource string, ctx Context) bool {
	for _, p := range patterns {
		pat, lit, ok := d.expand(p, ctx)
		if ok && glob(pat, lit, resource, false) {
			return true
		}
	}
	return false
}

// matchARN compares ARNs segment by segment, as ArnLike does: the six
// colon-separated parts each match their pattern part, and the resource
// part (which may hold colons) matches as a whole.
func matchARN(pattern string, lit []bool, arn string) bool {
	pp := strings.SplitN(pattern, ":", 6)
	ap := strings.SplitN(arn, ":", 6)
	if len(pp) != 6 || len(ap) != 6 {
		return false
	}
	off := 0
	for i := range pp {
		var l []bool
		if lit != nil {
			l = lit[off : off+len(pp[i])]
		}
		off += len(pp[i]) + 1
		if !glob(pp[i], l, ap[i], false) {
			return false
		}
	}
	return true
}
