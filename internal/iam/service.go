// Package iam is nubo's identity and access: accounts, users, groups,
// access keys, roles with trust policies, managed and inline policies
// (IAM), temporary credentials (STS: AssumeRole, GetSessionToken,
// GetCallerIdentity, and the credentials of a function's execution role),
// and the two calls the wire layer makes for every request: Authenticate
// (the SigV4 signature, to a Principal) and Authorize (the Principal's
// policies and a resource's policy, to allow or AccessDenied). State is in
// a store.KV; no secret is stored but the server key (see keys.go).
package iam

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/sigv4"
	"github.com/nubo-dev/nubo/internal/store"
)

// Options configures a Service.
type Options struct {
	// Account is the account of the root credentials and of everything
	// created with them.
	Account string
	// RootAccessKeyID and RootSecretAccessKey are the root credentials
	// (--root-access-key-id, --root-secret-access-key).
	RootAccessKeyID, RootSecretAccessKey string
	// Accounts are further accounts, each known by its root credentials
	// (--account). Their users, roles and keys are their own; what other
	// accounts' resources they may use, those resources' policies decide.
	Accounts []Account
	// OrganizationID, when set, is every principal's aws:PrincipalOrgID.
	OrganizationID string
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Account is an account and the credentials of its root.
type Account struct {
	ID, AccessKeyID, SecretAccessKey string
}

// Service implements IAM and STS over a store.KV.
type Service struct {
	kv       store.KV
	opts     Options
	log      *slog.Logger
	keys     *keyring
	verifier sigv4.Verifier
	cache    principalCache
}

// New returns a Service over kv. It loads the server key from kv, creating
// it on first use, so every node of a cluster sharing kv derives the same
// secrets and opens the same session tokens.
func New(ctx context.Context, kv store.KV, opts Options) (*Service, error) {
	if opts.Account == "" {
		return nil, errors.New("iam: an account id is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	seen := map[string]bool{opts.RootAccessKeyID: true}
	for _, a := range opts.Accounts {
		if a.ID == "" || a.AccessKeyID == "" || a.SecretAccessKey == "" || seen[a.AccessKeyID] {
			return nil, fmt.Errorf("iam: account %q needs an id and root credentials of its own", a.ID)
		}
		seen[a.AccessKeyID] = true
	}
	keys, err := loadKeyring(ctx, kv)
	if err != nil {
		return nil, fmt.Errorf("iam: server key: %w", err)
	}
	s := &Service{kv: kv, opts: opts, log: opts.Logger, keys: keys}
	s.verifier.Now = opts.Now
	return s, nil
}

func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Second) }

// Entity kinds, as they appear in keys, ARNs and messages.
const (
	kindUser  = "user"
	kindGroup = "group"
	kindRole  = "role"
)

// entity is what the store holds for a user, group or role: the API shape
// and the policies attached to it.
type entity struct {
	Kind     string            `json:"kind"`
	User     *User             `json:"user,omitempty"`
	Group    *Group            `json:"group,omitempty"`
	Role     *Role             `json:"role,omitempty"`
	Attached []string          `json:"attached,omitempty"` // managed policy ARNs
	Inline   map[string]string `json:"inline,omitempty"`   // name → document
	Groups   []string          `json:"groups,omitempty"`   // a user's groups (names)
}

// name is the entity's name as created.
func (e *entity) name() string {
	switch {
	case e.User != nil:
		return e.User.UserName
	case e.Group != nil:
		return e.Group.GroupName
	}
	return e.Role.RoleName
}

// IAM names are unique without regard to case, so keys use lowercase.
func entityKey(acct, kind, name string) string {
	return store.Key("iam", acct, kind, strings.ToLower(name))
}

// getEntity reads an entity; a missing one is NoSuchEntity in AWS's words.
func (s *Service) getEntity(ctx context.Context, acct, kind, name string) (*entity, uint64, error) {
	ent, err := s.kv.Get(ctx, entityKey(acct, kind, name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, noSuch("The %s with name %s cannot be found.", kind, name)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", kind, err)
	}
	var e entity
	if err := json.Unmarshal(ent.Value, &e); err != nil {
		return nil, 0, fmt.Errorf("decode %s: %w", kind, err)
	}
	return &e, ent.Revision, nil
}

// updateEntity applies fn to an entity and stores it, retrying when
// another writer got there first.
func (s *Service) updateEntity(ctx context.Context, acct, kind, name string, fn func(*entity) error) (*entity, error) {
	for {
		e, rev, err := s.getEntity(ctx, acct, kind, name)
		if err != nil {
			return nil, err
		}
		if err := fn(e); err != nil {
			return nil, err
		}
		data, err := json.Marshal(e)
		if err != nil {
			return nil, err
		}
		_, err = s.kv.Update(ctx, entityKey(acct, kind, name), data, rev)
		if errors.Is(err, store.ErrRevision) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("store %s: %w", kind, err)
		}
		s.cache.invalidate()
		return e, nil
	}
}

// createEntity stores a new entity; one of the same name (in any case)
// is EntityAlreadyExists.
func (s *Service) createEntity(ctx context.Context, acct string, e *entity) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	_, err = s.kv.Create(ctx, entityKey(acct, e.Kind, e.name()), data)
	if errors.Is(err, store.ErrExists) {
		return exists("%s with name %s already exists.", titleKind(e.Kind), e.name())
	}
	if err != nil {
		return fmt.Errorf("store %s: %w", e.Kind, err)
	}
	s.cache.invalidate()
	return nil
}

func titleKind(kind string) string { return strings.ToUpper(kind[:1]) + kind[1:] }

// listEntities reads every entity of a kind in an account.
func (s *Service) listEntities(ctx context.Context, acct, kind string) ([]*entity, error) {
	keys, err := s.kv.Keys(ctx, store.Key("iam", acct, kind))
	if err != nil {
		return nil, fmt.Errorf("list %ss: %w", kind, err)
	}
	out := make([]*entity, 0, len(keys))
	for _, k := range keys {
		parts := store.SplitKey(k)
		e, _, err := s.getEntity(ctx, acct, kind, parts[len(parts)-1])
		if errors.Is(err, ErrNoSuchEntity) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// newID returns an IAM unique id: a four-letter prefix saying what it
// names (AIDA user, AGPA group, AROA role, ANPA policy, AKIA access key,
// ASIA temporary key) and 17 random characters of base32, 21 in all.
func newID(prefix string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, 17)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[b[i]&31]
	}
	return prefix + string(b)
}

// iamARN is the ARN of an IAM entity: arn:aws:iam::ACCOUNT:KIND/PATH NAME.
func iamARN(acct, kind, path, name string) string {
	return "arn:aws:iam::" + acct + ":" + kind + path + name
}
