package dynamodb

import (
	"context"

	"github.com/nubo-dev/nubo/internal/awserr"

	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
)

// UpdateTable changes billing, throughput, deletion protection, streams
// (on or off) and global secondary indexes: a created index is backfilled
// from the table's items in the same batch that stores it, so it is
// ACTIVE and complete when UpdateTable answers.
func (s *Service) UpdateTable(ctx context.Context, scope Scope, in *UpdateTableInput) (*TableOutput, error) {
	t, err := s.lockTable(scope, in.TableName)
	if err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
	m := t.meta
	m.Indexes = append([]indexMeta(nil), m.Indexes...)
	if in.BillingMode != "" {
		m.BillingMode = in.BillingMode
	}
	if in.ProvisionedThroughput != nil || in.BillingMode != "" {
		m.Throughput = in.ProvisionedThroughput
		if err := checkBilling(m.BillingMode, m.Throughput); err != nil {
			return nil, err
		}
	}
	if in.DeletionProtectionEnabled != nil {
		m.DeletionProtection = *in.DeletionProtectionEnabled
	}
	if in.TableClass != "" {
		m.TableClass = in.TableClass
	}
	if in.SSESpecification != nil {
		m.SSE = in.SSESpecification
	}
	if err := s.updateStream(&m, in.StreamSpecification); err != nil {
		return nil, err
	}
	var created []indexMeta
	for _, u := range in.GlobalSecondaryIndexUpdates {
		if created, err = s.updateIndex(&m, in.AttributeDefinitions, u, created); err != nil {
			return nil, err
		}
	}
	if err := checkIndexes(m); err != nil {
		return nil, err
	}
	dropped := droppedIndexes(t.meta, m)
	err = s.saveMeta(ctx, t, m, func(w *write) {
		for _, no := range dropped {
			w.batch.DeleteRange(indexPrefix(m.ID, no), prefixEnd(indexPrefix(m.ID, no)))
		}
		s.backfill(ctx, w, t, m, created)
	})
	if err != nil {
		return nil, err
	}
	d := s.describe(t, s.commit.get(t))
	d.TableStatus = "UPDATING"
	return &TableOutput{TableDescription: d}, nil
}

func (s *Service) updateStream(m *tableMeta, sp *StreamSpecification) error {
	if sp == nil {
		return nil
	}
	switch {
	case sp.StreamEnabled && m.Stream != nil:
		return awserr.New(ErrResourceInUse, "Table already has an enabled stream: %s", tableARN(*m))
	case sp.StreamEnabled:
		if err := checkViewType(sp.StreamViewType); err != nil {
			return err
		}
		m.Stream = s.newStream(sp.StreamViewType)
	case m.Stream == nil:
		return validation("Table already has no stream enabled")
	default:
		old := *m.Stream
		old.Disabled = s.epoch()
		m.OldStreams = append(append([]streamMeta(nil), m.OldStreams...), old)
		m.Stream = nil
	}
	return nil
}

func (s *Service) updateIndex(m *tableMeta, defs []AttributeDefinition, u GlobalSecondaryIndexUpdate, created []indexMeta) ([]indexMeta, error) {
	find := func(name string) int {
		for i, ix := range m.Indexes {
			if ix.Name == name && ix.Global {
				return i
			}
		}
		return -1
	}
	switch {
	case u.Create != nil:
		g := u.Create
		if find(g.IndexName) >= 0 {
			return nil, validation("One or more parameter values were invalid: Index with name: %s already exists", g.IndexName)
		}
		for _, d := range defs {
			if !hasDefinition(m.Attrs, d.AttributeName) {
				m.Attrs = append(append([]AttributeDefinition(nil), m.Attrs...), d)
			}
		}
		for _, k := range g.KeySchema {
			if !hasDefinition(m.Attrs, k.AttributeName) {
				return nil, validation("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [%s]", k.AttributeName)
			}
		}
		m.NextIndex++
		ix := indexMeta{No: m.NextIndex, Name: g.IndexName, Global: true, KeySchema: g.KeySchema, Projection: g.Projection, Throughput: g.ProvisionedThroughput, OnDemand: g.OnDemandThroughput}
		m.Indexes = append(m.Indexes, ix)
		return append(created, ix), nil
	case u.Delete != nil:
		i := find(u.Delete.IndexName)
		if i < 0 {
			return nil, awserr.New(ErrResourceNotFound, "Requested resource not found: Index: %s not found", u.Delete.IndexName)
		}
		m.Indexes = append(m.Indexes[:i:i], m.Indexes[i+1:]...)
	case u.Update != nil:
		i := find(u.Update.IndexName)
		if i < 0 {
			return nil, awserr.New(ErrResourceNotFound, "Requested resource not found: Index: %s not found", u.Update.IndexName)
		}
		m.Indexes[i].Throughput, m.Indexes[i].OnDemand = u.Update.ProvisionedThroughput, u.Update.OnDemandThroughput
	}
	return created, nil
}

func hasDefinition(defs []AttributeDefinition, name string) bool {
	for _, d := range defs {
		if d.AttributeName == name {
			return true
		}
	}
	return false
}

func droppedIndexes(old, new tableMeta) []uint16 {
	var out []uint16
	for _, o := range old.Indexes {
		kept := false
		for _, n := range new.Indexes {
			kept = kept || n.No == o.No
		}
		if !kept {
			out = append(out, o.No)
		}
	}
	return out
}

// backfill adds the entries of newly created indexes for every item of
// the table to w (the table is locked exclusively).
func (s *Service) backfill(ctx context.Context, w *write, t *table, m tableMeta, created []indexMeta) {
	if len(created) == 0 {
		return
	}
	nt := openTable(m)
	var ixs []*index
	for _, c := range created {
		ixs = append(ixs, nt.index(c.Name))
	}
	prefix := indexPrefix(m.ID, 0)
	s.db.Scan(ctx, prefix, prefixEnd(prefix), false, func(_, v []byte) bool {
		item, err := attr.UnmarshalItem(v)
		if err != nil {
			return true
		}
		for _, ix := range ixs {
			if k := nt.entryKey(ix, item); k != nil {
				p := ix.project(item)
				w.batch.Set(k, attr.MarshalItem(p))
				w.count(t, ix.meta.No, 1, int64(attr.ItemSize(p)))
			}
		}
		return true
	})
}
