package wire

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/iam"
	"github.com/nubo-dev/nubo/internal/iam/policy"
	"github.com/nubo-dev/nubo/internal/sigv4"
)

// Who may call what. The Router's Guard authenticates every request
// (Authority.Authenticate) before its service decodes it; the service then
// authorises the operation (Authority.Authorize) with the operation's IAM
// action and the ARN its input names, and the resource's own policy, before
// calling it. A service declares, per operation, the action (its prefix
// and the operation's name unless Op.Action says otherwise) and the
// resource: the input implements Resourcer, or the operation acts on no
// resource (Op.AnyResource). REST routes that bind their own requests
// declare their action on the Route and call Authorize themselves once
// they know the resource; a route that answers without having authorised
// is refused by the layer.

// Authority authenticates requests and authorises operations: nubo's IAM
// (iam.Service).
type Authority interface {
	Authenticate(ctx context.Context, r *http.Request) (*iam.Principal, error)
	Authorize(p *iam.Principal, c iam.Check) error
}

// Guard is what the Router checks of every request before a service sees
// it.
type Guard struct {
	// Authority authenticates callers and authorises operations; nil
	// authenticates no one and authorises everything.
	Authority Authority
	// Verify checks signatures (--auth sigv4). Without it (--auth none)
	// every request acts as Root, except those from inside a sandbox,
	// which act as their function's role (Sandbox.Principal).
	Verify bool
	// Root is the caller of requests that are not verified.
	Root *iam.Principal
	// Hosts are the host names nubo answers to besides loopback addresses,
	// "localhost" and its subdomains, and IP addresses: the listen
	// address's host and --public-domain (with its subdomains).
	Hosts []string
	// BodyIdleTimeout bounds the wait for the next bytes of a request
	// body (DefaultBodyIdleTimeout when zero).
	BodyIdleTimeout time.Duration
}

// Sandbox is the function whose sandbox a request comes from. Requests
// from a sandbox never act as an account's root.
type Sandbox struct {
	// Function is the function's ARN.
	Function string
	// Principal is the function's role session, the caller of the
	// sandbox's requests when signatures are not verified.
	Principal func(ctx context.Context) (*iam.Principal, error)
}

// Resourcer is implemented by operation inputs that name the resource the
// operation acts on: the ARN (a queue URL's queue ARN, a function name's
// function ARN, qualifier included), built in the caller's account and
// region (CallOf(ctx)). An input that cannot name it (a malformed URL)
// returns "", and the operation is authorised on "*": only callers allowed
// on every resource pass, and the operation itself refuses the input.
type Resourcer interface {
	Resource(ctx context.Context) string
}

// Action overrides the operation's IAM action ("lambda:InvokeFunction"
// for Invoke, "sqs:SendMessage" for SendMessageBatch).
func (o Op) Action(action string) Op {
	o.iamAction = action
	return o
}

// AnyResource declares that the operation acts on no particular resource
// ("*": ListQueues, ListFunctions).
func (o Op) AnyResource() Op {
	o.anyResource = true
	return o
}

// Unsigned lets unsigned requests reach the operation under the service's
// Unsigned paths; it authenticates what it is given itself (SNS's
// ConfirmSubscription checks its token).
func (o Op) Unsigned() Op {
	o.unsigned = true
	return o
}

// ResourceFrom declares the resource of an operation whose input type
// cannot implement Resourcer (it belongs to another package, or several
// operations share it on different resources): resource names it.
func ResourceFrom[In any](o Op, resource func(ctx context.Context, in *In) string) Op {
	if o.in != reflect.TypeFor[In]() {
		panic("wire: ResourceFrom of " + o.Name + " for another input type than its own")
	}
	o.resource = func(ctx context.Context, in any) string { return resource(ctx, in.(*In)) }
	return o
}

// Access is one action an operation performs on one resource.
type Access struct {
	// Action is the IAM action ("dynamodb:PutItem"); "" is the
	// operation's own.
	Action string
	// Resource is the resource's ARN; "" for one the input cannot name,
	// which is authorised on "*".
	Resource string
	// Context are the request's own condition keys for this access
	// (s3:prefix of a listing, s3:x-amz-acl of an upload).
	Context policy.Context
}

// AccessFrom declares what an operation that acts on several resources,
// or performs several actions, needs of its caller: every access must be
// allowed (DynamoDB's batches and transactions authorise each table they
// touch with each item's action; S3's copies read one object and write
// another). An input that names none is authorised on "*", as a
// Resourcer that names none.
func AccessFrom[In any](o Op, accesses func(ctx context.Context, in *In) []Access) Op {
	if o.in != reflect.TypeFor[In]() {
		panic("wire: AccessFrom of " + o.Name + " for another input type than its own")
	}
	o.accesses = func(ctx context.Context, in any) []Access { return accesses(ctx, in.(*In)) }
	return o
}

// RequestAccess declares what an operation needs of its caller when its
// request, rather than its input, names it: S3's bucket and key are its
// host and path, API Gateway's resources are the paths of its API.
func (o Op) RequestAccess(accesses func(ctx context.Context, r *http.Request) []Access) Op {
	o.accesses = func(ctx context.Context, _ any) []Access { return accesses(ctx, CallOf(ctx).Request) }
	return o
}

