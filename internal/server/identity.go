package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/engine"
	"github.com/nubo-dev/nubo/internal/iam"
	"github.com/nubo-dev/nubo/internal/iam/policy"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/targets"
	"github.com/nubo-dev/nubo/internal/wire"
)

// Authentication modes (--auth).
const (
	AuthSigV4 = "sigv4"
	AuthNone  = "none"
)

// DefaultRootKey is the default root access key id and secret: well known,
// so nubo serves only loopback addresses while the secret is left at it.
const DefaultRootKey = "test"

// verifies reports whether requests' signatures are checked.
func (s *Server) verifies() bool { return s.cfg.Auth != AuthNone }

// checkExposure refuses to serve a non-loopback address with the default
// root secret: anyone who reaches it could act as the account's root.
func checkExposure(cfg *Config) error {
	if cfg.Auth != "" && cfg.Auth != AuthSigV4 && cfg.Auth != AuthNone {
		return fmt.Errorf("unknown --auth %q (want sigv4 or none)", cfg.Auth)
	}
	if cfg.Auth == AuthNone || cfg.RootSecretAccessKey != DefaultRootKey || loopback(cfg.Addr) {
		return nil
	}
	return fmt.Errorf("nubo refuses to serve %s with the default root secret access key %q: anyone who can reach that "+
		"address could act as the account's root. Set --root-secret-access-key (NUBO_ROOT_SECRET_ACCESS_KEY) to a secret "+
		"of your own, or listen on a loopback address such as 127.0.0.1:4566", cfg.Addr, DefaultRootKey)
}

// loopback reports whether a listen address is only reachable from this
// machine.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// hosts are the host names nubo answers to besides IP addresses and
// localhost: its listen address's name and the public domain.
func (s *Server) hosts() []string {
	var out []string
	if host, _, err := net.SplitHostPort(s.cfg.Addr); err == nil && host != "" && net.ParseIP(host) == nil {
		out = append(out, host)
	}
	if s.cfg.PublicDomain != "" {
		out = append(out, strings.TrimSuffix(s.cfg.PublicDomain, "."))
	}
	return out
}

// functionIdentity gives execution environments their function's role:
// credentials minted for lambda.amazonaws.com (shared by a function's
// environments, renewed hours before they expire), and the AWS API of
// their sandbox, which acts as the role.
type functionIdentity struct {
	iam    *iam.Service
	verify bool
	router *wire.Router // set once built
	creds  sync.Map     // role + "\x00" + function → *iam.RoleCredentials
}

func (f *functionIdentity) Credentials(ctx context.Context, scope lambda.Scope, cfg *lambda.FunctionConfiguration) (engine.Credentials, error) {
	key := cfg.Role + "\x00" + scope.Region + "\x00" + cfg.FunctionName
	rc, _ := f.creds.LoadOrStore(key, f.iam.NewRoleCredentials(cfg.Role, "lambda.amazonaws.com", sessionName(cfg.FunctionName)))
	c, err := rc.(*iam.RoleCredentials).Get(ctx)
	switch {
	case err == nil:
		return engine.Credentials{AccessKeyID: c.AccessKeyId, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, Expiration: c.Expiration}, nil
	case !f.verify:
		// Without verification a role need not exist: the function runs
		// without credentials, and its sandbox's requests act as a role
		// with no permissions.
		return engine.Credentials{}, nil
	case errors.Is(err, iam.ErrNoSuchEntity) || errors.Is(err, iam.ErrAccessDenied) || errors.Is(err, iam.ErrValidation):
		return engine.Credentials{}, lambda.Errorf(lambda.ErrInvalidParameterValue, "The role defined for the function cannot be assumed by Lambda.")
	}
	return engine.Credentials{}, fmt.Errorf("credentials of %s: %w", cfg.Role, err)
}

// sessionName is a function's role session name: its name, as Lambda's,
// made as long as STS requires (two characters).
func sessionName(function string) string {
	if len(function) < 2 {
		return "fn-" + function
	}
	return function
}

