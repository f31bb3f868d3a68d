// Package wire is nubo's one AWS wire layer. A service's wire package
// (internal/services/<svc>/<svc>api) declares a Service: the protocols it
// speaks and a table of operations, each a Go method from an input struct
// to an output struct. The layer finds the operation of a request, decodes
// its input in whichever protocol it came (awsJson1_0, awsJson1_1, awsQuery,
// Smithy RPC v2 CBOR, restJson1, restXml), calls the method, and encodes the
// output or renders the *awserr.Error it returned, with the request id and
// headers every protocol carries. Router is the one port in front of all
// services. Member names and traits come from struct tags (see member).
//
// The layer also decides who may call what (access.go, admit.go). With a
// Guard, the Router refuses foreign Host names and requests web pages make
// through a browser, in every auth mode; each Service authenticates its
// request (the SigV4 signature, through the Guard's Authority, iam.Service)
// before decoding it, and authorises each operation before calling it: the
// operation's IAM action ("<IAMPrefix>:<Op>" unless Op.Action says
// otherwise) on the resource its input names (inputs implement Resourcer,
// or ResourceFrom declares it; AnyResource for "*"; SelfAuthorized for
// operations that decide themselves), weighed with the resource's own
// policy (Service.ResourcePolicy). Failures are rendered in the service's
// family (Service.Family, derived from its protocols) and its wording
// (Service.AccessDenied). REST routes that bind their own requests name
// their operation and call Authorize once they know the resource; a route
// that answers without authorising is refused. Requests from a function's
// sandbox (Router.Sandboxed) never act as an account's root. A service's
// Home is the one account whose resources it keeps; callers of other
// accounts use them by ARN and own none (HomeAccount). nubo's own paths
// (HandlePath) declare who may use them (PathAccess).
package wire

import (
	"context"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"sync"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/iam"
	"github.com/nubo-dev/nubo/internal/sigv4"
)

// Protocol is how a request is encoded and its answer rendered.
type Protocol int

// The protocols of AWS's Smithy models.
const (
	JSON10   Protocol = iota + 1 // awsJson1_0
	JSON11                       // awsJson1_1
	Query                        // awsQuery
	CBOR                         // Smithy RPC v2 CBOR
	RESTJSON                     // restJson1
	RESTXML                      // restXml
)

func (p Protocol) contentType() string {
	switch p {
	case JSON10:
		return "application/x-amz-json-1.0"
	case JSON11:
		return "application/x-amz-json-1.1"
	case Query:
		return "text/xml"
	case CBOR:
		return "application/cbor"
	case RESTXML:
		return "application/xml"
	}
	return "application/json"
}

// Service is one AWS service as its wire package declares it.
type Service struct {
	// Name is the service's SigV4 signing name ("sqs", "monitoring").
	Name string
	// JSON, when set, serves awsJson requests: X-Amz-Target "<Target>.<Op>".
	JSON *JSONProtocol
	// Query, when set, serves awsQuery forms (Action=<Op>).
	Query *QueryProtocol
	// CBOR, when set, serves Smithy RPC v2 CBOR:
	// POST /service/<CBOR.Service>/operation/<Op>.
	CBOR *CBORProtocol
	// REST, when set, serves restJson1 or restXml routes.
	REST *RESTProtocol
	// Paths recognise the service's requests by path prefix when they
	// carry no signature (Lambda's dated paths, SQS's queue URLs).
	Paths []string
	// Claim, when set, recognises the service's unsigned requests that
	// no prefix names (S3's virtual-hosted buckets, browser uploads and
	// CORS preflights, and the paths of its existing buckets).
	Claim func(r *http.Request) bool
	// Wrap, when set, wraps the service's handling of every request,
	// errors included: it sees the request with its Call and the response
	// as written (S3 adds CORS headers and records request metrics).
	Wrap func(next http.Handler) http.Handler
	// QueryCompatible marks awsQueryCompatible services: their JSON and
	// CBOR errors carry the query code in x-amzn-query-error.
	QueryCompatible bool
	// Ops are the operations.
	Ops []Op
	// BodyHeaders, when set, adds headers computed from the body of every
	// RPC response and error the service writes, just before it is sent
	// (DynamoDB's x-amz-crc32, which its SDKs verify).
	BodyHeaders func(h http.Header, body []byte)
	// Errors are the service's own shapes for what the layer refuses.
	Errors Errors
	Log    *slog.Logger

	// Access (see access.go). Home, when set, is the one account whose
	// resources the service keeps: operations on another account's
	// resources are refused.
	Home string
	// IAMPrefix is the prefix of the service's
	// IAM actions ("cloudwatch" for "monitoring"); Name when empty.
	IAMPrefix string
	// Family names its authentication failures; derived from its
	// protocols when zero (restXml: S3, restJson1: Lambda, query: Query,
	// JSON: JSON).
	Family sigv4.Family
	// ResourcePolicy, when set, returns the policy of one of its
	// resources (a function's, a queue's, a topic's), which Authorize
	// weighs with the caller's.
	ResourcePolicy ResourcePolicyFunc
	// AccessDenied, when set, renders a refusal in the service's own words
	// (SNS's AuthorizationError); Denied.For(family) otherwise.
	AccessDenied func(*iam.Denied) *awserr.Error
	// Unsigned are path prefixes where unsigned requests may reach the
	// operations declared Unsigned (SNS's SubscribeURL).
	Unsigned []string
	// Anonymous serves unsigned requests as the anonymous principal,
	// whom only resource policies allow anything (S3's public buckets).
	Anonymous bool
	// Browsers, when set, admits the browser requests it returns true for
	// (the data planes AWS opens to browsers: function URLs, APIs, S3 with
	// CORS; a link clicked to confirm a subscription); every other request
	// that a browser sends from a web page is refused.
	Browsers func(r *http.Request) bool

	once     sync.Once
	ops      map[string]*Op
	restOnce sync.Once
	mux      *http.ServeMux
	wrapOnce sync.Once
	wrapped  http.Handler
}

