package wire

import (
	"context"
	"net/http"

	"github.com/nubo-dev/nubo/internal/iam"
)

// Call is one request as the layer saw it. The router creates it; the
// service's dispatch fills in the operation. Handlers read it from their
// context (CallOf, Region, RequestID, BaseURL).
type Call struct {
	// ID is the request id, also sent as x-amzn-RequestId.
	ID string
	// Region is the region the request acts in: its signature's, else
	// nubo's default.
	Region string
	// Service is the service's signing name; Operation the operation's
	// name.
	Service   string
	Operation string
	Protocol  Protocol
	// Request is the HTTP request, for the few operations that need more
	// than their input (the host a queue URL is built from).
	Request *http.Request
	// Principal is the caller the Router authenticated (nil when the layer
	// authenticates no one, as in the wire package's own tests).
	Principal *iam.Principal
	// Account is the caller's account: names that are not ARNs (a queue,
	// a function) name resources of this account.
	Account string
	// Sandbox is set for requests from inside a function's sandbox.
	Sandbox *Sandbox

	guard      *Guard
	service    *Service
	unsigned   bool // an unsigned request let in for Unsigned operations
	authorized bool // an authorisation was made (REST routes must make one)
	action     string
}

// Verified reports whether the call's signature is verified (--auth
// sigv4): a signed request then acts as its signer only.
func (c *Call) Verified() bool { return c.guard != nil && c.guard.Verify && c.guard.Authority != nil }

type callKey struct{}

// WithCall returns ctx carrying c.
func WithCall(ctx context.Context, c *Call) context.Context {
	return context.WithValue(ctx, callKey{}, c)
}

// CallOf returns the call ctx carries, or an empty one.
func CallOf(ctx context.Context) *Call {
	if c, ok := ctx.Value(callKey{}).(*Call); ok {
		return c
	}
	return &Call{}
}

// Region is the region the request acts in.
func Region(ctx context.Context) string { return CallOf(ctx).Region }

// RequestID is the id nubo gave the request.
func RequestID(ctx context.Context) string { return CallOf(ctx).ID }

// BaseURL is scheme://host as the client reached nubo ("" outside a
// request).
func BaseURL(ctx context.Context) string {
	r := CallOf(ctx).Request
	if r == nil {
		return ""
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
