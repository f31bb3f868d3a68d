package events

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/awserr"
)

// bus is an event bus. The default bus of a region exists without a
// record until something of it (a policy) is stored.
type bus struct {
	Region      string            `json:"region"`
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	Policy      *policy           `json:"policy,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Created     time.Time         `json:"created"`
	Modified    time.Time         `json:"modified"`
}

// BusInfo is an event bus as DescribeEventBus and ListEventBuses show it.
type BusInfo struct {
	Name, Arn, Description, Policy string
	CreationTime, LastModifiedTime time.Time
}

// Account is the account whose resources the service keeps.
func (s *Service) Account() string { return s.opts.Account }

// BusARN is the ARN of a bus.
func (s *Service) BusARN(region, name string) string {
	return arn.New("events", region, s.opts.Account, "event-bus/"+name).String()
}

func (s *Service) info(b *bus) BusInfo {
	out := BusInfo{Name: b.Name, Arn: s.BusARN(b.Region, b.Name), Description: b.Description,
		CreationTime: b.Created, LastModifiedTime: b.Modified}
	if b.Policy != nil && len(b.Policy.Statement) > 0 {
		data, _ := json.Marshal(b.Policy)
		out.Policy = string(data)
	}
	return out
}

// busLocked returns a bus; the default bus always exists.
func (s *Service) busLocked(region, name string) *bus {
	if b := s.buses[regionKey(region, name)]; b != nil {
		return b
	}
	if name == defaultBus {
		return &bus{Region: region, Name: defaultBus}
	}
	return nil
}

// CreateBusInput is CreateEventBus's request. A customer managed key
// (and the dead-letter queue of a bus, which receives the events such a key
// fails to decrypt) has no meaning in nubo and is refused.
type CreateBusInput struct {
	Name, EventSourceName, Description, KmsKeyIdentifier string
	DeadLetterConfig                                     *DeadLetterConfig
	Tags                                                 []Tag
}

func (in *CreateBusInput) check() error {
	if in.KmsKeyIdentifier != "" || in.DeadLetterConfig != nil && in.DeadLetterConfig.Arn != "" {
		return validation("nubo does not encrypt event buses with customer managed keys: KmsKeyIdentifier and DeadLetterConfig are not supported.")
	}
	return nil
}

// CreateEventBus creates a custom event bus.
func (s *Service) CreateEventBus(ctx context.Context, region string, in CreateBusInput) (BusInfo, error) {
	var c constraints
	c.name(in.Name, "name", maxBusName, busNamePattern, true)
	if len(in.Description) > maxDescription {
		c.add(in.Description, "description", "Member must have length less than or equal to 512")
	}
	if err := c.err(); err != nil {
		return BusInfo{}, err
	}
	switch {
	case in.Name == defaultBus:
		return BusInfo{}, awserr.New(ErrResourceAlreadyExists, "Event bus default already exists.")
	case in.EventSourceName != "" || strings.HasPrefix(in.Name, "aws.partner/"):
		return BusInfo{}, validation("nubo has no partner event sources: a partner event bus cannot be created.")
	case strings.Contains(in.Name, "/"):
		return BusInfo{}, validation("Event bus name must not contain '/'.")
	}
	if err := in.check(); err != nil {
		return BusInfo{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buses[regionKey(region, in.Name)] != nil {
		return BusInfo{}, awserr.New(ErrResourceAlreadyExists, "Event bus %s already exists.", in.Name)
	}
	now := s.now()
	b := &bus{Region: region, Name: in.Name, Description: in.Description, Tags: tagMap(in.Tags), Created: now, Modified: now}
	if err := s.put(ctx, busKey(region, in.Name), b); err != nil {
		return BusInfo{}, err
	}
	s.buses[regionKey(region, in.Name)] = b
	return s.info(b), nil
}

// UpdateEventBus changes a bus's description.
func (s *Service) UpdateEventBus(ctx context.Context, region string, in CreateBusInput) (BusInfo, error) {
	name, err := busArg(in.Name, "name")
	if err != nil {
		return BusInfo{}, err
	}
	if err := in.check(); err != nil {
		return BusInfo{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.busLocked(region, name)
	if b == nil {
		return BusInfo{}, busNotFound(name)
	}
	next := *b
	next.Description, next.Modified = in.Description, s.now()
	if err := s.saveBusLocked(ctx, &next); err != nil {
		return BusInfo{}, err
	}
	return s.info(&next), nil
}

func (s *Service) saveBusLocked(ctx context.Context, b *bus) error {
	if err := s.put(ctx, busKey(b.Region, b.Name), b); err != nil {
		return err
	}
	s.buses[regionKey(b.Region, b.Name)] = b
	return nil
}

// DescribeEventBus describes a bus, by name or ARN.
func (s *Service) DescribeEventBus(ctx context.Context, region, name string) (BusInfo, error) {
	name, err := busArg(name, "name")
	if err != nil {
		return BusInfo{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	b := s.busLocked(region, name)
	if b == nil {
		return BusInfo{}, busNotFound(name)
	}
	return s.info(b), nil
}

// DeleteEventBus deletes a custom bus (deleting one that does not exist
// succeeds, as in AWS). Its rules must be deleted first.
func (s *Service) DeleteEventBus(ctx context.Context, region, name string) error {
	var c constraints
	c.name(name, "name", maxBusName, busNamePattern, true)
	if err := c.err(); err != nil {
		return err
	}
	if name == defaultBus {
		return validation("Cannot delete event bus default.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buses[regionKey(region, name)] == nil {
		return nil
	}
	prefix := regionKey(region, name) + "/"
	for k := range s.rules {
		if strings.HasPrefix(k, prefix) {
			return validation("Event bus %s has rules: delete them first.", name)
		}
	}
	if err := s.del(ctx, busKey(region, name)); err != nil {
		return err
	}
	delete(s.buses, regionKey(region, name))
	delete(s.machines, regionKey(region, name))
	return nil
}

// ListEventBuses lists a region's buses whose names begin with prefix.
func (s *Service) ListEventBuses(ctx context.Context, region, prefix, token string, limit *int32) ([]BusInfo, string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	byName := map[string]*bus{defaultBus: s.busLocked(region, defaultBus)}
	for _, b := range s.buses {
		if b.Region == region {
			byName[b.Name] = b
		}
	}
	var names []string
	for n := range byName {
		if strings.HasPrefix(n, prefix) {
			names = append(names, n)
		}
	}
	names, next, err := page(names, token, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]BusInfo, 0, len(names))
	for _, n := range names {
		out = append(out, s.info(byName[n]))
	}
	return out, next, nil
}

func tagMap(tags []Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

func tagList(m map[string]string) []Tag {
	out := make([]Tag, 0, len(m))
	for k, v := range m {
		out = append(out, Tag{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// checkDLQ checks a dead-letter queue's ARN: an SQS queue.
func checkDLQ(d *DeadLetterConfig) error {
	if d == nil || d.Arn == "" {
		return nil
	}
	if a, err := arn.Parse(d.Arn); err != nil || a.Service != "sqs" {
		return validation("Parameter DeadLetterConfig.Arn is not valid. Reason: %s is not an SQS queue ARN.", d.Arn)
	}
	return nil
}
