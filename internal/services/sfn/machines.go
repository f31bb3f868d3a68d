package sfn

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/nubo-dev/nubo/internal/services/sfn/asl"
	"github.com/nubo-dev/nubo/internal/store"
)

// maxDefinition is the largest definition (1 MB of characters).
const maxDefinition = 1024 * 1024

// machine is a state machine as stored under sm.<region>.<name>.
type machine struct {
	spec
	Arn         string            `json:"arn"`
	Name        string            `json:"name"`
	Region      string            `json:"region"`
	Created     time.Time         `json:"created"`
	Updated     time.Time         `json:"updated"`
	Tags        map[string]string `json:"tags,omitempty"`
	LastVersion int               `json:"lastVersion,omitempty"`
	// Published is the revision of the newest version.
	Published string `json:"published,omitempty"`

	versions map[int]*version
	aliases  map[string]*alias
}

// version is a published version, ver.<region>.<name>.<n>.
type version struct {
	spec
	Number      int       `json:"number"`
	Description string    `json:"description,omitempty"`
	Created     time.Time `json:"created"`
}

func (s *Service) loadMachines(ctx context.Context) error {
	keys, err := listKeys(ctx, s.kv, store.Key("sm"))
	if err != nil {
		return fmt.Errorf("list state machines: %w", err)
	}
	for _, k := range keys {
		m := &machine{versions: map[int]*version{}, aliases: map[string]*alias{}}
		if _, err := getJSON(ctx, s.kv, k, m); err != nil {
			return fmt.Errorf("load state machine %s: %w", k, err)
		}
		s.machines[m.Arn] = m
	}
	for _, prefix := range []string{"ver", "alias"} {
		keys, err := listKeys(ctx, s.kv, store.Key(prefix))
		if err != nil {
			return fmt.Errorf("list %s: %w", prefix, err)
		}
		for _, k := range keys {
			if err := s.loadQualifier(ctx, prefix, k); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Service) loadQualifier(ctx context.Context, prefix, key string) error {
	parts := store.SplitKey(key)
	m := s.machines[machineRef{Region: parts[1], Account: s.opts.Account, Name: parts[2]}.arn()]
	if m == nil {
		return nil // left by a deletion that did not finish
	}
	if prefix == "ver" {
		v := &version{}
		if _, err := getJSON(ctx, s.kv, key, v); err != nil {
			return fmt.Errorf("load version %s: %w", key, err)
		}
		m.versions[v.Number] = v
		return nil
	}
	a := &alias{}
	if _, err := getJSON(ctx, s.kv, key, a); err != nil {
		return fmt.Errorf("load alias %s: %w", key, err)
	}
	m.aliases[a.Name] = a
	return nil
}

// CreateStateMachine creates a state machine (and, with publish, its
// version 1). A second call with the same name and configuration returns
// the first one's ARN; a different configuration is
// StateMachineAlreadyExists.
func (s *Service) CreateStateMachine(ctx context.Context, sc Scope, in *CreateStateMachineInput) (*CreateStateMachineOutput, error) {
	if !validName(in.Name) {
		return nil, invalidName(in.Name)
	}
	if in.Type == "" {
		in.Type = TypeStandard
	}
	sp, err := s.newSpec(in.Definition, in.RoleArn, in.Type, in.LoggingConfiguration, in.TracingConfiguration, in.EncryptionConfiguration)
	if err != nil {
		return nil, err
	}
	ref := machineRef{Region: sc.Region, Account: s.account(sc), Name: in.Name}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.machines[ref.arn()]; m != nil {
		if !sameSpec(&m.spec, sp) {
			return nil, errorf(ErrStateMachineAlreadyExists, "State Machine Already Exists: '%s'", m.Arn)
		}
		out := &CreateStateMachineOutput{StateMachineArn: m.Arn, CreationDate: At(m.Created)}
		if in.Publish && m.LastVersion > 0 {
			out.StateMachineVersionArn = ref.arn() + ":" + fmt.Sprint(m.LastVersion)
		}
		return out, nil
	}
	now := s.clock.Now()
	m := &machine{spec: *sp, Arn: ref.arn(), Name: in.Name, Region: sc.Region, Created: now, Updated: now,
		Tags: map[string]string{}, versions: map[int]*version{}, aliases: map[string]*alias{}}
	for _, t := range in.Tags {
		m.Tags[t.Key] = t.Value
	}
	if err := putJSON(ctx, s.kv, machineKey(sc.Region, in.Name), m); err != nil {
		return nil, fmt.Errorf("store state machine: %w", err)
	}
	s.machines[m.Arn] = m
	out := &CreateStateMachineOutput{StateMachineArn: m.Arn, CreationDate: At(now)}
	if in.Publish {
		v, err := s.publishLocked(ctx, m, in.VersionDescription)
		if err != nil {
			return nil, err
		}
		out.StateMachineVersionArn = m.Arn + ":" + fmt.Sprint(v.Number)
	}
	return out, nil
}

// lookup finds a state machine by its unqualified ARN. Callers hold s.mu.
func (s *Service) lookupLocked(ref machineRef) (*machine, error) {
	m := s.machines[ref.arn()]
	if m == nil {
		return nil, smDoesNotExist(ref.qualified())
	}
	return m, nil
}

// DescribeStateMachine describes a state machine, a version or an alias
// (an alias describes the version it routes most of its traffic to).
func (s *Service) DescribeStateMachine(ctx context.Context, sc Scope, in *DescribeStateMachineInput) (*DescribeStateMachineOutput, error) {
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
	out := &DescribeStateMachineOutput{StateMachineArn: m.Arn, Name: m.Name, Status: "ACTIVE", CreationDate: At(m.Created)}
	sp := &m.spec
	if ref.Qualifier != "" {
		v, err := s.resolveQualifierLocked(m, ref)
		if err != nil {
			return nil, err
		}
		sp, out.StateMachineArn, out.CreationDate, out.Description = &v.spec, m.Arn+":"+fmt.Sprint(v.Number), At(v.Created), v.Description
	}
	out.Definition, out.RoleArn, out.Type, out.RevisionID = sp.Definition, sp.RoleArn, sp.Type, sp.RevisionID
	out.LoggingConfiguration, out.TracingConfiguration = loggingOf(sp.Logging), tracingOf(sp.Tracing)
	out.EncryptionConfiguration = sp.Encryption
	if in.IncludedData == "METADATA_ONLY" {
		out.Definition = ""
	}
	return out, nil
}

func loggingOf(l *LoggingConfiguration) *LoggingConfiguration {
	if l == nil {
		return &LoggingConfiguration{Level: "OFF"}
	}
	return l
}

func tracingOf(t *TracingConfiguration) *TracingConfiguration {
	if t == nil {
		return &TracingConfiguration{}
	}
	return t
}

// UpdateStateMachine changes a state machine's definition, role or
// configuration (a new revision), publishing a version with publish.
func (s *Service) UpdateStateMachine(ctx context.Context, sc Scope, in *UpdateStateMachineInput) (*UpdateStateMachineOutput, error) {
	ref, err := parseMachineArn(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if ref.Qualifier != "" {
		return nil, errorf(ErrValidation, "Invalid Arn: 'Unqualified state machine ARN required: %s'", in.StateMachineArn)
	}
	if in.Definition == "" && in.RoleArn == "" && in.LoggingConfiguration == nil && in.TracingConfiguration == nil && in.EncryptionConfiguration == nil && !in.Publish {
		return nil, errorf(ErrMissingRequiredParameter, "Either the definition, the role ARN, the LoggingConfiguration, the EncryptionConfiguration or the TracingConfiguration must be specified")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.lookupLocked(ref)
	if err != nil {
		return nil, err
	}
	next := m.spec
	changed := false
	for _, c := range []struct {
		set bool
		fn  func()
	}{
		{in.Definition != "", func() { next.Definition = in.Definition }},
		{in.RoleArn != "", func() { next.RoleArn = in.RoleArn }},
		{in.LoggingConfiguration != nil, func() { next.Logging = in.LoggingConfiguration }},
		{in.TracingConfiguration != nil, func() { next.Tracing = in.TracingConfiguration }},
		{in.EncryptionConfiguration != nil, func() { next.Encryption = in.EncryptionConfiguration }},
	} {
		if c.set {
			c.fn()
			changed = true
		}
	}
	out := &UpdateStateMachineOutput{}
	if changed {
		sp, err := s.newSpec(next.Definition, next.RoleArn, next.Type, next.Logging, next.Tracing, next.Encryption)
		if err != nil {
			return nil, err
		}
		if sameSpec(sp, &m.spec) && sp.RoleArn == m.RoleArn {
			sp.RevisionID = m.RevisionID
		}
		updated := *m
		updated.spec, updated.Updated = *sp, s.clock.Now()
		if err := putJSON(ctx, s.kv, machineKey(m.Region, m.Name), &updated); err != nil {
			return nil, fmt.Errorf("store state machine: %w", err)
		}
		*m = updated
	}
	out.UpdateDate, out.RevisionID = At(m.Updated), m.RevisionID
	if in.Publish {
		v, err := s.publishLocked(ctx, m, in.VersionDescription)
		if err != nil {
			return nil, err
		}
		out.StateMachineVersionArn = m.Arn + ":" + fmt.Sprint(v.Number)
	}
	return out, nil
}

// DeleteStateMachine deletes a state machine with its versions and
// aliases; its running executions go on with the definition they started
// with.
func (s *Service) DeleteStateMachine(ctx context.Context, sc Scope, in *DeleteStateMachineInput) (*struct{}, error) {
	ref, err := parseMachineArn(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ref.Qualifier != "" {
		return nil, errorf(ErrValidation, "Invalid Arn: 'Unqualified state machine ARN required: %s'", in.StateMachineArn)
	}
	m := s.machines[ref.arn()]
	if m == nil {
		return &struct{}{}, nil
	}
	for n := range m.versions {
		if err := s.kv.Delete(ctx, versionKey(m.Region, m.Name, n)); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	for a := range m.aliases {
		if err := s.kv.Delete(ctx, aliasKey(m.Region, m.Name, a)); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	if err := s.kv.Delete(ctx, machineKey(m.Region, m.Name)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	delete(s.machines, m.Arn)
	return &struct{}{}, nil
}

// ListStateMachines lists the region's state machines by name.
func (s *Service) ListStateMachines(ctx context.Context, sc Scope, in *ListInput) (*ListStateMachinesOutput, error) {
	s.mu.Lock()
	var items []StateMachineListItem
	for _, m := range s.machines {
		if m.Region == sc.Region {
			items = append(items, StateMachineListItem{StateMachineArn: m.Arn, Name: m.Name, Type: m.Type, CreationDate: At(m.Created)})
		}
	}
	s.mu.Unlock()
	sort.Slice(items, func(i, j int) bool { return items[i].Name < items[j].Name })
	page, next, err := paginate(items, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &ListStateMachinesOutput{StateMachines: page, NextToken: next}, nil
}

// ValidateStateMachineDefinition reports a definition's diagnostics
// without creating anything.
func (s *Service) ValidateStateMachineDefinition(ctx context.Context, sc Scope, in *ValidateStateMachineDefinitionInput) (*ValidateStateMachineDefinitionOutput, error) {
	if in.Type != "" && in.Type != TypeStandard && in.Type != TypeExpress {
		return nil, errorf(ErrValidation, "1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]", in.Type)
	}
	_, diags := asl.Parse(in.Definition, asl.ParseOptions{Express: in.Type == TypeExpress})
	out := &ValidateStateMachineDefinitionOutput{Result: "OK", Diagnostics: []asl.Diagnostic{}}
	for _, d := range diags {
		if in.Severity == "WARNING" || d.Severity == "ERROR" {
			out.Diagnostics = append(out.Diagnostics, d)
		}
	}
	if len(diags) > 0 {
		out.Result = "FAIL"
	}
	max := in.MaxResults
	if max <= 0 {
		max = 100
	}
	if len(out.Diagnostics) > max {
		out.Diagnostics, out.Truncated = out.Diagnostics[:max], true
	}
	return out, nil
}