// JSONProtocol is awsJson1_0 ("1.0") or awsJson1_1 ("1.1").
type JSONProtocol struct {
	Target  string
	Version string
	// Also are more X-Amz-Target prefixes whose operations are in the same
	// table: DynamoDB Streams (DynamoDBStreams_20120810) shares DynamoDB's
	// signing name and endpoint.
	Also []string
}

// target returns the operation named by an X-Amz-Target header of one of
// the protocol's prefixes.
func (p *JSONProtocol) target(header string) (op string, ok bool) {
	for _, prefix := range append([]string{p.Target}, p.Also...) {
		if op, ok := strings.CutPrefix(header, prefix+"."); ok {
			return op, true
		}
	}
	return "", false
}

// QueryProtocol is awsQuery, answered in XML of Namespace.
type QueryProtocol struct {
	Namespace string
	// Prepare, when set, adjusts a form before it is decoded (SQS's old
	// clients post to the queue URL instead of sending QueueUrl).
	Prepare func(ctx context.Context, form map[string][]string)
}

// CBORProtocol is Smithy RPC v2 CBOR for the service shape Service.
type CBORProtocol struct{ Service string }

// Errors are the codes a service's clients expect for requests the layer
// itself refuses. Zero fields fall back to the defaults in awserr.
type Errors struct {
	// Internal is sent, with a generic message, for errors that are not
	// *awserr.Error (they are logged).
	Internal *awserr.Code
	// InternalMessage is its message ("We encountered an internal error.
	// Please try again.").
	InternalMessage string
	// BadRequest is a body that does not decode (the message says why).
	BadRequest *awserr.Code
	// Translate, when set, maps the errors operations return (a domain's
	// sentinels) to *awserr.Error; others pass through.
	Translate func(error) error
	// MaxBody bounds a request body (1 MiB when zero); TooLarge is the
	// error for a larger one.
	MaxBody  int64
	TooLarge *awserr.Error
}

// Op is one operation of a service.
type Op struct {
	Name string
	// HTTP is a REST operation's method and path pattern, in Go's
	// ServeMux syntax with labels named as their members
	// ("GET /2015-03-31/functions/{FunctionName}").
	HTTP string
	// Status is a REST operation's success status (200 when zero).
	Status int

	in             reflect.Type
	noOutput       bool
	call           func(ctx context.Context, in any) (any, error)
	iamAction      string
	anyResource    bool
	selfAuthorized bool
	unsigned       bool
	resource       func(ctx context.Context, in any) string
	accesses       func(ctx context.Context, in any) []Access
}

// resourceOf is the resource function of inputs of type In, nil when In
// does not implement Resourcer.
func resourceOf[In any]() func(ctx context.Context, in any) string {
	if _, ok := any(new(In)).(Resourcer); !ok {
		return nil
	}
	return func(ctx context.Context, in any) string { return in.(Resourcer).Resource(ctx) }
}

// Operation declares the operation name served by fn.
func Operation[In, Out any](name string, fn func(context.Context, *In) (*Out, error)) Op {
	return Op{Name: name, in: reflect.TypeFor[In](), resource: resourceOf[In](), call: func(ctx context.Context, in any) (any, error) {
		out, err := fn(ctx, in.(*In))
		if err != nil || out == nil {
			return nil, err
		}
		return out, nil
	}}
}

// NoOutput declares an operation whose model has no output: the query
// protocol's response has no Result element, JSON's is {}.
func NoOutput[In any](name string, fn func(context.Context, *In) error) Op {
	return Op{Name: name, in: reflect.TypeFor[In](), noOutput: true, resource: resourceOf[In](), call: func(ctx context.Context, in any) (any, error) {
		return nil, fn(ctx, in.(*In))
	}}
}

// op returns the operation called name, or nil.
func (s *Service) op(name string) *Op {
	s.once.Do(func() {
		s.ops = make(map[string]*Op, len(s.Ops))
		for i := range s.Ops {
			s.ops[s.Ops[i].Name] = &s.Ops[i]
		}
	})
	return s.ops[name]
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func (p *JSONProtocol) matches(header string) bool {
	_, ok := p.target(header)
	return ok
}