// SelfAuthorized declares an operation that decides itself whom it serves
// (STS's AssumeRole weighs the role's trust policy with the caller's own;
// GetCallerIdentity needs no permission at all): the layer only
// authenticates its caller.
func (o Op) SelfAuthorized() Op {
	o.selfAuthorized = true
	return o
}

// Declared reports whether the operation names its resource: its input
// implements Resourcer or it declared one, it acts on no resource, or it
// authorises its callers itself.
func (o *Op) Declared() bool {
	return o.resource != nil || o.accesses != nil || o.anyResource || o.selfAuthorized
}

// IAMAction is the operation's IAM action in service s.
func (s *Service) IAMAction(o *Op) string {
	if o.iamAction != "" {
		return o.iamAction
	}
	return s.prefix() + ":" + o.Name
}

// RouteAction is a REST route's IAM action in service s.
func (s *Service) RouteAction(rt *Route) string {
	if rt.Action != "" {
		return rt.Action
	}
	return s.prefix() + ":" + rt.Operation
}

func (s *Service) prefix() string {
	if s.IAMPrefix != "" {
		return s.IAMPrefix
	}
	return s.Name
}

// family is how the service names authentication failures: declared, or
// derived from its protocols.
func (s *Service) family() sigv4.Family {
	switch {
	case s.Family != 0:
		return s.Family
	case s.REST != nil && s.REST.XML:
		return sigv4.S3
	case s.REST != nil:
		return sigv4.Lambda
	case s.Query != nil:
		return sigv4.Query
	}
	return sigv4.JSON
}

// authenticate finds the caller of r (see Guard) and records it in c.
func (s *Service) authenticate(r *http.Request, c *Call) error {
	g := c.guard
	if g == nil || g.Authority == nil {
		return nil
	}
	var p *iam.Principal
	var err error
	switch {
	case !g.Verify && c.Sandbox != nil:
		p, err = c.Sandbox.Principal(r.Context())
	case !g.Verify:
		p = g.Root
	case !signed(r) && (s.Anonymous || hasAnyPrefix(r.URL.Path, s.Unsigned)):
		p, c.unsigned = iam.AnonymousPrincipal(), true
		p.SetConnection(r)
	default:
		p, err = g.Authority.Authenticate(r.Context(), r)
	}
	var se *sigv4.Error
	if errors.As(err, &se) {
		return se.For(s.family())
	}
	if err != nil {
		return err
	}
	return s.setCaller(c, p)
}

// setCaller makes p the call's caller.
func (s *Service) setCaller(c *Call, p *iam.Principal) error {
	if c.Sandbox != nil && p.IsRoot() {
		return s.denied(&iam.Denied{Message: "nubo refuses the account's root credentials from inside a function: " +
			"sign with the credentials of the function's role (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)."})
	}
	c.Principal, c.Account = p, p.Account
	if c.Account == "" && c.guard.Root != nil { // an anonymous or service caller acts in nubo's account
		c.Account = c.guard.Root.Account
	}
	return nil
}

// FormAuthority is an Authority that also authenticates browser POST
// uploads, whose signature is in their form fields (iam.Service).
type FormAuthority interface {
	AuthenticateForm(ctx context.Context, r *http.Request, f sigv4.Form) (*iam.Principal, error)
}

// AuthenticateForm makes the signer of a POST upload's form the call's
// caller: S3's PostObject, which the layer let in unsigned, calls it once
// it has read the form and before it authorises the upload. Without
// verification (--auth none) the caller stays who it is.
func AuthenticateForm(ctx context.Context, f sigv4.Form) error {
	c := CallOf(ctx)
	g := c.guard
	if g == nil || g.Authority == nil || !g.Verify || c.service == nil {
		return nil
	}
	fa, ok := g.Authority.(FormAuthority)
	if !ok {
		return errors.New("wire: the authority does not authenticate forms")
	}
	p, err := fa.AuthenticateForm(ctx, c.Request, f)
	var se *sigv4.Error
	if errors.As(err, &se) {
		return se.For(c.service.family())
	}
	if err != nil {
		return err
	}
	c.unsigned = false
	return c.service.setCaller(c, p)
}

// signed reports whether r carries a SigV4 signature (or tries to).
func signed(r *http.Request) bool {
	return r.Header.Get("Authorization") != "" || r.URL.Query().Has("X-Amz-Signature") || r.URL.Query().Has("X-Amz-Credential")
}

// authorizeOp authorises op with the resource its input names.
func (s *Service) authorizeOp(ctx context.Context, op *Op, in any) error {
	c := CallOf(ctx)
	if c.unsigned && !s.Anonymous {
		if op.unsigned {
			c.authorized = true
			return nil
		}
		return (&sigv4.Error{Kind: sigv4.Missing}).For(s.family())
	}
	if op.selfAuthorized {
		c.authorized = true
		return nil
	}
	if op.accesses != nil {
		return s.authorizeAll(ctx, s.IAMAction(op), op.accesses(ctx, in))
	}
	resource := "*"
	if op.resource != nil {
		if res := op.resource(ctx, in); res != "" {
			resource = res
		}
	}
	return s.authorize(ctx, s.IAMAction(op), resource)
}

