package dynamodb

import (
	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
	"github.com/nubo-dev/nubo/internal/services/dynamodb/expr"
)

// checkItem validates an item to be stored in t: its values, its key
// attributes (present, of their declared type, not empty, within size)
// and its size; and its secondary index keys' types.
func (t *table) checkItem(item Item) error {
	for _, v := range item {
		if m := v.Validate(); m != "" {
			return invalid(m)
		}
	}
	for _, k := range []struct {
		name string
		typ  attr.Type
	}{{t.key.hash, t.key.hashType}, {t.key.sort, t.key.sortType}} {
		if k.name == "" {
			continue
		}
		v, ok := item[k.name]
		if !ok {
			return validation("One or more parameter values were invalid: Missing the key %s in the item", k.name)
		}
		if v.T != k.typ {
			return validation("One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s", k.name, k.typ, v.T)
		}
	}
	if err := t.checkKeyValues(item); err != nil {
		return err
	}
	for _, ix := range t.indexes {
		for _, k := range []struct {
			name string
			typ  attr.Type
		}{{ix.key.hash, ix.key.hashType}, {ix.key.sort, ix.key.sortType}} {
			v, ok := item[k.name]
			if k.name == "" || !ok {
				continue
			}
			if v.T != k.typ {
				return validation("One or more parameter values were invalid: Type mismatch for Index Key %s Expected: %s Actual: %s IndexName: %s", k.name, k.typ, v.T, ix.meta.Name)
			}
			if (v.T == attr.S || v.T == attr.B) && v.S == "" {
				return validation("One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty %s value. IndexName: %s, IndexKey: %s", emptyNoun(v.T), ix.meta.Name, k.name)
			}
		}
	}
	if attr.ItemSize(item) > attr.MaxItemSize {
		return validation("Item size has exceeded the maximum allowed size")
	}
	return nil
}

func emptyNoun(t attr.Type) string {
	if t == attr.B {
		return "binary"
	}
	return "string"
}

// checkKeyValues checks the key attributes' values: not empty, not too
// long.
func (t *table) checkKeyValues(item Item) error {
	if v := item[t.key.hash]; (v.T == attr.S || v.T == attr.B) && v.S == "" {
		return validation("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty %s value. Key: %s", emptyNoun(v.T), t.key.hash)
	}
	if t.key.sort != "" {
		if v := item[t.key.sort]; (v.T == attr.S || v.T == attr.B) && v.S == "" {
			return validation("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty %s value. Key: %s", emptyNoun(v.T), t.key.sort)
		}
	}
	if item[t.key.hash].Size() > attr.MaxPartitionSize {
		return validation("One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes")
	}
	if t.key.sort != "" && item[t.key.sort].Size() > attr.MaxSortKeySize {
		return validation("One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes")
	}
	return nil
}

// checkKey validates a Key parameter: exactly the key attributes, of
// their types.
func (t *table) checkKey(key Item) error {
	for _, v := range key {
		if m := v.Validate(); m != "" {
			return invalid(m)
		}
	}
	n := 1
	if t.key.sort != "" {
		n = 2
	}
	if len(key) != n {
		return validation("The provided key element does not match the schema")
	}
	if v, ok := key[t.key.hash]; !ok || v.T != t.key.hashType {
		return validation("The provided key element does not match the schema")
	}
	if t.key.sort != "" {
		if v, ok := key[t.key.sort]; !ok || v.T != t.key.sortType {
			return validation("The provided key element does not match the schema")
		}
	}
	return t.checkKeyValues(key)
}

// request is a parsed request's expressions.
type request struct {
	ctx    *expr.Context
	cond   expr.Cond
	update *expr.Update
	proj   []expr.Path
}

// newRequest checks a request's names and values.
func newRequest(names map[string]string, values map[string]AttributeValue) (*request, error) {
	if values != nil && len(values) == 0 {
		return nil, validation("ExpressionAttributeValues must not be empty")
	}
	if names != nil && len(names) == 0 {
		return nil, validation("ExpressionAttributeNames must not be empty")
	}
	for k, v := range values {
		if m := v.Validate(); m != "" {
			return nil, invalid(m)
		}
		if len(k) < 2 || k[0] != ':' {
			return nil, validation("ExpressionAttributeValues contains invalid key: Syntax error; key: \"%s\"", k)
		}
	}
	for k := range names {
		if len(k) < 2 || k[0] != '#' {
			return nil, validation("ExpressionAttributeNames contains invalid key: Syntax error; key: \"%s\"", k)
		}
	}
	return &request{ctx: expr.NewContext(names, values)}, nil
}

// parse parses a request's condition (of kind condKind), update and
// projection expressions; "" is none.
func (r *request) parse(condKind, cond, update, proj string) error {
	var err error
	if update != "" {
		if r.update, err = expr.ParseUpdate(r.ctx, update); err != nil {
			return asValidation(err)
		}
	}
	if cond != "" {
		if r.cond, err = expr.ParseCondition(r.ctx, condKind, cond); err != nil {
			return asValidation(err)
		}
	}
	if proj != "" {
		if r.proj, err = expr.ParseProjection(r.ctx, proj); err != nil {
			return asValidation(err)
		}
	}
	return nil
}

// finish refuses names and values no expression used, as AWS does.
func (r *request) finish() error {
	return asValidation(r.ctx.CheckUnused())
}

// parseExpressions parses a request's expressions against its names and
// values, then refuses unused ones.
func parseExpressions(names map[string]string, values map[string]AttributeValue, condKind, cond, update, proj string) (*request, error) {
	r, err := newRequest(names, values)
	if err != nil {
		return nil, err
	}
	if err := r.parse(condKind, cond, update, proj); err != nil {
		return nil, err
	}
	return r, r.finish()
}

// project applies a request's projection (nil: the whole item).
func (r *request) project(item Item) Item {
	if item == nil || r.proj == nil {
		return item
	}
	return expr.Project(item, r.proj)
}
