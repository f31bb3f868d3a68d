package sfn

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// alias is a state machine alias, alias.<region>.<name>.<alias>.
type alias struct {
	Name        string                         `json:"name"`
	Description string                         `json:"description,omitempty"`
	Routing     []RoutingConfigurationListItem `json:"routing"`
	Created     time.Time                      `json:"created"`
	Updated     time.Time                      `json:"updated,omitempty"`
}

// PublishStateMachineVersion publishes the current revision as a new
// version, or returns the newest version when it already holds that
// revision.
func (s *Service) PublishStateMachineVersion(ctx context.Context, sc Scope, in *PublishStateMachineVersionInput) (*PublishStateMachineVersionOutput, error) {
	ref, err := parseMachineArn(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.lookupLocked(ref)
	if err != nil {
		return nil, err
	}
	if in.RevisionID != "" && in.RevisionID != m.RevisionID {
		return nil, errorf(ErrConflict, "Failed to publish the State Machine version for revision %s. The current State Machine revision is %s.", in.RevisionID, m.RevisionID)
	}
	v, err := s.publishLocked(ctx, m, in.Description)
	if err != nil {
		return nil, err
	}
	return &PublishStateMachineVersionOutput{StateMachineVersionArn: m.Arn + ":" + strconv.Itoa(v.Number), CreationDate: At(v.Created)}, nil
}

func (s *Service) publishLocked(ctx context.Context, m *machine, description string) (*version, error) {
	if m.Published == m.RevisionID && m.LastVersion > 0 {
		if v := m.versions[m.LastVersion]; v != nil {
			if description != "" && description != v.Description {
				return nil, errorf(ErrConflict, "Failed to publish the State Machine version: the current revision was already published as version %d with a different description.", v.Number)
			}
			return v, nil
		}
	}
	v := &version{spec: m.spec, Number: m.LastVersion + 1, Description: description, Created: s.clock.Now()}
	if err := putJSON(ctx, s.kv, versionKey(m.Region, m.Name, v.Number), v); err != nil {
		return nil, fmt.Errorf("store version: %w", err)
	}
	updated := *m
	updated.LastVersion, updated.Published = v.Number, m.RevisionID
	if err := putJSON(ctx, s.kv, machineKey(m.Region, m.Name), &updated); err != nil {
		return nil, fmt.Errorf("store state machine: %w", err)
	}
	*m = updated
	m.versions[v.Number] = v
	return v, nil
}

// ListStateMachineVersions lists a state machine's versions, newest first.
func (s *Service) ListStateMachineVersions(ctx context.Context, sc Scope, in *ListStateMachineVersionsInput) (*ListStateMachineVersionsOutput, error) {
	ref, err := parseMachineArn(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	m, err := s.lookupLocked(ref)
	var items []StateMachineVersionListItem
	if err == nil {
		for _, v := range m.versions {
			items = append(items, StateMachineVersionListItem{StateMachineVersionArn: m.Arn + ":" + strconv.Itoa(v.Number), CreationDate: At(v.Created)})
		}
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	sort.Slice(items, func(i, j int) bool { return versionNumber(items[i]) > versionNumber(items[j]) })
	page, next, err := paginate(items, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &ListStateMachineVersionsOutput{StateMachineVersions: page, NextToken: next}, nil
}

func versionNumber(it StateMachineVersionListItem) int {
	ref, _ := parseMachineArn(it.StateMachineVersionArn)
	n, _ := strconv.Atoi(ref.Qualifier)
	return n
}

// DeleteStateMachineVersion deletes a version no alias routes to.
func (s *Service) DeleteStateMachineVersion(ctx context.Context, sc Scope, in *DeleteStateMachineVersionInput) (*struct{}, error) {
	ref, err := parseMachineArn(in.StateMachineVersionArn)
	if err != nil {
		return nil, err
	}
	if !ref.isVersion() {
		return nil, invalidArn(in.StateMachineVersionArn)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.machines[ref.arn()]
	if m == nil {
		return &struct{}{}, nil
	}
	n, _ := strconv.Atoi(ref.Qualifier)
	for _, a := range m.aliases {
		for _, r := range a.Routing {
			if r.StateMachineVersionArn == in.StateMachineVersionArn {
				return nil, errorf(ErrConflict, "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [%s]", a.Name)
			}
		}
	}
	if err := s.kv.Delete(ctx, versionKey(m.Region, m.Name, n)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	delete(m.versions, n)
	return &struct{}{}, nil
}

// resolveQualifierLocked finds the version a qualified ARN names; an
// alias picks one of its versions by weight.
func (s *Service) resolveQualifierLocked(m *machine, ref machineRef) (*version, error) {
	if ref.isVersion() {
		n, _ := strconv.Atoi(ref.Qualifier)
		if v := m.versions[n]; v != nil {
			return v, nil
		}
		return nil, smDoesNotExist(ref.qualified())
	}
	a := m.aliases[ref.Qualifier]
	if a == nil {
		return nil, errorf(ErrResourceNotFound, "Resource not found: '%s'", ref.qualified())
	}
	pick := a.Routing[0]
	if len(a.Routing) == 2 && rand.IntN(100) >= pick.Weight {
		pick = a.Routing[1]
	}
	vref, _ := parseMachineArn(pick.StateMachineVersionArn)
	n, _ := strconv.Atoi(vref.Qualifier)
	if v := m.versions[n]; v != nil {
		return v, nil
	}
	return nil, smDoesNotExist(pick.StateMachineVersionArn)
}

// CreateStateMachineAlias creates an alias routing to one or two versions.
func (s *Service) CreateStateMachineAlias(ctx context.Context, sc Scope, in *CreateStateMachineAliasInput) (*CreateStateMachineAliasOutput, error) {
	if !validName(in.Name) || isNumber(in.Name) {
		return nil, invalidName(in.Name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.checkRoutingLocked(in.RoutingConfiguration)
	if err != nil {
		return nil, err
	}
	if a := m.aliases[in.Name]; a != nil {
		if a.Description == in.Description && sameRouting(a.Routing, in.RoutingConfiguration) {
			return &CreateStateMachineAliasOutput{StateMachineAliasArn: m.Arn + ":" + a.Name, CreationDate: At(a.Created)}, nil
		}
		return nil, errorf(ErrConflict, "Failed to create alias because an alias with the same name and a different routing configuration already exists.")
	}
	a := &alias{Name: in.Name, Description: in.Description, Routing: in.RoutingConfiguration, Created: s.clock.Now()}
	if err := putJSON(ctx, s.kv, aliasKey(m.Region, m.Name, a.Name), a); err != nil {
		return nil, fmt.Errorf("store alias: %w", err)
	}
	m.aliases[a.Name] = a
	return &CreateStateMachineAliasOutput{StateMachineAliasArn: m.Arn + ":" + a.Name, CreationDate: At(a.Created)}, nil
}

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

func sameRouting(a, b []RoutingConfigurationListItem) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkRoutingLocked checks a routing configuration: one or two distinct
// versions of one state machine, weights summing to 100.
func (s *Service) checkRoutingLocked(routing []RoutingConfigurationListItem) (*machine, error) {
	invalid := func(msg string) error {
		return errorf(ErrValidation, "%s", msg).With("reason", "INVALID_ROUTING_CONFIGURATION")
	}
	if len(routing) == 0 || len(routing) > 2 {
		return nil, invalid("Routing configuration must contain one or two versions.")
	}
	var m *machine
	sum := 0
	for i, r := range routing {
		ref, err := parseMachineArn(r.StateMachineVersionArn)
		if err != nil || !ref.isVersion() {
			return nil, invalidArn(r.StateMachineVersionArn)
		}
		mm, err := s.lookupLocked(ref)
		if err != nil {
			return nil, err
		}
		if _, err := s.resolveQualifierLocked(mm, ref); err != nil {
			return nil, err
		}
		if m != nil && mm != m || i == 1 && routing[0].StateMachineVersionArn == r.StateMachineVersionArn {
			return nil, invalid("Routing configuration must contain distinct versions of the same state machine.")
		}
		if r.Weight < 0 || r.Weight > 100 {
			return nil, invalid("Routing configuration weights must be between 0 and 100.")
		}
		m, sum = mm, sum+r.Weight
	}
	if sum != 100 {
		return nil, invalid("Sum of routing configuration weights must equal 100.")
	}
	return m, nil
}

func (s *Service) aliasLocked(aliasArn string) (*machine, *alias, error) {
	ref, err := parseMachineArn(aliasArn)
	if err != nil {
		return nil, nil, err
	}
	if ref.Qualifier == "" || ref.isVersion() {
		return nil, nil, invalidArn(aliasArn)
	}
	m := s.machines[ref.arn()]
	if m == nil || m.aliases[ref.Qualifier] == nil {
		return nil, nil, errorf(ErrResourceNotFound, "Resource not found: '%s'", aliasArn).With("resourceName", aliasArn)
	}
	return m, m.aliases[ref.Qualifier], nil
}

// DescribeStateMachineAlias describes an alias.
func (s *Service) DescribeStateMachineAlias(ctx context.Context, sc Scope, in *StateMachineAliasInput) (*DescribeStateMachineAliasOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, a, err := s.aliasLocked(in.StateMachineAliasArn)
	if err != nil {
		return nil, err
	}
	out := &DescribeStateMachineAliasOutput{StateMachineAliasArn: in.StateMachineAliasArn, Name: a.Name, Description: a.Description,
		RoutingConfiguration: a.Routing, CreationDate: At(a.Created)}
	if !a.Updated.IsZero() {
		out.UpdateDate = At(a.Updated)
	}
	return out, nil
}

// UpdateStateMachineAlias changes an alias' description or routing.
func (s *Service) UpdateStateMachineAlias(ctx context.Context, sc Scope, in *UpdateStateMachineAliasInput) (*UpdateStateMachineAliasOutput, error) {
	if in.Description == nil && in.RoutingConfiguration == nil {
		return nil, errorf(ErrMissingRequiredParameter, "Either the description or the RoutingConfiguration must be specified")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, a, err := s.aliasLocked(in.StateMachineAliasArn)
	if err != nil {
		return nil, err
	}
	updated := *a
	if in.RoutingConfiguration != nil {
		rm, err := s.checkRoutingLocked(in.RoutingConfiguration)
		if err != nil {
			return nil, err
		}
		if rm != m {
			return nil, errorf(ErrValidation, "Routing configuration must contain versions of the alias' state machine.").With("reason", "INVALID_ROUTING_CONFIGURATION")
		}
		updated.Routing = in.RoutingConfiguration
	}
	if in.Description != nil {
		updated.Description = *in.Description
	}
	updated.Updated = s.clock.Now()
	if err := putJSON(ctx, s.kv, aliasKey(m.Region, m.Name, a.Name), &updated); err != nil {
		return nil, fmt.Errorf("store alias: %w", err)
	}
	*a = updated
	return &UpdateStateMachineAliasOutput{UpdateDate: At(a.Updated)}, nil
}

// DeleteStateMachineAlias deletes an alias.
func (s *Service) DeleteStateMachineAlias(ctx context.Context, sc Scope, in *StateMachineAliasInput) (*struct{}, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, a, err := s.aliasLocked(in.StateMachineAliasArn)
	if err != nil {
		return nil, err
	}
	if err := s.kv.Delete(ctx, aliasKey(m.Region, m.Name, a.Name)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	delete(m.aliases, a.Name)
	return &struct{}{}, nil
}

// ListStateMachineAliases lists a state machine's aliases.
func (s *Service) ListStateMachineAliases(ctx context.Context, sc Scope, in *ListStateMachineAliasesInput) (*ListStateMachineAliasesOutput, error) {
	ref, err := parseMachineArn(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	m, err := s.lookupLocked(ref)
	var items []StateMachineAliasListItem
	if err == nil {
		for _, a := range m.aliases {
			items = append(items, StateMachineAliasListItem{StateMachineAliasArn: m.Arn + ":" + a.Name, CreationDate: At(a.Created)})
		}
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	sort.Slice(items, func(i, j int) bool { return items[i].StateMachineAliasArn < items[j].StateMachineAliasArn })
	page, next, err := paginate(items, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &ListStateMachineAliasesOutput{StateMachineAliases: page, NextToken: next}, nil
}
