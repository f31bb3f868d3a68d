package sigv4

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"strings"
)

// crc64NVME is the table of CRC-64/NVME (polynomial 0xad93d23594c93659,
// given reversed as hash/crc64 expects).
var crc64NVME = crc64.MakeTable(0x9a6c9329ac4bc9b5)

// newChecksum returns the hash of an x-amz-checksum-ALG header, or nil
// for a name that is not one.
func newChecksum(header string) hash.Hash {
	alg, ok := strings.CutPrefix(strings.ToLower(header), "x-amz-checksum-")
	if !ok {
		return nil
	}
	switch alg {
	case "crc32":
		return crc32.NewIEEE()
	case "crc32c":
		return crc32.New(crc32.MakeTable(crc32.Castagnoli))
	case "crc64nvme":
		return crc64.New(crc64NVME)
	case "sha1":
		return sha1.New()
	case "sha256":
		return sha256.New()
	}
	return nil
}

// checksum is one checksum of a payload to check against a value sent in
// a header or a trailer.
type checksum struct {
	name string // x-amz-checksum-crc32, lowercase
	h    hash.Hash
	want string // base64; "" until the trailer gives it
}

// check compares the payload's checksum with the value sent.
func (c *checksum) check() *Error {
	got := base64.StdEncoding.EncodeToString(c.h.Sum(nil))
	if got == c.want {
		return nil
	}
	alg := strings.ToUpper(strings.TrimPrefix(c.name, "x-amz-checksum-"))
	return fail(BadDigest, "The %s you specified did not match the calculated checksum.", alg)
}
