package sfn

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
)

// maxTags is how many tags a resource may have.
const maxTags = 50

// tagsOf finds the tags of a state machine or an activity. Callers hold
// s.mu; save stores the resource after a change.
func (s *Service) tagsOf(ctx context.Context, resourceArn string) (tags map[string]string, save func() error, err error) {
	if ref, err := parseMachineArn(resourceArn); err == nil && ref.Qualifier == "" {
		m := s.machines[ref.arn()]
		if m == nil {
			return nil, nil, errorf(ErrResourceNotFound, "Resource not found: '%s'", resourceArn).With("resourceName", resourceArn)
		}
		return m.Tags, func() error { return putJSON(ctx, s.kv, machineKey(m.Region, m.Name), m) }, nil
	}
	if region, name, err := parseActivityArn(resourceArn); err == nil {
		a := s.activities[resourceArn]
		if a == nil {
			return nil, nil, errorf(ErrResourceNotFound, "Resource not found: '%s'", resourceArn).With("resourceName", resourceArn)
		}
		return a.Tags, func() error { return putJSON(ctx, s.kv, activityKey(region, name), a) }, nil
	}
	return nil, nil, invalidArn(resourceArn)
}

// TagResource adds or replaces tags.
func (s *Service) TagResource(ctx context.Context, sc Scope, in *TagResourceInput) (*struct{}, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tags, save, err := s.tagsOf(ctx, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	next := map[string]string{}
	for k, v := range tags {
		next[k] = v
	}
	for _, t := range in.Tags {
		next[t.Key] = t.Value
	}
	if len(next) > maxTags {
		return nil, errorf(ErrTooManyTags, "Too many tags: a resource may have at most %d tags", maxTags).With("resourceName", in.ResourceArn)
	}
	for k, v := range next {
		tags[k] = v
	}
	return &struct{}{}, save()
}

// UntagResource removes tags.
func (s *Service) UntagResource(ctx context.Context, sc Scope, in *UntagResourceInput) (*struct{}, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tags, save, err := s.tagsOf(ctx, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		delete(tags, k)
	}
	return &struct{}{}, save()
}

// ListTagsForResource lists a resource's tags by key.
func (s *Service) ListTagsForResource(ctx context.Context, sc Scope, in *ListTagsForResourceInput) (*ListTagsForResourceOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tags, _, err := s.tagsOf(ctx, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	out := &ListTagsForResourceOutput{Tags: []Tag{}}
	for k, v := range tags {
		out.Tags = append(out.Tags, Tag{Key: k, Value: v})
	}
	sort.Slice(out.Tags, func(i, j int) bool { return out.Tags[i].Key < out.Tags[j].Key })
	return out, nil
}

// paginate returns one page of items from an opaque token (an offset).
func paginate[T any](items []T, maxResults int, token string) ([]T, string, error) {
	if maxResults < 0 || maxResults > 1000 {
		return nil, "", errorf(ErrValidation, "1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000", maxResults)
	}
	if maxResults == 0 {
		maxResults = 100
	}
	start := 0
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		n, aerr := strconv.Atoi(string(b))
		if err != nil || aerr != nil || n < 0 || n > len(items) {
			return nil, "", errorf(ErrValidation, "Invalid Token: '%s'", token)
		}
		start = n
	}
	end := min(start+maxResults, len(items))
	page := items[start:end]
	if page == nil {
		page = []T{}
	}
	next := ""
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprint(end)))
	}
	return page, next, nil
}
