package dynamodb

import (
	"encoding/binary"
	"hash/fnv"

	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
)

// The key space (store.Ordered) is laid out by a first byte:
//
//	'm' account 0 region 0 name      a table's metadata (JSON)
//	'c' table-id                     a table's item counts and sizes
//	'd' table-id index hash pk sk    an item (index 0) or an index entry
//	'r' stream-id sequence           a stream record (JSON)
//	't' account 0 region 0 token     a ClientRequestToken (tokens.go)
//	'h' stream-id first-sequence     a stream's shard (shards.go)
//	'a'                              the last entry of the cluster's log applied (replica.go)
//
// Table and stream ids are random 64-bit numbers given at creation, so a
// table re-created under an old name shares nothing with its predecessor
// and a deleted table's items go with one range deletion. Item keys start
// with a 32-bit hash of the partition key, so that a Scan's segments are
// contiguous ranges of the key space; within a partition, entries sort by
// the order-preserving encoding of the sort key (attr.AppendKey), so a
// Query is one range scan: O(log n + k). An index entry's key ends with
// the table's primary key, which makes it unique.
const (
	prefixMeta    = 'm'
	prefixCounts  = 'c'
	prefixData    = 'd'
	prefixRecord  = 'r'
	prefixToken   = 't'
	prefixShard   = 'h'
	prefixApplied = 'a'
)

func metaKey(account, region, name string) []byte {
	k := []byte{prefixMeta}
	k = append(k, account...)
	k = append(k, 0)
	k = append(k, region...)
	k = append(k, 0)
	return append(k, name...)
}

func countsKey(id uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{prefixCounts}, id)
}

// tablePrefix covers every item and index entry of a table.
func tablePrefix(id uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{prefixData}, id)
}

// indexPrefix covers the entries of one index (0: the table's items).
func indexPrefix(id uint64, index uint16) []byte {
	return binary.BigEndian.AppendUint16(tablePrefix(id), index)
}

// partitionHash places a partition in the key space.
func partitionHash(pk attr.Value) uint32 {
	h := fnv.New32a()
	h.Write([]byte{byte(pk.T)})
	h.Write([]byte(pk.S))
	return h.Sum32()
}

// partitionPrefix covers one partition of an index.
func partitionPrefix(id uint64, index uint16, pk attr.Value) []byte {
	k := binary.BigEndian.AppendUint32(indexPrefix(id, index), partitionHash(pk))
	return attr.AppendKey(k, pk)
}

// segmentBounds are the first key of scan segment seg of total, and the
// first key past it (nil for the index's end).
func segmentBounds(id uint64, index uint16, seg, total int) (lower, upper []byte) {
	at := func(s int) []byte {
		h := uint64(s) << 32 / uint64(total)
		return binary.BigEndian.AppendUint32(indexPrefix(id, index), uint32(h))
	}
	lower = at(seg)
	if seg+1 < total {
		return lower, at(seg + 1)
	}
	return lower, prefixEnd(indexPrefix(id, index))
}

func recordKey(stream, seq uint64) []byte {
	k := binary.BigEndian.AppendUint64([]byte{prefixRecord}, stream)
	return binary.BigEndian.AppendUint64(k, seq)
}

// prefixEnd is the first key after every key starting with p.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xFF {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