func (f *functionIdentity) API(scope lambda.Scope, cfg *lambda.FunctionConfiguration) http.Handler {
	role, name := cfg.Role, cfg.FunctionName
	return f.router.Sandboxed(&wire.Sandbox{Function: cfg.FunctionArn, Principal: func(ctx context.Context) (*iam.Principal, error) {
		return f.iam.RoleSession(ctx, role, sessionName(name))
	}})
}

// canAssume is the control plane's check of an execution role.
func (s *Server) canAssume(ctx context.Context, role string) (bool, error) {
	return s.iam.CanAssume(ctx, role, "lambda.amazonaws.com")
}

// allowDelivery decides whether a source (a service for one of its
// resources, a role) may deliver to a target: the target's resource policy
// and, for a role, its own policies (and its trust of the service that
// assumes it). A delivery that names no source is nubo's own and is not
// checked. A refusal wraps targets.ErrDenied.
func (s *Server) allowDelivery(ctx context.Context, src targets.Source, action, target string) error {
	var p *iam.Principal
	switch {
	case src.Service != "":
		p = iam.ServicePrincipal(src.Service)
	case src.Role != "":
		if src.AssumedBy != "" {
			ok, err := s.iam.CanAssume(ctx, src.Role, src.AssumedBy)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("%w: the role %s does not exist or does not trust %s", targets.ErrDenied, src.Role, src.AssumedBy)
			}
		}
		var err error
		if p, err = s.iam.RoleSession(ctx, src.Role, src.Session); err != nil {
			return err
		}
	default:
		return nil
	}
	keys := policy.Context{}
	if src.ARN != "" {
		keys.Set("aws:SourceArn", src.ARN)
	}
	if src.Account != "" {
		keys.Set("aws:SourceAccount", src.Account)
		keys.Set("aws:SourceOwner", src.Account)
	}
	doc, err := s.resourcePolicy(ctx, target)
	if err != nil {
		return err
	}
	a, _ := arn.Parse(target)
	err = s.iam.Authorize(p, iam.Check{Action: action, Resource: target, Context: keys, ResourcePolicy: doc, ResourceAccount: a.Account})
	var d *iam.Denied
	if errors.As(err, &d) {
		// A target that does not exist has no policy to allow anything:
		// the delivery finds nothing rather than being refused, and is
		// retried where its source retries (the queue may be created).
		if err := s.findTarget(ctx, target); errors.Is(err, store.ErrUnavailable) {
			return err
		} else if err != nil {
			return fmt.Errorf("%w: %w", targets.ErrNotFound, err)
		}
		return fmt.Errorf("%w: %s", targets.ErrDenied, d.Message)
	}
	return err
}

// findTarget reports whether the queue, topic or function an ARN names
// exists (an error if not); other resources are taken to exist.
func (s *Server) findTarget(ctx context.Context, target string) error {
	a, err := arn.Parse(target)
	if err != nil {
		return err
	}
	switch a.Service {
	case "sqs":
		ref, ok := s.sqs.ParseARN(target)
		if !ok {
			return fmt.Errorf("not a queue of this account: %s", target)
		}
		_, err = s.sqs.QueueAttributes(ref, nil)
	case "sns":
		_, err = s.sns.TopicAttributes(target)
	case "lambda":
		var ref lambda.FunctionRef
		if ref, err = lambda.ParseFunctionRef(target, 256); err == nil {
			_, err = s.control.GetFunction(ctx, lambda.Scope{Account: a.Account, Region: a.Region}, ref)
		}
	}
	return err
}

// resourcePolicy is the policy of a function, queue, topic, event bus or
// log group.
func (s *Server) resourcePolicy(ctx context.Context, target string) (*policy.Document, error) {
	a, err := arn.Parse(target)
	if err != nil {
		return nil, err
	}
	switch a.Service {
	case "lambda":
		return s.control.Policy(ctx, target)
	case "sqs":
		return s.sqs.Policy(target)
	case "sns":
		return s.sns.Policy(target)
	case "events":
		return s.events.Policy(target)
	case "logs":
		return s.logs.Policy()
	}
	return nil, nil
}
