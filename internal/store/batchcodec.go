package store

import (
	"encoding/binary"
	"errors"
)

// A Batch's binary form, for a log that carries batches to other nodes:
// each operation is a kind byte (batchSet, batchDelete, batchRange), the
// key (uvarint length, bytes) and, for a Set its value and for a range
// deletion its end (uvarint length, bytes).
const (
	batchSet byte = iota + 1
	batchDelete
	batchRange
)

// errBatchCorrupt is what DecodeBatch says of bytes no Batch encodes to.
var errBatchCorrupt = errors.New("store: corrupt batch")

// AppendBinary appends b's binary form to dst.
func (b *Batch) AppendBinary(dst []byte) []byte {
	for _, op := range b.Ops {
		switch {
		case op.End != nil:
			dst = appendBytes(appendBytes(append(dst, batchRange), op.Key), op.End)
		case op.Delete:
			dst = appendBytes(append(dst, batchDelete), op.Key)
		default:
			dst = appendBytes(appendBytes(append(dst, batchSet), op.Key), op.Value)
		}
	}
	return dst
}

func appendBytes(dst, p []byte) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(p))), p...)
}

// DecodeBatch reads a Batch from its binary form; the Batch keeps no
// reference to data.
func DecodeBatch(data []byte) (*Batch, error) {
	b := &Batch{}
	for len(data) > 0 {
		kind := data[0]
		key, rest, err := readBytes(data[1:])
		if err != nil {
			return nil, err
		}
		op := BatchOp{Key: key}
		switch kind {
		case batchSet:
			op.Value, rest, err = readBytes(rest)
			if op.Value == nil {
				op.Value = []byte{}
			}
		case batchDelete:
			op.Delete = true
		case batchRange:
			op.Delete = true
			op.End, rest, err = readBytes(rest)
			if op.End == nil {
				op.End = []byte{}
			}
		default:
			return nil, errBatchCorrupt
		}
		if err != nil {
			return nil, err
		}
		b.Ops = append(b.Ops, op)
		data = rest
	}
	return b, nil
}

func readBytes(data []byte) (p, rest []byte, err error) {
	n, w := binary.Uvarint(data)
	if w <= 0 || n > uint64(len(data)-w) {
		return nil, nil, errBatchCorrupt
	}
	data = data[w:]
	if n == 0 {
		return nil, data, nil
	}
	return append([]byte(nil), data[:n]...), data[n:], nil
}
