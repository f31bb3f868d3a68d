package store

import (
	"bytes"
	"reflect"
	"testing"
)

func TestBatchBinaryRoundTrip(t *testing.T) {
	var b Batch
	b.Set([]byte("a"), []byte("value"))
	b.Set([]byte("empty"), []byte{})
	b.Delete([]byte("gone"))
	b.DeleteRange([]byte("d\x00"), []byte("d\xff"))
	got, err := DecodeBatch(b.AppendBinary(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Ops, b.Ops) {
		t.Fatalf("got %+v, want %+v", got.Ops, b.Ops)
	}
	if _, err := DecodeBatch([]byte{batchSet, 5, 'a'}); err == nil {
		t.Fatal("a truncated batch decoded")
	}
}

// FuzzDecodeBatch: whatever decodes encodes back to the same bytes'
// meaning, and nothing panics.
func FuzzDecodeBatch(f *testing.F) {
	var b Batch
	b.Set([]byte("k"), []byte("v"))
	b.DeleteRange([]byte("a"), []byte("b"))
	f.Add(b.AppendBinary(nil))
	f.Add([]byte{batchDelete, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := DecodeBatch(data)
		if err != nil {
			return
		}
		again, err := DecodeBatch(b.AppendBinary(nil))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.AppendBinary(nil), b.AppendBinary(nil)) {
			t.Fatal("the batch changed in a round trip")
		}
	})
}