// authorizeAll authorises every access (action is the operation's own),
// or action on "*" when there are none.
func (s *Service) authorizeAll(ctx context.Context, action string, accesses []Access) error {
	if len(accesses) == 0 {
		return s.authorize(ctx, action, "*")
	}
	for _, a := range accesses {
		act, res := a.Action, a.Resource
		if act == "" {
			act = action
		}
		if res == "" {
			res = "*"
		}
		if err := s.authorizeWith(ctx, act, res, a.Context); err != nil {
			return err
		}
	}
	return nil
}

// Authorize authorises the REST route being served on resource (an ARN,
// or "*") with the route's action. A Route's handler calls it once it
// knows the resource and before it acts.
func Authorize(ctx context.Context, resource string) error {
	c := CallOf(ctx)
	return AuthorizeAction(ctx, c.action, resource)
}

// AuthorizeAction authorises a further action an operation needs besides
// its own (CreateFunction's iam:PassRole of the function's role).
func AuthorizeAction(ctx context.Context, action, resource string) error {
	c := CallOf(ctx)
	if c.service == nil {
		return nil // served outside a Service (tests of handlers)
	}
	return c.service.authorize(ctx, action, resource)
}

// authorize decides action on resource for the call's principal, with the
// resource's policy.
func (s *Service) authorize(ctx context.Context, action, resource string) error {
	return s.authorizeWith(ctx, action, resource, nil)
}

// authorizeWith is authorize with the request's own condition keys.
func (s *Service) authorizeWith(ctx context.Context, action, resource string, keys policy.Context) error {
	c := CallOf(ctx)
	c.authorized = true
	g := c.guard
	if g == nil || g.Authority == nil || c.Principal == nil {
		return nil
	}
	// A caller of another account acting on its own resources: there are
	// none here. (Other accounts' resources are for IAM to refuse.)
	if acct := accountOf(resource); acct == c.Account {
		if err := s.checkHome(acct); err != nil {
			return err
		}
	}
	check := iam.Check{Action: action, Resource: resource, Context: keys}
	if s.ResourcePolicy != nil && resource != "*" {
		doc, owner, err := s.ResourcePolicy(ctx, resource)
		if err != nil {
			return err
		}
		check.ResourcePolicy, check.ResourceAccount = doc, owner
	}
	if check.ResourceAccount == "" {
		check.ResourceAccount = accountOf(resource)
	}
	err := g.Authority.Authorize(c.Principal, check)
	var d *iam.Denied
	if errors.As(err, &d) {
		return s.denied(d)
	}
	return err
}

// ResourcePolicyFunc returns the policy of the resource an ARN names (nil
// for none) and its owner ("" when the ARN names it).
type ResourcePolicyFunc func(ctx context.Context, arn string) (doc *policy.Document, owner string, err error)

// accountOf is the account an ARN names, "" for none.
func accountOf(resource string) string {
	if !strings.HasPrefix(resource, "arn:") {
		return ""
	}
	a, err := arn.Parse(resource)
	if err != nil {
		return ""
	}
	return a.Account
}

// denied renders a refusal in the service's words.
func (s *Service) denied(d *iam.Denied) *awserr.Error {
	if s.AccessDenied != nil {
		return s.AccessDenied(d)
	}
	return d.For(s.family())
}

// routeGuard refuses the answer of a REST route that did not authorise.
type routeGuard struct {
	http.ResponseWriter
	s       *Service
	r       *http.Request
	c       *Call
	refused bool
}

func (w *routeGuard) check() bool {
	if w.c.authorized || w.refused || w.c.guard == nil || w.c.guard.Authority == nil {
		return !w.refused
	}
	w.refused = true
	w.s.log().Error("a route answered without authorising", "service", w.s.Name, "operation", w.c.Operation)
	w.s.fail(w.ResponseWriter, w.r, errors.New("the operation was not authorised"))
	return false
}

func (w *routeGuard) WriteHeader(code int) {
	if w.check() {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *routeGuard) Write(b []byte) (int, error) {
	if !w.check() {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *routeGuard) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// HomeAccount refuses a call made in another account than the service's
// Home, the one account whose resources it keeps. Operations on no
// resource (listings) call it to list nothing for other accounts.
func HomeAccount(ctx context.Context) error {
	c := CallOf(ctx)
	if c.service == nil || c.Account == "" {
		return nil
	}
	return c.service.checkHome(c.Account)
}

// checkHome refuses a resource of another account than Home: nubo keeps
// the resources of Lambda, SQS, SNS and CloudWatch Logs in one account
// (--account-id), which other accounts use by ARN through the resources'
// policies.
func (s *Service) checkHome(account string) error {
	if s.Home == "" || account == "" || account == s.Home {
		return nil
	}
	return s.denied(&iam.Denied{Message: "nubo keeps " + s.Name + " resources in account " + s.Home +
		" only: account " + account + " has none of its own, and uses those of " + s.Home + " by ARN, as their policies allow."})
}
