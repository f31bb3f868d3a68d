package iam

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/iam/policy"
	"github.com/nubo-dev/nubo/internal/sigv4"
)

// Principal types, as aws:PrincipalType names them.
const (
	TypeAccount     = "Account"
	TypeUser        = "User"
	TypeAssumedRole = "AssumedRole"
	TypeService     = "Service"
	TypeAnonymous   = "Anonymous"
)

// Principal is an authenticated caller: who it is and the policies that
// decide what it may do.
type Principal struct {
	Account string
	// Arn is the caller as GetCallerIdentity names it: the root
	// (arn:aws:iam::ACCOUNT:root), a user, or a role session
	// (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION).
	Arn string
	// UserId is GetCallerIdentity's UserId and aws:userid: the account id
	// for the root, AIDA... for a user, AROA...:SESSION for a role session.
	UserId   string
	Type     string
	UserName string
	// RoleArn, RoleName and SessionName are set for a role session.
	RoleArn, RoleName, SessionName string
	// Service is set for an AWS service acting on its own behalf.
	Service     string
	AccessKeyID string
	// Issued and Expires are set for temporary credentials.
	Issued, Expires time.Time
	// Region and SigningService are the request's credential scope.
	Region, SigningService string
	// SourceIP and SecureTransport describe the connection.
	SourceIP        string
	SecureTransport bool
	root            bool
	policies        policy.Policies
	// SourceIdentity is the source identity of a role session.
	SourceIdentity string
	// tags are the user's or role's tags, the aws:PrincipalTag/ keys
	// (session tags over a role's); transitive names the session tags
	// that pass on to a chained session.
	tags       []Tag
	transitive []string
}

// IsRoot reports whether the caller is the account's root.
func (p *Principal) IsRoot() bool { return p.root }

// ServicePrincipal is an AWS service ("sns.amazonaws.com") acting on its
// own behalf, as when SNS delivers to a queue: only resource policies that
// name the service allow it anything.
func ServicePrincipal(service string) *Principal {
	return &Principal{Service: service, Type: TypeService, Arn: service}
}

// SetConnection records where r came from, as aws:SourceIp and
// aws:SecureTransport say.
func (p *Principal) SetConnection(r *http.Request) {
	p.SecureTransport = r.TLS != nil
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		p.SourceIP = host
	}
}

// AnonymousPrincipal is an unsigned caller, as S3 serves public buckets:
// only resource policies that allow everyone ("*") allow it anything.
func AnonymousPrincipal() *Principal {
	return &Principal{Type: TypeAnonymous, Arn: "anonymous"}
}

// Authenticate verifies r's signature and returns its caller, with the
// caller's policies loaded. r.Body may be replaced (see sigv4.Verify): the
// wire layer reads the body after Authenticate. Errors are *sigv4.Error
// (rendered with For(family)) or the store's.
func (s *Service) Authenticate(ctx context.Context, r *http.Request) (*Principal, error) {
	return s.signer(r, func(lookup sigv4.Lookup) (sigv4.Result, error) { return s.verifier.Verify(ctx, r, lookup) })
}

// AuthenticateForm verifies the signature of a browser's POST upload form
// (received as r) and returns its signer, as Authenticate returns the
// signer of a request. Errors are *sigv4.Error or the store's.
func (s *Service) AuthenticateForm(ctx context.Context, r *http.Request, f sigv4.Form) (*Principal, error) {
	return s.signer(r, func(lookup sigv4.Lookup) (sigv4.Result, error) { return s.verifier.VerifyForm(ctx, f, lookup) })
}

// signer runs verify with a lookup of the signer's keys and returns the
// signer, with the region and service it signed for and r's connection.
func (s *Service) signer(r *http.Request, verify func(sigv4.Lookup) (sigv4.Result, error)) (*Principal, error) {
	var found *Principal
	res, err := verify(func(ctx context.Context, id, token string) (string, error) {
		p, secret, err := s.resolve(ctx, id, token)
		found = p
		return secret, err
	})
	if err != nil {
		return nil, err
	}
	p := *found
	p.Region, p.SigningService = res.Region, res.Service
	p.SetConnection(r)
	return &p, nil
}

// resolve finds the principal and secret of an access key id (and the
// session token of a temporary one), through a short-lived cache.
func (s *Service) resolve(ctx context.Context, id, token string) (*Principal, string, error) {
	if p, secret, ok := s.cache.get(id, token, s.opts.Now()); ok {
		return p, secret, nil
	}
	gen := s.cache.generation()
	var p *Principal
	var secret string
	var err error
	if root, rootSecret, ok := s.rootKey(id); ok {
		p, secret = root, rootSecret
	}
	switch {
	case p != nil:
	case strings.HasPrefix(id, "ASIA"):
		p, secret, err = s.sessionPrincipal(ctx, id, token)
	default:
		p, secret, err = s.keyPrincipal(ctx, id)
	}
	if err != nil {
		return nil, "", err
	}
	s.cache.put(id, token, p, secret, gen, s.opts.Now())
	return p, secret, nil
}

