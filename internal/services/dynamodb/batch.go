package dynamodb

import (
	"context"

	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
)

// KeysAndAttributes is one table's part of BatchGetItem.
type KeysAndAttributes struct {
	Keys                     []Item            `json:"Keys"`
	AttributesToGet          []string          `json:"AttributesToGet,omitempty"`
	ConsistentRead           bool              `json:"ConsistentRead,omitempty"`
	ProjectionExpression     string            `json:"ProjectionExpression,omitempty"`
	ExpressionAttributeNames map[string]string `json:"ExpressionAttributeNames,omitempty"`
}

// BatchGetItemInput is BatchGetItem's request.
type BatchGetItemInput struct {
	RequestItems           map[string]KeysAndAttributes `json:"RequestItems"`
	ReturnConsumedCapacity string                       `json:"ReturnConsumedCapacity,omitempty"`
}

// BatchGetItemOutput is BatchGetItem's response. nubo does not throttle;
// keys past 16 MB of items are UnprocessedKeys, as in AWS.
type BatchGetItemOutput struct {
	Responses        map[string][]Item            `json:"Responses"`
	UnprocessedKeys  map[string]KeysAndAttributes `json:"UnprocessedKeys"`
	ConsumedCapacity []ConsumedCapacity           `json:"ConsumedCapacity,omitempty"`
}

// WriteRequest is one put or delete of BatchWriteItem.
type WriteRequest struct {
	PutRequest    *struct{ Item Item } `json:"PutRequest,omitempty"`
	DeleteRequest *struct{ Key Item }  `json:"DeleteRequest,omitempty"`
}

// BatchWriteItemInput is BatchWriteItem's request.
type BatchWriteItemInput struct {
	RequestItems                map[string][]WriteRequest `json:"RequestItems"`
	ReturnConsumedCapacity      string                    `json:"ReturnConsumedCapacity,omitempty"`
	ReturnItemCollectionMetrics string                    `json:"ReturnItemCollectionMetrics,omitempty"`
}

// BatchWriteItemOutput is BatchWriteItem's response. UnprocessedItems is
// empty because every write is stored when it answers: nubo does not
// throttle, and a failure to store fails the whole request.
type BatchWriteItemOutput struct {
	UnprocessedItems      map[string][]WriteRequest          `json:"UnprocessedItems"`
	ItemCollectionMetrics map[string][]ItemCollectionMetrics `json:"ItemCollectionMetrics,omitempty"`
	ConsumedCapacity      []ConsumedCapacity                 `json:"ConsumedCapacity,omitempty"`
}

// batchGetBytes is how much BatchGetItem returns at most.
const batchGetBytes = 16 << 20

// BatchGetItem reads up to 100 items from one or more tables, at most 16
// MB of them: the keys left are returned as UnprocessedKeys.
func (s *Service) BatchGetItem(ctx context.Context, scope Scope, in *BatchGetItemInput) (*BatchGetItemOutput, error) {
	n := 0
	for _, ka := range in.RequestItems {
		n += len(ka.Keys)
	}
	if n > 100 {
		return nil, validation("Too many items requested for the BatchGetItem call")
	}
	if len(in.RequestItems) == 0 {
		return nil, validation("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	held := &tableSet{s: s, scope: scope}
	defer held.release()
	out := &BatchGetItemOutput{Responses: map[string][]Item{}, UnprocessedKeys: map[string]KeysAndAttributes{}}
	size := 0
	for name, ka := range in.RequestItems {
		if size >= batchGetBytes {
			out.UnprocessedKeys[name] = ka
			continue
		}
		t, err := held.use(name)
		if err != nil {
			return nil, err
		}
		r, err := projectionOf(ka.ExpressionAttributeNames, ka.ProjectionExpression, ka.AttributesToGet)
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		items := []Item{}
		for i, key := range ka.Keys {
			if err := t.checkKey(key); err != nil {
				return nil, err
			}
			k := t.itemKey(key)
			if seen[string(k)] {
				return nil, validation("Provided list of item keys contains duplicates")
			}
			seen[string(k)] = true
			item, err := s.readItem(ctx, s.db, k)
			if err != nil {
				return nil, err
			}
			s.charge(t, readUnits(item, ka.ConsistentRead), 0)
			if item != nil {
				items = append(items, r.project(item))
				size += attr.ItemSize(item)
			}
			if size >= batchGetBytes && i+1 < len(ka.Keys) {
				rest := ka
				rest.Keys = ka.Keys[i+1:]
				out.UnprocessedKeys[name] = rest
				break
			}
		}
		out.Responses[name] = items
	}
	return out, nil
}

// BatchWriteItem puts and deletes up to 25 items in one or more tables.
// Each write is atomic on its own, as in AWS; all are committed together.
func (s *Service) BatchWriteItem(ctx context.Context, scope Scope, in *BatchWriteItemInput) (*BatchWriteItemOutput, error) {
	n := 0
	for _, reqs := range in.RequestItems {
		n += len(reqs)
	}
	if n > 25 || len(in.RequestItems) == 0 {
		return nil, validation("1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]")
	}
	held := &tableSet{s: s, scope: scope}
	defer held.release()
	type op struct {
		t    *table
		key  []byte
		item Item // nil for a delete
	}
	var ops []op
	seen := map[string]bool{}
	for name, reqs := range in.RequestItems {
		t, err := held.use(name)
		if err != nil {
			return nil, err
		}
		for _, r := range reqs {
			var o op
			switch {
			case r.PutRequest != nil && r.DeleteRequest == nil:
				if err := t.checkItem(r.PutRequest.Item); err != nil {
					return nil, err
				}
				o = op{t, t.itemKey(r.PutRequest.Item), r.PutRequest.Item}
			case r.DeleteRequest != nil && r.PutRequest == nil:
				if err := t.checkKey(r.DeleteRequest.Key); err != nil {
					return nil, err
				}
				o = op{t: t, key: t.itemKey(r.DeleteRequest.Key)}
			default:
				return nil, validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
			}
			if seen[string(o.key)] {
				return nil, validation("Provided list of item keys contains duplicates")
			}
			seen[string(o.key)] = true
			ops = append(ops, o)
		}
	}
	keys := make([][]byte, len(ops))
	for i, o := range ops {
		keys[i] = o.key
	}
	unlock := s.locks.lock(keys...)
	defer unlock()
	w := newWrite()
	units := make([]float64, len(ops))
	for i, o := range ops {
		old, err := s.readItem(ctx, s.db, o.key)
		if err != nil {
			return nil, err
		}
		units[i] = writeUnits(o.item, old)
		if old != nil || o.item != nil {
			s.change(w, o.t, old, o.item, false)
		}
	}
	if err := s.commit.Commit(ctx, w); err != nil {
		return nil, err
	}
	for i, o := range ops {
		s.charge(o.t, 0, units[i])
	}
	return &BatchWriteItemOutput{UnprocessedItems: map[string][]WriteRequest{}}, nil
}
