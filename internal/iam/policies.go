package iam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nubo-dev/nubo/internal/iam/policy"
	"github.com/nubo-dev/nubo/internal/store"
)

// managedRecord is what the store holds for a customer managed policy.
type managedRecord struct {
	Policy   Policy          `json:"policy"`
	Versions []PolicyVersion `json:"versions"`
	Next     int             `json:"next"` // number of the next version
}

func (m *managedRecord) version(id string) *PolicyVersion {
	for i := range m.Versions {
		if m.Versions[i].VersionId == id {
			return &m.Versions[i]
		}
	}
	return nil
}

func policyKey(acct, name string) string {
	return store.Key("iam", acct, "policy", strings.ToLower(name))
}

// splitPolicyARN reads arn:aws:iam::ACCOUNT:policy/PATH/NAME.
func splitPolicyARN(arn string) (acct, name string, ok bool) {
	rest, ok := strings.CutPrefix(arn, "arn:aws:iam::")
	if !ok {
		return "", "", false
	}
	acct, res, ok := strings.Cut(rest, ":policy/")
	if !ok || res == "" {
		return "", "", false
	}
	return acct, res[strings.LastIndexByte(res, '/')+1:], true
}

func notAttachable(arn string) error {
	return noSuch("Policy %s does not exist or is not attachable.", arn)
}

// getManaged reads a customer managed policy of acct by ARN.
func (s *Service) getManaged(ctx context.Context, acct, arn string) (*managedRecord, uint64, error) {
	owner, name, ok := splitPolicyARN(arn)
	if !ok {
		return nil, 0, invalid("ARN %s is not valid.", arn)
	}
	if owner != acct {
		return nil, 0, noSuch("Policy %s was not found.", arn)
	}
	ent, err := s.kv.Get(ctx, policyKey(acct, name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, noSuch("Policy %s was not found.", arn)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read policy: %w", err)
	}
	var m managedRecord
	if err := json.Unmarshal(ent.Value, &m); err != nil {
		return nil, 0, fmt.Errorf("decode policy: %w", err)
	}
	if m.Policy.Arn != arn {
		return nil, 0, noSuch("Policy %s was not found.", arn)
	}
	return &m, ent.Revision, nil
}

// updateManaged applies fn to a managed policy and stores it.
func (s *Service) updateManaged(ctx context.Context, acct, arn string, fn func(*managedRecord) error) (*managedRecord, error) {
	for {
		m, rev, err := s.getManaged(ctx, acct, arn)
		if err != nil {
			return nil, err
		}
		if err := fn(m); err != nil {
			return nil, err
		}
		data, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		_, err = s.kv.Update(ctx, policyKey(acct, m.Policy.PolicyName), data, rev)
		if errors.Is(err, store.ErrRevision) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("store policy: %w", err)
		}
		s.cache.invalidate()
		return m, nil
	}
}

// policyDocument is the default version of a managed policy (AWS's or the
// account's), parsed.
func (s *Service) policyDocument(ctx context.Context, acct, arn string) (*policy.Document, error) {
	if p, ok := awsPolicies()[arn]; ok {
		return p.doc, nil
	}
	m, _, err := s.getManaged(ctx, acct, arn)
	if err != nil {
		return nil, err
	}
	v := m.version(m.Policy.DefaultVersionId)
	if v == nil {
		return nil, fmt.Errorf("policy %s has no default version", arn)
	}
	return policy.Parse(v.Document, policy.Identity)
}

// entityPolicies are the identity-based policies of a user, group or role:
// its managed policies and its inline ones.
func (s *Service) entityPolicies(ctx context.Context, acct string, e *entity) ([]*policy.Document, error) {
	var out []*policy.Document
	for _, arn := range e.Attached {
		d, err := s.policyDocument(ctx, acct, arn)
		if errors.Is(err, ErrNoSuchEntity) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	for _, text := range e.Inline {
		d, err := policy.Parse(text, policy.Identity)
		if err != nil {
			return nil, fmt.Errorf("stored inline policy: %w", err)
		}
		out = append(out, d)
	}
	return out, nil
}

// boundary is the document of a permissions boundary, nil for none.
func (s *Service) boundary(ctx context.Context, b *AttachedPermissionsBoundary) (*policy.Document, error) {
	if b == nil {
		return nil, nil
	}
	acct, _, _ := splitPolicyARN(b.PermissionsBoundaryArn)
	return s.policyDocument(ctx, acct, b.PermissionsBoundaryArn)
}

// checkDocument parses an identity policy within a size quota.
func checkDocument(doc string, quota int) (*policy.Document, error) {
	if docSize(doc) > quota {
		return nil, limit("Cannot exceed quota for PolicySize: %d", quota)
	}
	d, err := policy.Parse(doc, policy.Identity)
	if err != nil {
		return nil, malformed(err)
	}
	return d, nil
}

// versionID is "v" and the version's number.
func versionID(n int) string { return "v" + strconv.Itoa(n) }
