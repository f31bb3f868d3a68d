package dynamodb

import (
	"context"
	"errors"

	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
	"github.com/nubo-dev/nubo/internal/services/dynamodb/expr"
	"github.com/nubo-dev/nubo/internal/store"
)

// readItem reads the item at a storage key (nil when there is none).
func (s *Service) readItem(ctx context.Context, r store.OrderedReader, key []byte) (Item, error) {
	v, err := r.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return attr.UnmarshalItem(v)
}

// change adds to w the change of one item of t from old to new (either
// nil): the item, its index entries, the counts and the stream record.
func (s *Service) change(w *write, t *table, old, new Item, service bool) {
	var key Item
	switch {
	case new != nil:
		key = t.primaryKey(new)
		w.batch.Set(t.itemKey(new), attr.MarshalItem(new))
		w.count(t, 0, 1, int64(attr.ItemSize(new)))
	default:
		key = t.primaryKey(old)
		w.batch.Delete(t.itemKey(old))
	}
	if old != nil {
		w.count(t, 0, -1, -int64(attr.ItemSize(old)))
	}
	for _, ix := range t.indexes {
		var ok, nk []byte
		if old != nil {
			ok = t.entryKey(ix, old)
		}
		if new != nil {
			nk = t.entryKey(ix, new)
		}
		if ok != nil {
			if nk == nil || string(ok) != string(nk) {
				w.batch.Delete(ok)
			}
			w.count(t, ix.meta.No, -1, -int64(attr.ItemSize(ix.project(old))))
		}
		if nk != nil {
			p := ix.project(new)
			w.batch.Set(nk, attr.MarshalItem(p))
			w.count(t, ix.meta.No, 1, int64(attr.ItemSize(p)))
		}
	}
	s.record(w, t, key, old, new, service)
}

// mutation is one item's conditional change: given the item as stored
// (nil when there is none), it returns the new item (nil to delete) or an
// error; keep leaves the item as it is.
type mutation func(old Item) (new Item, keep bool, err error)

// mutate runs m on the item at key of t under the item's lock and stores
// its result durably; it returns the old and new items.
func (s *Service) mutate(ctx context.Context, t *table, key Item, m mutation) (old, new Item, err error) {
	k := t.itemKey(key)
	unlock := s.locks.lock(k)
	defer unlock()
	if old, err = s.readItem(ctx, s.db, k); err != nil {
		return nil, nil, err
	}
	new, keep, err := m(old)
	if err != nil || keep || (old == nil && new == nil) {
		return old, new, err
	}
	w := newWrite()
	s.change(w, t, old, new, false)
	return old, new, s.commit.Commit(ctx, w)
}

// checkCondition evaluates a request's condition on old; a failure
// carries the item when ReturnValuesOnConditionCheckFailure is ALL_OLD.
func checkCondition(cond expr.Cond, old Item, onFailure string) error {
	if cond == nil || expr.Eval(cond, old) {
		return nil
	}
	if onFailure == "ALL_OLD" {
		return conditionFailed(old)
	}
	return conditionFailed(nil)
}

func checkOnFailure(v string) error {
	if v != "" && v != "NONE" && v != "ALL_OLD" {
		return validation("1 validation error detected: Value '%s' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]", v)
	}
	return nil
}

// PutItem stores an item, replacing any with its key, when its condition
// holds.
func (s *Service) PutItem(ctx context.Context, scope Scope, in *PutItemInput) (*PutItemOutput, error) {
	t, err := s.use(scope, in.TableName)
	if err != nil {
		return nil, err
	}
	defer t.release()
	if in.ReturnValues != "" && in.ReturnValues != "NONE" && in.ReturnValues != "ALL_OLD" {
		return nil, validation("ReturnValues can only be ALL_OLD or NONE")
	}
	if err := checkOnFailure(in.ReturnValuesOnConditionCheckFailure); err != nil {
		return nil, err
	}
	if err := t.checkItem(in.Item); err != nil {
		return nil, err
	}
	cond, err := conditionOf(in.ExpressionAttributeNames, in.ExpressionAttributeValues, in.ConditionExpression, in.Expected, in.ConditionalOperator)
	if err != nil {
		return nil, err
	}
	old, _, err := s.mutate(ctx, t, in.Item, func(old Item) (Item, bool, error) {
		return in.Item, false, checkCondition(cond, old, in.ReturnValuesOnConditionCheckFailure)
	})
	if err != nil {
		return nil, err
	}
	out := &PutItemOutput{ConsumedCapacity: s.consumed(in.ReturnConsumedCapacity, t, writeUnits(in.Item, old), true)}
	if in.ReturnValues == "ALL_OLD" {
		out.Attributes = old
	}
	return out, nil
}

