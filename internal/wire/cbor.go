package wire

import (
	"reflect"

	"github.com/fxamacker/cbor/v2"
)

// cborCodec encodes and decodes Smithy RPC v2 CBOR bodies: struct members
// by their json names, timestamps as tag 1, maps with string keys.
var cborCodec = func() struct {
	enc cbor.EncMode
	dec cbor.DecMode
} {
	enc, err := cbor.EncOptions{Time: cbor.TimeUnixDynamic, TimeTag: cbor.EncTagRequired}.EncMode()
	if err != nil {
		panic(err)
	}
	dec, err := cbor.DecOptions{DefaultMapType: reflect.TypeOf(map[string]any(nil))}.DecMode()
	if err != nil {
		panic(err)
	}
	return struct {
		enc cbor.EncMode
		dec cbor.DecMode
	}{enc, dec}
}()
