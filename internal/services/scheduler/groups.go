package scheduler

import (
	"context"
	"encoding/base64"
	"maps"
	"sort"
	"strings"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/awserr"
)

const namePattern = `^[0-9a-zA-Z-_.]+$`

// checkName checks a schedule's or group's name as the model does.
func checkName(name, member string) error {
	switch {
	case name == "":
		return validation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
	case len(name) > 64:
		return validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to 64", name, member)
	case !validName(name):
		return validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", name, member, namePattern)
	}
	return nil
}

func validName(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func groupNotFound(name string) error {
	return awserr.New(ErrNotFound, "Schedule group %s does not exist.", name)
}

// groupLocked returns a group; the default group always exists.
func (s *Service) groupLocked(region, name string) *Group {
	if g := s.groups[mapKey(region, name)]; g != nil {
		return g
	}
	if name == defaultGroup {
		return &Group{Name: defaultGroup}
	}
	return nil
}

func (s *Service) groupOut(region string, g *Group) Group {
	out := *g
	out.Arn, out.State = s.GroupARN(region, g.Name), "ACTIVE"
	return out
}

// CreateScheduleGroup creates a group.
func (s *Service) CreateScheduleGroup(ctx context.Context, region, name string, tags []Tag) (string, error) {
	if err := checkName(name, "name"); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.groupLocked(region, name) != nil {
		return "", awserr.New(ErrConflict, "Schedule group %s already exists.", name)
	}
	now := s.now()
	g := &Group{Name: name, Tags: tagMap(tags), CreationDate: now, LastModificationDate: now}
	if err := s.put(ctx, groupKey(region, name), g); err != nil {
		return "", err
	}
	s.groups[mapKey(region, name)] = g
	return s.GroupARN(region, name), nil
}

// GetScheduleGroup describes a group.
func (s *Service) GetScheduleGroup(ctx context.Context, region, name string) (Group, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groupLocked(region, name)
	if g == nil {
		return Group{}, groupNotFound(name)
	}
	return s.groupOut(region, g), nil
}

// DeleteScheduleGroup deletes a group and every schedule in it.
func (s *Service) DeleteScheduleGroup(ctx context.Context, region, name string) error {
	if name == defaultGroup {
		return validation("The default schedule group cannot be deleted.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.groups[mapKey(region, name)] == nil {
		return groupNotFound(name)
	}
	for _, r := range s.schedules {
		if r.Region == region && r.GroupName == name {
			if err := s.deleteLocked(ctx, r); err != nil {
				return err
			}
		}
	}
	if err := s.del(ctx, groupKey(region, name)); err != nil {
		return err
	}
	delete(s.groups, mapKey(region, name))
	return nil
}

// ListScheduleGroups lists a region's groups, the default one first.
func (s *Service) ListScheduleGroups(ctx context.Context, region, prefix, token string, limit *int32) ([]Group, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := []string{}
	if strings.HasPrefix(defaultGroup, prefix) {
		names = append(names, defaultGroup)
	}
	for k, g := range s.groups {
		if strings.HasPrefix(k, region+"/") && g.Name != defaultGroup && strings.HasPrefix(g.Name, prefix) {
			names = append(names, g.Name)
		}
	}
	names, next, err := page(names, token, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]Group, 0, len(names))
	for _, n := range names {
		out = append(out, s.groupOut(region, s.groupLocked(region, n)))
	}
	return out, next, nil
}

// page returns the names after token, at most limit (1 to 100) of them,
// and the next token.
func page(names []string, token string, limit *int32) ([]string, string, error) {
	sort.Strings(names)
	if token != "" {
		after, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return nil, "", validation("Invalid NextToken.")
		}
		i := sort.SearchStrings(names, string(after))
		if i < len(names) && names[i] == string(after) {
			i++
		}
		names = names[i:]
	}
	n := 100
	if limit != nil {
		if *limit < 1 || *limit > 100 {
			return nil, "", validation("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100", *limit)
		}
		n = int(*limit)
	}
	if len(names) <= n {
		return names, "", nil
	}
	return names[:n], base64.RawURLEncoding.EncodeToString([]byte(names[n-1])), nil
}

// groupOfARN finds the group a resource ARN names: only groups have tags.
func (s *Service) groupOfARNLocked(resourceARN string) (string, *Group, error) {
	a, err := arn.Parse(resourceARN)
	typ, name := a.ResourceType()
	if err != nil || a.Service != "scheduler" || typ != "schedule-group" {
		return "", nil, validation("Invalid ResourceArn %s: only schedule groups have tags.", resourceARN)
	}
	g := s.groups[mapKey(a.Region, name)]
	if g == nil {
		return "", nil, groupNotFound(name)
	}
	return a.Region, g, nil
}

// TagResource adds tags to a group.
func (s *Service) TagResource(ctx context.Context, resourceARN string, tags []Tag) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	region, g, err := s.groupOfARNLocked(resourceARN)
	if err != nil {
		return err
	}
	next := *g
	next.Tags = maps.Clone(g.Tags)
	if next.Tags == nil {
		next.Tags = map[string]string{}
	}
	maps.Copy(next.Tags, tagMap(tags))
	return s.saveGroupLocked(ctx, region, &next)
}

// UntagResource removes tags of a group.
func (s *Service) UntagResource(ctx context.Context, resourceARN string, keys []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	region, g, err := s.groupOfARNLocked(resourceARN)
	if err != nil {
		return err
	}
	next := *g
	next.Tags = maps.Clone(g.Tags)
	for _, k := range keys {
		delete(next.Tags, k)
	}
	return s.saveGroupLocked(ctx, region, &next)
}

// ListTagsForResource lists a group's tags.
func (s *Service) ListTagsForResource(ctx context.Context, resourceARN string) ([]Tag, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, g, err := s.groupOfARNLocked(resourceARN)
	if err != nil {
		return nil, err
	}
	out := []Tag{}
	for k, v := range g.Tags {
		out = append(out, Tag{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

func (s *Service) saveGroupLocked(ctx context.Context, region string, g *Group) error {
	g.LastModificationDate = s.now()
	if err := s.put(ctx, groupKey(region, g.Name), g); err != nil {
		return err
	}
	s.groups[mapKey(region, g.Name)] = g
	return nil
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
