package iam

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/iam/policy"
)

// ServiceRoleCredentials mints credentials of a role for an AWS service
// that the role's trust policy lets assume it, as Lambda does for a
// function's execution role (service "lambda.amazonaws.com"). The session
// lasts d, between 15 minutes and 12 hours. Requests signed with the
// credentials act as arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION.
func (s *Service) ServiceRoleCredentials(ctx context.Context, roleArn, service, sessionName string, d time.Duration) (*Credentials, error) {
	if err := checkSessionName(sessionName); err != nil {
		return nil, err
	}
	acct, name, ok := splitRoleARN(roleArn)
	if !ok {
		return nil, invalid("%s is invalid", roleArn)
	}
	e, err := s.cachedRole(ctx, acct, name)
	if err != nil {
		return nil, err
	}
	if !TrustsService(e.Role.AssumeRolePolicyDocument, service) {
		return nil, awserr.New(ErrAccessDenied, "The role defined for the function cannot be assumed by %s.", service)
	}
	d = min(max(d, minSessionDuration*time.Second), maxMaxSession*time.Second)
	return s.mint(&session{Account: acct, Role: e.Role.Arn, Name: sessionName, RoleID: e.Role.RoleId}, d)
}

// cachedRole reads a role through the principal cache, for minting: the
// entity it gives is shared and must not be modified.
func (s *Service) cachedRole(ctx context.Context, acct, name string) (*entity, error) {
	key, now := acct+"/"+name, s.opts.Now()
	if e, ok := s.cache.role(key, now); ok {
		return e, nil
	}
	gen := s.cache.generation()
	e, _, err := s.getEntity(ctx, acct, kindRole, name)
	if err != nil {
		return nil, err
	}
	s.cache.putRole(key, e, gen, now)
	return e, nil
}

// RoleSession is a session of roleArn named sessionName with the role's
// policies, as requests signed with ServiceRoleCredentials authenticate:
// the caller nubo assumes for requests from inside a function's sandbox
// when it verifies no signatures (--auth none), and for deliveries a
// function's role makes (asynchronous invocation destinations). A role
// that does not exist gives a session with no permissions.
func (s *Service) RoleSession(ctx context.Context, roleArn, sessionName string) (*Principal, error) {
	acct, name, ok := splitRoleARN(roleArn)
	if !ok {
		return nil, invalid("%s is invalid", roleArn)
	}
	sess := &session{Account: acct, Role: roleArn, Name: sessionName}
	if e, _, err := s.getEntity(ctx, acct, kindRole, name); err == nil {
		sess.Role, sess.RoleID = e.Role.Arn, e.Role.RoleId
	} else if !errors.Is(err, ErrNoSuchEntity) {
		return nil, err
	}
	return s.rolePrincipal(ctx, sess)
}

// CanAssume reports whether service can assume roleArn: the role exists
// and its trust policy lets the service assume it (Lambda's check of an
// execution role at CreateFunction). The error is the store's, when it
// could not tell (unavailable: the caller may try again).
func (s *Service) CanAssume(ctx context.Context, roleArn, service string) (bool, error) {
	acct, name, ok := splitRoleARN(roleArn)
	if !ok {
		return false, nil
	}
	e, _, err := s.getEntity(ctx, acct, kindRole, name)
	if errors.Is(err, ErrNoSuchEntity) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return e.Role.Arn == roleArn && TrustsService(e.Role.AssumeRolePolicyDocument, service), nil
}

// TrustsService reports whether a trust policy lets service assume the
// role (Lambda's check of an execution role at CreateFunction).
func TrustsService(trustPolicy, service string) bool {
	d, err := policy.Parse(trustPolicy, policy.Trust)
	if err != nil {
		return false
	}
	r := &policy.Request{Caller: policy.Caller{Service: service}, Action: "sts:AssumeRole", Resource: "*", Context: policy.Context{}}
	e := d.Effects(r, true)
	return e.Allow && !e.Deny
}

// RoleCredentials keeps an execution environment supplied with credentials
// of a role: Get returns the current ones and mints new ones when they are
// within renewBefore of expiring. It is safe for concurrent use.
type RoleCredentials struct {
	svc                       *Service
	roleArn, service, session string
	mu                        sync.Mutex
	cur                       *Credentials
}

// Lifetimes of execution-role credentials: AWS's role sessions last up
// to 12 hours, and an execution environment is given credentials with at
// least 6 of them left.
const (
	roleCredentialsLifetime = 12 * time.Hour
	renewBefore             = 6 * time.Hour
)

// NewRoleCredentials returns a source of credentials of roleArn for
// service, with the given session name (Lambda uses the function's name).
func (s *Service) NewRoleCredentials(roleArn, service, sessionName string) *RoleCredentials {
	return &RoleCredentials{svc: s, roleArn: roleArn, service: service, session: sessionName}
}

// Get returns credentials valid for at least renewBefore.
func (c *RoleCredentials) Get(ctx context.Context) (Credentials, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != nil && c.svc.opts.Now().Add(renewBefore).Before(c.cur.Expiration) {
		return *c.cur, nil
	}
	creds, err := c.svc.ServiceRoleCredentials(ctx, c.roleArn, c.service, c.session, roleCredentialsLifetime)
	if err != nil {
		return Credentials{}, err
	}
	c.cur = creds
	return *creds, nil
}
