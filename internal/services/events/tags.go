package events

import (
	"context"
	"maps"
	"strings"

	"github.com/nubo-dev/nubo/internal/arn"
)

// taggedLocked finds the bus or rule an ARN names and the function that stores
// a copy of it with new tags.
func (s *Service) taggedLocked(resourceARN string) (map[string]string, func(context.Context, map[string]string) error, error) {
	a, err := arn.Parse(resourceARN)
	if err != nil || a.Service != "events" {
		return nil, nil, validation("Parameter ResourceARN is not valid. Reason: %s is not an EventBridge ARN.", resourceARN)
	}
	typ, id := a.ResourceType()
	switch typ {
	case "event-bus":
		b := s.busLocked(a.Region, id)
		if b == nil {
			return nil, nil, busNotFound(id)
		}
		return b.Tags, func(ctx context.Context, tags map[string]string) error {
			next := *b
			next.Tags = tags
			return s.saveBusLocked(ctx, &next)
		}, nil
	case "rule":
		busName, name := defaultBus, id
		if b, n, ok := strings.Cut(id, "/"); ok {
			busName, name = b, n
		}
		r, err := s.ruleLocked(a.Region, busName, name)
		if err != nil {
			return nil, nil, err
		}
		return r.Tags, func(ctx context.Context, tags map[string]string) error {
			next := *r
			next.Tags = tags
			return s.saveRuleLocked(ctx, &next, false)
		}, nil
	}
	return nil, nil, validation("Parameter ResourceARN is not valid. Reason: only event buses and rules have tags.")
}

// TagResource adds or replaces tags of a bus or rule.
func (s *Service) TagResource(ctx context.Context, resourceARN string, tags []Tag) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, save, err := s.taggedLocked(resourceARN)
	if err != nil {
		return err
	}
	next := maps.Clone(old)
	if next == nil {
		next = map[string]string{}
	}
	maps.Copy(next, tagMap(tags))
	if len(next) > 50 {
		return validation("The requested resource exceeds the maximum number of tags (50).")
	}
	return save(ctx, next)
}

// UntagResource removes tags of a bus or rule.
func (s *Service) UntagResource(ctx context.Context, resourceARN string, keys []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, save, err := s.taggedLocked(resourceARN)
	if err != nil {
		return err
	}
	next := maps.Clone(old)
	for _, k := range keys {
		delete(next, k)
	}
	return save(ctx, next)
}

// ListTagsForResource lists the tags of a bus or rule.
func (s *Service) ListTagsForResource(ctx context.Context, resourceARN string) ([]Tag, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	tags, _, err := s.taggedLocked(resourceARN)
	if err != nil {
		return nil, err
	}
	return tagList(tags), nil
}
