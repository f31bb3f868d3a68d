package iam

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/iam/policy"
	"github.com/nubo-dev/nubo/internal/sigv4"
)

// chainedSession starts the session of AssumeRole with its tags and
// source identity: the request's, and those a calling role session passes
// on (its transitive tags, which the request cannot override, and its
// source identity, which it cannot change).
func chainedSession(caller *Principal, in *AssumeRoleInput) (*session, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	sess := &session{SourceIdentity: in.SourceIdentity, Transitive: in.TransitiveTagKeys}
	for _, k := range in.TransitiveTagKeys {
		if !slices.ContainsFunc(in.Tags, func(t Tag) bool { return strings.EqualFold(t.Key, k) }) {
			return nil, invalid("The specified transitive tag key must be included in the requested tags.")
		}
	}
	var inherited []Tag
	for _, t := range caller.tags {
		if slices.ContainsFunc(caller.transitive, func(k string) bool { return strings.EqualFold(k, t.Key) }) {
			inherited = append(inherited, t)
			sess.Transitive = append(sess.Transitive, t.Key)
		}
	}
	for _, t := range in.Tags {
		if slices.ContainsFunc(inherited, func(i Tag) bool { return strings.EqualFold(i.Key, t.Key) }) {
			return nil, invalid("One or more of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.")
		}
	}
	sess.Tags = append(inherited, in.Tags...)
	if len(sess.Tags) > maxTags {
		return nil, invalid("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to %d", maxTags)
	}
	if caller.SourceIdentity != "" {
		if in.SourceIdentity != "" && in.SourceIdentity != caller.SourceIdentity {
			return nil, awserr.New(ErrAccessDenied, "The source identity of a session cannot be changed when assuming another role.")
		}
		sess.SourceIdentity = caller.SourceIdentity
	}
	return sess, nil
}

// sessionPrincipal opens a session token and returns its principal.
func (s *Service) sessionPrincipal(ctx context.Context, id, token string) (*Principal, string, error) {
	sess, ok := s.keys.open(id, token)
	if token == "" || !ok {
		return nil, "", &sigv4.Error{Kind: sigv4.BadToken}
	}
	expires := time.Unix(sess.Expires, 0)
	if !s.opts.Now().Before(expires) {
		return nil, "", &sigv4.Error{Kind: sigv4.TokenExpired}
	}
	var p *Principal
	var err error
	switch {
	case sess.Role != "":
		p, err = s.rolePrincipal(ctx, sess)
		if err == nil {
			err = s.loadSessionPolicies(ctx, p, sess)
		}
	case sess.Root:
		p = s.Root(sess.Account)
	default:
		p, err = s.userPrincipal(ctx, sess.Account, sess.User)
		if errors.Is(err, ErrNoSuchEntity) {
			err = &sigv4.Error{Kind: sigv4.BadToken}
		}
	}
	if err != nil {
		return nil, "", err
	}
	p.AccessKeyID = id
	p.Issued, p.Expires = time.Unix(sess.Issued, 0).UTC(), expires.UTC()
	return p, s.keys.secret(id, sess.Salt), nil
}

func (s *Service) loadSessionPolicies(ctx context.Context, p *Principal, sess *session) error {
	if sess.Policy == "" && len(sess.PolicyArns) == 0 {
		return nil
	}
	p.policies.Session = []*policy.Document{}
	if sess.Policy != "" {
		d, err := policy.Parse(sess.Policy, policy.Identity)
		if err != nil {
			return err
		}
		p.policies.Session = append(p.policies.Session, d)
	}
	for _, arn := range sess.PolicyArns {
		d, err := s.policyDocument(ctx, sess.Account, arn)
		if err != nil {
			continue // a policy deleted since grants nothing
		}
		p.policies.Session = append(p.policies.Session, d)
	}
	return nil
}