// rootKey finds the account whose root credentials id is.
func (s *Service) rootKey(id string) (*Principal, string, bool) {
	if id == "" {
		return nil, "", false
	}
	if id == s.opts.RootAccessKeyID {
		return s.Root(s.opts.Account), s.opts.RootSecretAccessKey, true
	}
	for _, a := range s.opts.Accounts {
		if a.AccessKeyID == id {
			return s.Root(a.ID), a.SecretAccessKey, true
		}
	}
	return nil, "", false
}

// Root is the root of an account: the caller of requests that nubo does
// not verify (--auth none) and of the root credentials.
func (s *Service) Root(account string) *Principal {
	p := &Principal{Account: account, Arn: "arn:aws:iam::" + account + ":root", UserId: account, Type: TypeAccount, root: true}
	if account == s.opts.Account {
		p.AccessKeyID = s.opts.RootAccessKeyID
	}
	for _, a := range s.opts.Accounts {
		if a.ID == account {
			p.AccessKeyID = a.AccessKeyID
		}
	}
	return p
}

// keyPrincipal is the user of a long-term access key.
func (s *Service) keyPrincipal(ctx context.Context, id string) (*Principal, string, error) {
	k, err := s.getKey(ctx, id)
	if err != nil {
		return nil, "", err
	}
	if k.Status != statusActive {
		return nil, "", &sigv4.Error{Kind: sigv4.UnknownKey}
	}
	p, err := s.userPrincipal(ctx, k.Account, k.UserName)
	if errors.Is(err, ErrNoSuchEntity) {
		return nil, "", &sigv4.Error{Kind: sigv4.UnknownKey}
	}
	if err != nil {
		return nil, "", err
	}
	p.AccessKeyID = id
	return p, s.keys.secret(id, k.Salt), nil
}

// userPrincipal is a user with its own and its groups' policies.
func (s *Service) userPrincipal(ctx context.Context, acct, name string) (*Principal, error) {
	e, _, err := s.getEntity(ctx, acct, kindUser, name)
	if err != nil {
		return nil, err
	}
	u := e.User
	p := &Principal{Account: acct, Arn: u.Arn, UserId: u.UserId, Type: TypeUser, UserName: u.UserName, tags: u.Tags}
	p.policies.Identity, err = s.entityPolicies(ctx, acct, e)
	if err != nil {
		return nil, err
	}
	for _, g := range e.Groups {
		ge, _, err := s.getEntity(ctx, acct, kindGroup, g)
		if err != nil {
			continue // a group deleted under a stale membership grants nothing
		}
		docs, err := s.entityPolicies(ctx, acct, ge)
		if err != nil {
			return nil, err
		}
		p.policies.Identity = append(p.policies.Identity, docs...)
	}
	p.policies.Boundary, err = s.boundary(ctx, u.PermissionsBoundary)
	return p, err
}

// rolePrincipal is a session of a role with the role's policies. A
// session of a role deleted since is still who it was, with no policies.
func (s *Service) rolePrincipal(ctx context.Context, sess *session) (*Principal, error) {
	_, roleName, _ := splitRoleARN(sess.Role)
	p := &Principal{Account: sess.Account, Arn: sessionARN(sess.Account, roleName, sess.Name), UserId: sess.RoleID + ":" + sess.Name,
		Type: TypeAssumedRole, RoleArn: sess.Role, RoleName: roleName, SessionName: sess.Name,
		SourceIdentity: sess.SourceIdentity, tags: sess.Tags, transitive: sess.Transitive}
	e, _, err := s.getEntity(ctx, sess.Account, kindRole, roleName)
	if errors.Is(err, ErrNoSuchEntity) || err == nil && e.Role.RoleId != sess.RoleID {
		return p, nil // deleted, or deleted and created anew: not the same role
	}
	if err != nil {
		return nil, err
	}
	p.tags = mergeTags(e.Role.Tags, sess.Tags)
	if p.policies.Identity, err = s.entityPolicies(ctx, sess.Account, e); err != nil {
		return nil, err
	}
	p.policies.Boundary, err = s.boundary(ctx, e.Role.PermissionsBoundary)
	return p, err
}

func sessionARN(acct, role, session string) string {
	return "arn:aws:sts::" + acct + ":assumed-role/" + role + "/" + session
}

// Check is one authorisation question: may the principal perform Action
// on Resource?
type Check struct {
	Action   string // "sqs:SendMessage"
	Resource string // the resource's ARN, or "*"
	// Context holds the request's own condition keys (aws:SourceArn,
	// aws:SourceAccount, s3:prefix, ...); Authorize adds the principal's
	// and the time's.
	Context policy.Context
	// ResourcePolicy is the resource's policy, nil for none;
	// ResourceAccount its owner ("" for the caller's account).
	ResourcePolicy  *policy.Document
	ResourceAccount string
}

