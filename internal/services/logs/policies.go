package logs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"

	"github.com/nubo-dev/nubo/internal/iam/policy"
	"github.com/nubo-dev/nubo/internal/store"
)

// Resource policies are the account's CloudWatch Logs policies
// (PutResourcePolicy): which services and accounts may write to which log
// groups, as EventBridge needs to deliver to a log group. Each is kept
// under its name ("rp" key), and the identity layer weighs them together
// as the log groups' policy (Policy).

// ResourcePolicy is one of the account's resource policies.
type ResourcePolicy struct {
	Name     string `json:"-"`
	Document string `json:"document"`
	// Updated is when it was last put, in Unix milliseconds.
	Updated int64 `json:"updated"`
}

// Resource policy limits: CloudWatch Logs keeps up to 10 per region, each
// up to 5,120 characters.
const (
	maxResourcePolicies  = 10
	maxResourcePolicyLen = 5120
)

// The errors of resource policy operations.
var (
	ErrPolicyNotFound = errors.New("resource policy not found")
	ErrPolicyLimit    = errors.New("resource policy limit exceeded")
	ErrPolicyInvalid  = errors.New("resource policy invalid")
)

var policyNameRE = regexp.MustCompile(`^[\w#+=/:,.@-]{1,255}$`)

func policyKey(name string) string { return store.Key("rp", name) }

// PutResourcePolicy creates or replaces a resource policy.
func (s *Store) PutResourcePolicy(ctx context.Context, name, document string) (ResourcePolicy, error) {
	if !policyNameRE.MatchString(name) {
		return ResourcePolicy{}, fmt.Errorf("%w: the policy name %q is not valid", ErrPolicyInvalid, name)
	}
	if len(document) > maxResourcePolicyLen {
		return ResourcePolicy{}, fmt.Errorf("%w: the policy document is longer than %d characters", ErrPolicyInvalid, maxResourcePolicyLen)
	}
	if _, err := policy.Parse(document, policy.Resource); err != nil {
		return ResourcePolicy{}, fmt.Errorf("%w: %s", ErrPolicyInvalid, err.Error())
	}
	s.mu.Lock()
	_, exists := s.policies[name]
	full := !exists && len(s.policies) >= maxResourcePolicies
	s.mu.Unlock()
	if full {
		return ResourcePolicy{}, ErrPolicyLimit
	}
	p := ResourcePolicy{Name: name, Document: document, Updated: s.nowMs()}
	if err := s.put(ctx, policyKey(name), p); err != nil {
		return ResourcePolicy{}, err
	}
	s.mu.Lock()
	s.policies[name] = p
	s.combined = nil
	s.mu.Unlock()
	return p, nil
}

// DeleteResourcePolicy deletes a resource policy.
func (s *Store) DeleteResourcePolicy(ctx context.Context, name string) error {
	s.mu.Lock()
	_, ok := s.policies[name]
	s.mu.Unlock()
	if !ok {
		return ErrPolicyNotFound
	}
	if err := s.deleteKey(ctx, policyKey(name)); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.policies, name)
	s.combined = nil
	s.mu.Unlock()
	return nil
}

// ResourcePolicies are the account's resource policies, by name.
func (s *Store) ResourcePolicies() []ResourcePolicy {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ResourcePolicy, 0, len(s.policies))
	for _, name := range sortedNames(s.policies) {
		out = append(out, s.policies[name])
	}
	return out
}

// Policy is the policy of every log group: the statements of all the
// account's resource policies, weighed as one (nil when there are none).
// Statement ids are dropped, since two policies may use the same.
func (s *Store) Policy() (*policy.Document, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.combined != nil || len(s.policies) == 0 {
		return s.combined, nil
	}
	var statements []map[string]any
	for _, name := range sortedNames(s.policies) {
		statements = append(statements, policyStatements(s.policies[name].Document)...)
	}
	text, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": statements})
	doc, err := policy.Parse(string(text), policy.Resource)
	if err != nil {
		return nil, err
	}
	s.combined = doc
	return doc, nil
}

// policyStatements are the statements of a policy document (one or a
// list), without their ids.
func policyStatements(document string) []map[string]any {
	var doc struct {
		Statement json.RawMessage `json:"Statement"`
	}
	json.Unmarshal([]byte(document), &doc)
	var list []map[string]any
	if json.Unmarshal(doc.Statement, &list) != nil {
		var one map[string]any
		if json.Unmarshal(doc.Statement, &one) != nil {
			return nil // refused when put
		}
		list = []map[string]any{one}
	}
	for _, st := range list {
		delete(st, "Sid")
	}
	return list
}
