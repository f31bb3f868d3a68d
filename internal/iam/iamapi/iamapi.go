// Package iamapi is the wire package of IAM and STS: their operations,
// declared to the wire layer, which serves them in the query protocol
// (Action=<Op>, XML of https://iam.amazonaws.com/doc/2010-05-08/ and
// https://sts.amazonaws.com/doc/2011-06-15/) that every SDK and the CLI
// speak to them. The domain is package iam, the identity layer under every
// service; each operation acts as the caller the layer authenticated.
package iamapi

import (
	"context"
	"log/slog"
	"net/url"
	"strings"

	"github.com/nubo-dev/nubo/internal/iam"
	"github.com/nubo-dev/nubo/internal/wire"
)

// caller is the request's principal.
func caller(ctx context.Context) *iam.Principal { return wire.CallOf(ctx).Principal }

// op declares an operation of the domain, on the resource res names (nil:
// on no resource).
func op[In, Out any](name string, fn func(context.Context, *iam.Principal, *In) (*Out, error), res func(context.Context, *In) string) wire.Op {
	o := wire.Operation(name, func(ctx context.Context, in *In) (*Out, error) { return fn(ctx, caller(ctx), in) })
	return on(o, res)
}

// do declares an operation without output.
func do[In any](name string, fn func(context.Context, *iam.Principal, *In) error, res func(context.Context, *In) string) wire.Op {
	o := wire.NoOutput(name, func(ctx context.Context, in *In) error { return fn(ctx, caller(ctx), in) })
	return on(o, res)
}

func on[In any](o wire.Op, res func(context.Context, *In) string) wire.Op {
	if res == nil {
		return o.AnyResource()
	}
	return wire.ResourceFrom(o, res)
}

// IAM's resources, in the caller's account: users, groups and roles by
// name (their paths are not known from a name; policies that name a path
// match those created with it), and managed policies by ARN.

func entity(ctx context.Context, kind, path, name string) string {
	if name == "" {
		return ""
	}
	if path == "" {
		path = "/"
	}
	return "arn:aws:iam::" + wire.CallOf(ctx).Account + ":" + kind + path + name
}

func user(ctx context.Context, name string) string {
	if name == "" { // the caller's own (GetUser, CreateAccessKey of oneself)
		if p := caller(ctx); p != nil && p.Type == iam.TypeUser {
			return p.Arn
		}
	}
	return entity(ctx, "user", "", name)
}

func group(ctx context.Context, name string) string { return entity(ctx, "group", "", name) }
func role(ctx context.Context, name string) string  { return entity(ctx, "role", "", name) }

// encode is how IAM's XML carries policy documents: URL-encoded (RFC 3986),
// which the SDKs and the CLI decode.
func encode(doc string) string {
	if doc == "" {
		return ""
	}
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

// New returns IAM's service for the wire layer.
func New(svc *iam.Service, log *slog.Logger) *wire.Service {
	return &wire.Service{
		Name:  "iam",
		Query: &wire.QueryProtocol{Namespace: "https://iam.amazonaws.com/doc/2010-05-08/"},
		Errors: wire.Errors{
			Internal:        iam.ErrServiceFailure,
			InternalMessage: "We encountered an internal error. Please try again.",
			BadRequest:      iam.ErrInvalidInput,
		},
		Log: log,
		Ops: append(append(append(userOps(svc), groupOps(svc)...), roleOps(svc)...), policyOps(svc)...),
	}
}

// NewSTS returns STS's service for the wire layer.
func NewSTS(svc *iam.Service, log *slog.Logger) *wire.Service {
	return &wire.Service{
		Name:  "sts",
		Query: &wire.QueryProtocol{Namespace: "https://sts.amazonaws.com/doc/2011-06-15/"},
		Errors: wire.Errors{
			Internal:   iam.ErrServiceFailure,
			BadRequest: iam.ErrInvalidInput,
		},
		Log: log,
		Ops: []wire.Op{
			wire.Operation("GetCallerIdentity", func(ctx context.Context, _ *struct{}) (*iam.GetCallerIdentityOutput, error) {
				return svc.GetCallerIdentity(ctx, caller(ctx))
			}).SelfAuthorized(),
			// AssumeRole weighs the role's trust policy with the caller's
			// own policies itself; GetSessionToken needs no permission.
			wire.Operation("AssumeRole", func(ctx context.Context, in *iam.AssumeRoleInput) (*iam.AssumeRoleOutput, error) {
				return svc.AssumeRole(ctx, caller(ctx), in)
			}).SelfAuthorized(),
			wire.Operation("GetSessionToken", func(ctx context.Context, in *iam.GetSessionTokenInput) (*iam.GetSessionTokenOutput, error) {
				return svc.GetSessionToken(ctx, caller(ctx), in)
			}).SelfAuthorized(),
		},
	}
}