// GetItem reads an item by its key. Every read is strongly consistent.
func (s *Service) GetItem(ctx context.Context, scope Scope, in *GetItemInput) (*GetItemOutput, error) {
	t, err := s.use(scope, in.TableName)
	if err != nil {
		return nil, err
	}
	defer t.release()
	r, err := projectionOf(in.ExpressionAttributeNames, in.ProjectionExpression, in.AttributesToGet)
	if err != nil {
		return nil, err
	}
	if err := t.checkKey(in.Key); err != nil {
		return nil, err
	}
	item, err := s.readItem(ctx, s.db, t.itemKey(in.Key))
	if err != nil {
		return nil, err
	}
	return &GetItemOutput{Item: r.project(item), ConsumedCapacity: s.consumed(in.ReturnConsumedCapacity, t, readUnits(item, in.ConsistentRead), false)}, nil
}

// DeleteItem deletes an item by its key when its condition holds.
func (s *Service) DeleteItem(ctx context.Context, scope Scope, in *DeleteItemInput) (*DeleteItemOutput, error) {
	t, err := s.use(scope, in.TableName)
	if err != nil {
		return nil, err
	}
	defer t.release()
	if in.ReturnValues != "" && in.ReturnValues != "NONE" && in.ReturnValues != "ALL_OLD" {
		return nil, validation("ReturnValues can only be ALL_OLD or NONE")
	}
	if err := checkOnFailure(in.ReturnValuesOnConditionCheckFailure); err != nil {
		return nil, err
	}
	if err := t.checkKey(in.Key); err != nil {
		return nil, err
	}
	cond, err := conditionOf(in.ExpressionAttributeNames, in.ExpressionAttributeValues, in.ConditionExpression, in.Expected, in.ConditionalOperator)
	if err != nil {
		return nil, err
	}
	old, _, err := s.mutate(ctx, t, in.Key, func(old Item) (Item, bool, error) {
		return nil, false, checkCondition(cond, old, in.ReturnValuesOnConditionCheckFailure)
	})
	if err != nil {
		return nil, err
	}
	out := &DeleteItemOutput{ConsumedCapacity: s.consumed(in.ReturnConsumedCapacity, t, writeUnits(nil, old), true)}
	if in.ReturnValues == "ALL_OLD" {
		out.Attributes = old
	}
	return out, nil
}

var updateReturnValues = map[string]bool{"": true, "NONE": true, "ALL_OLD": true, "UPDATED_OLD": true, "ALL_NEW": true, "UPDATED_NEW": true}

// UpdateItem changes an item's attributes (creating the item when it does
// not exist) when its condition holds.
func (s *Service) UpdateItem(ctx context.Context, scope Scope, in *UpdateItemInput) (*UpdateItemOutput, error) {
	t, err := s.use(scope, in.TableName)
	if err != nil {
		return nil, err
	}
	defer t.release()
	if !updateReturnValues[in.ReturnValues] {
		return nil, validation("1 validation error detected: Value '%s' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]", in.ReturnValues)
	}
	if err := checkOnFailure(in.ReturnValuesOnConditionCheckFailure); err != nil {
		return nil, err
	}
	if err := t.checkKey(in.Key); err != nil {
		return nil, err
	}
	u, cond, err := updateOf(t, in)
	if err != nil {
		return nil, err
	}
	old, new, err := s.mutate(ctx, t, in.Key, func(old Item) (Item, bool, error) {
		if err := checkCondition(cond, old, in.ReturnValuesOnConditionCheckFailure); err != nil {
			return nil, false, err
		}
		return t.applyUpdate(u, old, in.Key)
	})
	if err != nil {
		return nil, err
	}
	out := &UpdateItemOutput{ConsumedCapacity: s.consumed(in.ReturnConsumedCapacity, t, writeUnits(new, old), true)}
	switch in.ReturnValues {
	case "ALL_OLD":
		out.Attributes = old
	case "ALL_NEW":
		out.Attributes = new
	case "UPDATED_OLD":
		out.Attributes = updated(u, old)
	case "UPDATED_NEW":
		out.Attributes = updated(u, new)
	}
	return out, nil
}

// updated is what an update touched of item (nil when nothing).
func updated(u updater, item Item) Item {
	if item == nil {
		return nil
	}
	out := expr.Project(item, u.paths())
	if len(out) == 0 {
		return nil
	}
	return out
}

// applyUpdate applies u to old (or to a new item of key), refusing
// changes of key attributes and items that break t's rules.
func (t *table) applyUpdate(u updater, old, key Item) (Item, bool, error) {
	base := old
	if base == nil {
		base = attr.CloneItem(key)
	}
	for _, p := range u.paths() {
		if p[0].Name == t.key.hash || p[0].Name == t.key.sort {
			return nil, false, validation("One or more parameter values were invalid: Cannot update attribute %s. This attribute is part of the key", p[0].Name)
		}
	}
	new, err := u.apply(base)
	if err != nil {
		return nil, false, asValidation(err)
	}
	if err := t.checkItem(new); err != nil {
		if attr.ItemSize(new) > attr.MaxItemSize {
			return nil, false, validation("Item size to update has exceeded the maximum allowed size")
		}
		return nil, false, err
	}
	return new, false, nil
}
