package policy

// Policies are the policies that apply to one request.
type Policies struct {
	// Identity are the caller's identity-based policies: a user's own and
	// its groups' (managed and inline), or a role's.
	Identity []*Document
	// Boundary is the caller's permissions boundary; nil for none.
	Boundary *Document
	// Session are the session policies passed when the role was assumed;
	// nil for none.
	Session []*Document
	// Resource is the resource's resource-based policy; nil for none.
	Resource *Document
	// ResourceAccount owns the resource; "" means the caller's account.
	ResourceAccount string
}

// Reason says why a request was allowed or denied, as AWS's AccessDenied
// messages name it.
type Reason int

// The reasons.
const (
	Allowed Reason = iota
	DenyIdentity
	DenyResource
	DenyBoundary
	DenySession
	NoIdentityAllow
	NoResourceAllow
	NoBoundaryAllow
	NoSessionAllow
)

// Decision is the outcome of Evaluate.
type Decision struct {
	Allowed bool
	Reason  Reason
}

// Evaluate decides a request as AWS's policy evaluation logic does: an
// explicit Deny in any policy denies; a resource-based policy that allows
// a caller of its own account suffices (within the boundary and session
// policies); otherwise an identity-based policy must allow, within the
// boundary and session policies, and a resource of another account must
// also allow it in its resource-based policy. A service principal, or an
// anonymous caller (no account), is allowed by the resource-based policy
// alone.
func Evaluate(r *Request, p Policies) Decision {
	var identity Effects
	for _, d := range p.Identity {
		e := d.Effects(r, false)
		identity.Allow = identity.Allow || e.Allow
		identity.Deny = identity.Deny || e.Deny
	}
	resource := p.Resource.Effects(r, true)
	boundary := p.Boundary.Effects(r, false)
	session := Effects{}
	for _, d := range p.Session {
		e := d.Effects(r, false)
		session.Allow = session.Allow || e.Allow
		session.Deny = session.Deny || e.Deny
	}
	switch {
	case identity.Deny:
		return Decision{Reason: DenyIdentity}
	case resource.Deny:
		return Decision{Reason: DenyResource}
	case boundary.Deny:
		return Decision{Reason: DenyBoundary}
	case session.Deny:
		return Decision{Reason: DenySession}
	}
	if r.Caller.Service != "" || r.Caller.Account == "" {
		// A service, or an anonymous caller: only the resource can allow.
		if resource.Allow {
			return Decision{Allowed: true}
		}
		return Decision{Reason: NoResourceAllow}
	}
	sameAccount := p.ResourceAccount == "" || p.ResourceAccount == r.Caller.Account
	switch {
	case sameAccount && resource.Allow:
	case !identity.Allow:
		return Decision{Reason: NoIdentityAllow}
	}
	switch {
	case p.Boundary != nil && !boundary.Allow:
		return Decision{Reason: NoBoundaryAllow}
	case p.Session != nil && !session.Allow:
		return Decision{Reason: NoSessionAllow}
	case !sameAccount && !resource.Allow:
		return Decision{Reason: NoResourceAllow}
	}
	return Decision{Allowed: true}
}

// Message is AWS's AccessDenied message for a denied request:
// "User: ARN is not authorized to perform: ACTION on resource: RESOURCE
// because no identity-based policy allows the ACTION action".
func (d Decision) Message(caller, action, resource string) string {
	m := "User: " + caller + " is not authorized to perform: " + action
	if resource != "" && resource != "*" {
		m += " on resource: " + resource
	}
	switch d.Reason {
	case DenyIdentity:
		return m + " with an explicit deny in an identity-based policy"
	case DenyResource:
		return m + " with an explicit deny in a resource-based policy"
	case DenyBoundary:
		return m + " with an explicit deny in a permissions boundary"
	case DenySession:
		return m + " with an explicit deny in a session policy"
	case NoResourceAllow:
		return m + " because no resource-based policy allows the " + action + " action"
	case NoBoundaryAllow:
		return m + " because no permissions boundary allows the " + action + " action"
	case NoSessionAllow:
		return m + " because no session policy allows the " + action + " action"
	}
	return m + " because no identity-based policy allows the " + action + " action"
}