// Authorize decides c for p as AWS does and returns nil or a *Denied with
// AWS's AccessDenied message. The root of the account is refused only by
// an explicit Deny of a resource policy (or another account's resource).
func (s *Service) Authorize(p *Principal, c Check) error {
	if p.root && c.ResourcePolicy == nil && (c.ResourceAccount == "" || c.ResourceAccount == p.Account) {
		return nil // rootDecision's answer, without building the request's context
	}
	req := &policy.Request{Caller: p.caller(), Action: c.Action, Resource: c.Resource, Context: s.context(p, c.Context)}
	var d policy.Decision
	if p.root {
		d = rootDecision(req, c)
	} else {
		pol := p.policies
		pol.Resource, pol.ResourceAccount = c.ResourcePolicy, c.ResourceAccount
		d = policy.Evaluate(req, pol)
	}
	if d.Allowed {
		return nil
	}
	return &Denied{Decision: d, Message: d.Message(p.Arn, c.Action, c.Resource), Caller: p.Arn, Action: c.Action,
		Resource: c.Resource, anonymous: p.Type == TypeAnonymous}
}

func rootDecision(req *policy.Request, c Check) policy.Decision {
	e := c.ResourcePolicy.Effects(req, true)
	switch {
	case e.Deny:
		return policy.Decision{Reason: policy.DenyResource}
	case c.ResourceAccount != "" && c.ResourceAccount != req.Caller.Account && !e.Allow:
		return policy.Decision{Reason: policy.NoResourceAllow}
	}
	return policy.Decision{Allowed: true}
}

func (p *Principal) caller() policy.Caller {
	c := policy.Caller{ARN: p.Arn, Account: p.Account, Service: p.Service}
	if p.RoleArn != "" {
		c.ARN, c.SessionARN = p.RoleArn, p.Arn
	}
	return c
}

// context is the request's condition keys: the principal's, the time's
// and the check's own.
func (s *Service) context(p *Principal, extra policy.Context) policy.Context {
	now := s.opts.Now().UTC()
	c := policy.Context{}
	c.Set("aws:CurrentTime", now.Format(time.RFC3339))
	c.Set("aws:EpochTime", strconv.FormatInt(now.Unix(), 10))
	c.Set("aws:SecureTransport", strconv.FormatBool(p.SecureTransport))
	set := func(k, v string) {
		if v != "" {
			c.Set(k, v)
		}
	}
	set("aws:PrincipalType", p.Type)
	if p.Service == "" && p.Type != TypeAnonymous {
		set("aws:PrincipalArn", p.caller().ARN)
		set("aws:PrincipalAccount", p.Account)
		set("aws:userid", p.UserId)
		set("aws:PrincipalOrgID", s.opts.OrganizationID)
	} else {
		set("aws:PrincipalServiceName", p.Service)
	}
	set("aws:username", p.UserName)
	set("aws:SourceIp", p.SourceIP)
	set("aws:RequestedRegion", p.Region)
	if !p.Issued.IsZero() {
		c.Set("aws:TokenIssueTime", p.Issued.UTC().Format(time.RFC3339))
	}
	for _, t := range p.tags {
		c.Set("aws:PrincipalTag/"+t.Key, t.Value)
	}
	set("aws:SourceIdentity", p.SourceIdentity)
	for k, v := range extra {
		c[k] = v
	}
	return c
}

// principalCache keeps resolved principals for a few seconds, so that a
// request costs no store reads, and the roles that credentials are minted
// for, so that each new function's first cold start does not read its
// role again. Any IAM change made through this node empties it at once;
// another node's change is seen within cacheTTL.
type principalCache struct {
	mu      sync.Mutex
	gen     uint64
	entries map[string]cached
	roles   map[string]cachedRole // account + "/" + role name
}

type cachedRole struct {
	e  *entity // shared: read only
	at time.Time
}

type cached struct {
	p      *Principal
	secret string
	token  string
	at     time.Time
}

const cacheTTL = 5 * time.Second

func (c *principalCache) get(id, token string, now time.Time) (*Principal, string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || e.token != token || now.Sub(e.at) > cacheTTL || !e.p.Expires.IsZero() && !now.Before(e.p.Expires) {
		return nil, "", false
	}
	return e.p, e.secret, true
}

func (c *principalCache) put(id, token string, p *Principal, secret string, gen uint64, now time.Time) {
	keepIn(c, &c.entries, id, cached{p: p, secret: secret, token: token, at: now}, gen)
}

func (c *principalCache) role(key string, now time.Time) (*entity, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.roles[key]
	if !ok || now.Sub(r.at) > cacheTTL {
		return nil, false
	}
	return r.e, true
}

func (c *principalCache) putRole(key string, e *entity, gen uint64, now time.Time) {
	keepIn(c, &c.roles, key, cachedRole{e: e, at: now}, gen)
}

// keepIn keeps v under key in *m, unless the cache changed since gen (v
// was read before the change); a map past 10,000 entries starts anew.
// Every change empties the maps, so what they hold is of the current
// generation.
func keepIn[V any](c *principalCache, m *map[string]V, key string, v V, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if *m == nil || len(*m) > 10000 {
		*m = make(map[string]V)
	}
	(*m)[key] = v
}

func (c *principalCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *principalCache) invalidate() {
	c.mu.Lock()
	c.gen++
	c.entries, c.roles = nil, nil
	c.mu.Unlock()
}
