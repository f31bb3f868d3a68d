package dynamodb

import (
	"context"
	"strconv"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
)

// UpdateTimeToLive turns TTL on (on an attribute) or off.
func (s *Service) UpdateTimeToLive(ctx context.Context, scope Scope, in *UpdateTimeToLiveInput) (*UpdateTimeToLiveOutput, error) {
	t, err := s.lockTable(scope, in.TableName)
	if err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
	spec := in.TimeToLiveSpecification
	if spec.AttributeName == "" {
		return nil, validation("1 validation error detected: Value '' at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	m := t.meta
	switch {
	case spec.Enabled && m.TTLAttribute != "":
		return nil, validation("TimeToLive is already enabled")
	case !spec.Enabled && m.TTLAttribute == "":
		return nil, validation("TimeToLive is already disabled")
	case !spec.Enabled && m.TTLAttribute != spec.AttributeName:
		return nil, validation("The attribute name provided does not match the attribute name of the existing TTL")
	}
	m.TTLAttribute = ""
	if spec.Enabled {
		m.TTLAttribute = spec.AttributeName
	}
	if err := s.saveMeta(ctx, t, m, nil); err != nil {
		return nil, err
	}
	return &UpdateTimeToLiveOutput{TimeToLiveSpecification: spec}, nil
}

// DescribeTimeToLive reports TTL.
func (s *Service) DescribeTimeToLive(ctx context.Context, scope Scope, in *DescribeTableInput) (*DescribeTimeToLiveOutput, error) {
	t, err := s.use(scope, in.TableName)
	if err != nil {
		return nil, err
	}
	defer t.release()
	d := TimeToLiveDescription{TimeToLiveStatus: "DISABLED"}
	if t.meta.TTLAttribute != "" {
		d = TimeToLiveDescription{TimeToLiveStatus: "ENABLED", AttributeName: t.meta.TTLAttribute}
	}
	return &DescribeTimeToLiveOutput{TimeToLiveDescription: d}, nil
}

// lockTable returns the named table locked exclusively.
func (s *Service) lockTable(scope Scope, name string) (*table, error) {
	if err := checkTableName(name); err != nil {
		return nil, err
	}
	t := s.lookup(scope, name)
	if t == nil {
		return nil, awserr.New(ErrResourceNotFound, "Requested resource not found: Table: %s not found", name)
	}
	t.mu.Lock()
	if t.deleted {
		t.mu.Unlock()
		return nil, awserr.New(ErrResourceNotFound, "Requested resource not found: Table: %s not found", name)
	}
	return t, nil
}

// expired tells whether item's TTL attribute (a number of epoch seconds)
// is past now. Items without it, or with another type, never expire.
func expired(item Item, ttlAttr string, now int64) bool {
	v, ok := item[ttlAttr]
	if !ok || v.T != attr.N {
		return false
	}
	secs, err := strconv.ParseFloat(v.S, 64)
	return err == nil && secs > 0 && int64(secs) < now
}

// sweepTTL deletes the expired items of t, each under its lock and only
// if still expired, streamed as deletions by the service.
func (s *Service) sweepTTL(ctx context.Context, t *table) error {
	t.mu.RLock()
	defer t.mu.RUnlock()
	ttlAttr := t.meta.TTLAttribute
	if ttlAttr == "" || t.deleted {
		return nil
	}
	now := s.now().Unix()
	var keys []Item
	prefix := indexPrefix(t.meta.ID, 0)
	err := s.db.Scan(ctx, prefix, prefixEnd(prefix), false, func(_, v []byte) bool {
		item, err := attr.UnmarshalItem(v)
		if err == nil && expired(item, ttlAttr, now) {
			keys = append(keys, t.primaryKey(item))
		}
		return true
	})
	if err != nil {
		return err
	}
	for _, key := range keys {
		if err := s.expire(ctx, t, key, ttlAttr, now); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) expire(ctx context.Context, t *table, key Item, ttlAttr string, now int64) error {
	k := t.itemKey(key)
	unlock := s.locks.lock(k)
	defer unlock()
	old, err := s.readItem(ctx, s.db, k)
	if err != nil || old == nil || !expired(old, ttlAttr, now) {
		return err
	}
	w := newWrite()
	s.change(w, t, old, nil, true)
	return s.commit.Commit(ctx, w)
}

// tableByARN resolves a table ARN, locked exclusively.
func (s *Service) tableByARN(scope Scope, resource string) (*table, error) {
	a, err := arn.Parse(resource)
	typ, name := a.ResourceType()
	if err != nil || a.Service != "dynamodb" || typ != "table" {
		return nil, validation("Invalid TableArn: Invalid ResourceArn provided as input %s", resource)
	}
	t, err := s.lockTable(Scope{Account: a.Account, Region: a.Region}, name)
	if err != nil {
		return nil, awserr.New(ErrResourceNotFound, "Requested resource not found: ResourcArn: %s not found", resource)
	}
	return t, nil
}

// TagResource adds or replaces tags of a table.
func (s *Service) TagResource(ctx context.Context, scope Scope, in *TagResourceInput) error {
	t, err := s.tableByARN(scope, in.ResourceArn)
	if err != nil {
		return err
	}
	defer t.mu.Unlock()
	m := t.meta
	m.Tags = append([]Tag(nil), m.Tags...)
	for _, tag := range in.Tags {
		replaced := false
		for i := range m.Tags {
			if m.Tags[i].Key == tag.Key {
				m.Tags[i].Value, replaced = tag.Value, true
			}
		}
		if !replaced {
			m.Tags = append(m.Tags, tag)
		}
	}
	if len(m.Tags) > 50 {
		return awserr.New(ErrLimitExceeded, "The number of tags on the resource exceeds the limit of 50")
	}
	return s.saveMeta(ctx, t, m, nil)
}

// UntagResource removes tags of a table.
func (s *Service) UntagResource(ctx context.Context, scope Scope, in *UntagResourceInput) error {
	t, err := s.tableByARN(scope, in.ResourceArn)
	if err != nil {
		return err
	}
	defer t.mu.Unlock()
	m := t.meta
	m.Tags = nil
	for _, tag := range t.meta.Tags {
		drop := false
		for _, k := range in.TagKeys {
			drop = drop || k == tag.Key
		}
		if !drop {
			m.Tags = append(m.Tags, tag)
		}
	}
	return s.saveMeta(ctx, t, m, nil)
}

// ListTagsOfResource lists a table's tags.
func (s *Service) ListTagsOfResource(ctx context.Context, scope Scope, in *ListTagsOfResourceInput) (*ListTagsOfResourceOutput, error) {
	t, err := s.tableByARN(scope, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
	tags := append([]Tag{}, t.meta.Tags...)
	return &ListTagsOfResourceOutput{Tags: tags}, nil
}
