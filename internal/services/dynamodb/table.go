package dynamodb

import (
	"sync"

	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
)

// tableMeta is a table's stored definition.
type tableMeta struct {
	ID                 uint64                 `json:"id"`
	Account            string                 `json:"account"`
	Region             string                 `json:"region"`
	Name               string                 `json:"name"`
	Created            float64                `json:"created"`
	Attrs              []AttributeDefinition  `json:"attrs"`
	KeySchema          []KeySchemaElement     `json:"keySchema"`
	BillingMode        string                 `json:"billingMode"`
	Throughput         *ProvisionedThroughput `json:"throughput,omitempty"`
	OnDemand           *OnDemandThroughput    `json:"onDemand,omitempty"`
	Indexes            []indexMeta            `json:"indexes,omitempty"`
	NextIndex          uint16                 `json:"nextIndex"`
	Stream             *streamMeta            `json:"stream,omitempty"`
	OldStreams         []streamMeta           `json:"oldStreams,omitempty"`
	SSE                *SSESpecification      `json:"sse,omitempty"`
	TableClass         string                 `json:"tableClass,omitempty"`
	DeletionProtection bool                   `json:"deletionProtection,omitempty"`
	Tags               []Tag                  `json:"tags,omitempty"`
	TTLAttribute       string                 `json:"ttlAttribute,omitempty"`
}

// indexMeta is a secondary index's definition.
type indexMeta struct {
	No         uint16                 `json:"no"`
	Name       string                 `json:"name"`
	Global     bool                   `json:"global"`
	KeySchema  []KeySchemaElement     `json:"keySchema"`
	Projection Projection             `json:"projection"`
	Throughput *ProvisionedThroughput `json:"throughput,omitempty"`
	OnDemand   *OnDemandThroughput    `json:"onDemand,omitempty"`
}

// streamMeta is a table's stream: one per enabling.
type streamMeta struct {
	ID       uint64  `json:"id"`
	Label    string  `json:"label"`
	ViewType string  `json:"viewType"`
	Created  float64 `json:"created"`
	// Disabled is when the stream was turned off (0 while on); its records
	// stay readable for 24 hours.
	Disabled float64 `json:"disabled,omitempty"`
}

// keySchema is a table's or index's key: names and types.
type keySchema struct {
	hash, sort         string
	hashType, sortType attr.Type
}

// table is an open table. mu is held shared by every item operation for
// its whole length and exclusively by changes of the schema (index
// backfills, stream changes, deletion), so those see no write half done.
type table struct {
	mu      sync.RWMutex
	meta    tableMeta
	key     keySchema
	indexes []*index
	deleted bool
}

// index is an open secondary index.
type index struct {
	meta indexMeta
	key  keySchema
	// attrs are the attributes a projection INCLUDE keeps (nil for ALL).
	attrs map[string]bool
	// keysOnly is a KEYS_ONLY projection.
	keysOnly bool
}

// counts are a table's (index 0) and its indexes' item counts and bytes.
type counts map[uint16][2]int64

func newKeySchema(ks []KeySchemaElement, defs []AttributeDefinition) keySchema {
	var k keySchema
	typeOf := func(name string) attr.Type {
		for _, d := range defs {
			if d.AttributeName == name {
				t, _ := attr.ParseType(d.AttributeType)
				return t
			}
		}
		return attr.Invalid
	}
	for _, e := range ks {
		if e.KeyType == "HASH" {
			k.hash, k.hashType = e.AttributeName, typeOf(e.AttributeName)
		} else {
			k.sort, k.sortType = e.AttributeName, typeOf(e.AttributeName)
		}
	}
	return k
}

func openTable(m tableMeta) *table {
	t := &table{meta: m, key: newKeySchema(m.KeySchema, m.Attrs)}
	for _, im := range m.Indexes {
		t.indexes = append(t.indexes, openIndex(im, m.Attrs, t.key))
	}
	return t
}

func openIndex(m indexMeta, defs []AttributeDefinition, table keySchema) *index {
	ix := &index{meta: m, key: newKeySchema(m.KeySchema, defs)}
	switch m.Projection.ProjectionType {
	case "KEYS_ONLY":
		ix.keysOnly = true
	case "INCLUDE":
		ix.attrs = map[string]bool{}
		for _, a := range m.Projection.NonKeyAttributes {
			ix.attrs[a] = true
		}
	}
	if ix.keysOnly || ix.attrs != nil {
		if ix.attrs == nil {
			ix.attrs = map[string]bool{}
		}
		for _, a := range []string{table.hash, table.sort, ix.key.hash, ix.key.sort} {
			if a != "" {
				ix.attrs[a] = true
			}
		}
	}
	return ix
}

func (t *table) index(name string) *index {
	for _, ix := range t.indexes {
		if ix.meta.Name == name {
			return ix
		}
	}
	return nil
}

// itemKey is the storage key of an item of t (index 0).
func (t *table) itemKey(item Item) []byte {
	k := partitionPrefix(t.meta.ID, 0, item[t.key.hash])
	if t.key.sort != "" {
		k = attr.AppendKey(k, item[t.key.sort])
	}
	return k
}

// entryKey is the storage key of item's entry in ix, or nil when the item
// lacks the index's key attributes (a sparse index holds no entry).
func (t *table) entryKey(ix *index, item Item) []byte {
	pk, ok := item[ix.key.hash]
	if !ok || pk.T != ix.key.hashType {
		return nil
	}
	k := partitionPrefix(t.meta.ID, ix.meta.No, pk)
	if ix.key.sort != "" {
		sk, ok := item[ix.key.sort]
		if !ok || sk.T != ix.key.sortType {
			return nil
		}
		k = attr.AppendKey(k, sk)
	}
	k = attr.AppendKey(k, item[t.key.hash])
	if t.key.sort != "" {
		k = attr.AppendKey(k, item[t.key.sort])
	}
	return k
}

// project is what ix keeps of item.
func (ix *index) project(item Item) Item {
	if ix.attrs == nil {
		return item
	}
	out := make(Item, len(ix.attrs))
	for a := range ix.attrs {
		if v, ok := item[a]; ok {
			out[a] = v
		}
	}
	return out
}

// primaryKey is the part of item that is t's primary key.
func (t *table) primaryKey(item Item) Item {
	k := Item{t.key.hash: item[t.key.hash]}
	if t.key.sort != "" {
		k[t.key.sort] = item[t.key.sort]
	}
	return k
}

// indexKey is what LastEvaluatedKey holds for an entry of ix: the index's
// key and the table's.
func (t *table) indexKey(ix *index, item Item) Item {
	k := t.primaryKey(item)
	if ix != nil {
		k[ix.key.hash] = item[ix.key.hash]
		if ix.key.sort != "" {
			k[ix.key.sort] = item[ix.key.sort]
		}
	}
	return k
}
