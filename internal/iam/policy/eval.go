package policy

import "strings"

// Caller is who makes a request, as policies name principals.
type Caller struct {
	// ARN is the user or role ARN (aws:PrincipalArn); for a role session,
	// the role's.
	ARN string
	// SessionARN is a role session's ARN
	// (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION), "" otherwise.
	SessionARN string
	Account    string
	// Service is set instead when an AWS service acts on its own behalf
	// ("sns.amazonaws.com" delivering to a queue).
	Service string
}

// Request is one request to authorise.
type Request struct {
	Caller   Caller
	Action   string // "lambda:InvokeFunction"
	Resource string // an ARN, or "*" for actions on no resource
	Context  Context
}

// Effects is what a document says of a request.
type Effects struct{ Allow, Deny bool }

// Effects evaluates every statement of d; principal is set for
// resource-based and trust policies, whose statements must name the caller.
func (d *Document) Effects(r *Request, principal bool) Effects {
	var e Effects
	if d == nil {
		return e
	}
	for _, s := range d.Statements {
		if !d.applies(s, r, principal) {
			continue
		}
		if s.Effect == Deny {
			e.Deny = true
			return e
		}
		e.Allow = true
	}
	return e
}

func (d *Document) applies(s *Statement, r *Request, principal bool) bool {
	if s.Action != nil && !matchAction(s.Action, r.Action) || s.NotAction != nil && matchAction(s.NotAction, r.Action) {
		return false
	}
	if s.Resource != nil && !d.matchResource(s.Resource, r.Resource, r.Context) ||
		s.NotResource != nil && d.matchResource(s.NotResource, r.Resource, r.Context) {
		return false
	}
	if principal && (s.Principal != nil && !s.Principal.matches(&r.Caller) || s.NotPrincipal != nil && s.NotPrincipal.matches(&r.Caller)) {
		return false
	}
	for i := range s.Conditions {
		if !d.holds(&s.Conditions[i], r.Context) {
			return false
		}
	}
	return true
}

// matches reports whether the caller is one of the principals: anyone for
// "*", an account (its id or its root ARN) for every principal in it, a
// user or role ARN, a role session's ARN, or a service.
func (p *Principals) matches(c *Caller) bool {
	if p.All {
		return true
	}
	for _, a := range p.AWS {
		if c.Account != "" && (a == c.Account || strings.HasSuffix(a, ":iam::"+c.Account+":root")) && c.Service == "" {
			return true
		}
		if a == c.ARN && c.ARN != "" || a == c.SessionARN && c.SessionARN != "" {
			return true
		}
	}
	return c.Service != "" && contains(p.Service, c.Service)
}

// holds evaluates one condition against the request context.
func (d *Document) holds(c *Condition, ctx Context) bool {
	vals := ctx.Values(c.Key)
	if c.op.null {
		return (len(vals) == 0) == strings.EqualFold(c.Values[0], "true")
	}
	if len(vals) == 0 {
		switch {
		case c.ifExists:
			return true
		case c.set == forAllValues:
			return true
		case c.set == forAnyValue:
			return false
		}
		return c.op.negated
	}
	// one reports whether a context value matches any of the policy's.
	one := func(v string) bool {
		for _, p := range c.Values {
			if d.compare(c, v, p, ctx) {
				return true
			}
		}
		return false
	}
	switch c.set {
	case forAnyValue:
		for _, v := range vals {
			if one(v) != c.op.negated {
				return true
			}
		}
		return false
	case forAllValues:
		for _, v := range vals {
			if one(v) == c.op.negated {
				return false
			}
		}
		return true
	}
	matched := false
	for _, v := range vals {
		matched = matched || one(v)
	}
	return matched != c.op.negated
}

func (d *Document) compare(c *Condition, v, p string, ctx Context) bool {
	pat, lit, ok := d.expand(p, ctx)
	switch {
	case !ok:
		return false
	case c.op.like:
		return glob(pat, lit, v, false)
	case c.op.arn:
		return matchARN(pat, lit, v)
	}
	return c.op.match(v, pat)
}
