package s3

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"strconv"
	"strings"

	"github.com/nubo-dev/nubo/internal/awserr"
)

// Checksum algorithms and types as S3 names them.
const (
	AlgCRC32     = "CRC32"
	AlgCRC32C    = "CRC32C"
	AlgCRC64NVME = "CRC64NVME"
	AlgSHA1      = "SHA1"
	AlgSHA256    = "SHA256"

	ChecksumComposite  = "COMPOSITE"
	ChecksumFullObject = "FULL_OBJECT"
)

// Checksums are the x-amz-checksum-* values of a request or response,
// base64 as on the wire (a composite one ends in "-N", N parts).
type Checksums struct {
	ChecksumCRC32     string `json:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string `json:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string `json:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string `json:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string `json:"ChecksumSHA256,omitempty"`
}

func (c *Checksums) field(alg string) *string {
	switch alg {
	case AlgCRC32:
		return &c.ChecksumCRC32
	case AlgCRC32C:
		return &c.ChecksumCRC32C
	case AlgCRC64NVME:
		return &c.ChecksumCRC64NVME
	case AlgSHA1:
		return &c.ChecksumSHA1
	case AlgSHA256:
		return &c.ChecksumSHA256
	}
	return nil
}

// only returns the one algorithm given a value, "" for none; more than one
// is refused as S3 does.
func (c Checksums) only() (alg, value string, err error) {
	for _, a := range algorithmNames {
		if v := *c.field(a); v != "" {
			if alg != "" {
				return "", "", invalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
			}
			alg, value = a, v
		}
	}
	return alg, value, nil
}

var algorithmNames = []string{AlgCRC32, AlgCRC32C, AlgCRC64NVME, AlgSHA1, AlgSHA256}

// crc64NVME is the CRC-64/NVME table (reversed polynomial 0x9a6c9329ac4bc9b5).
var crc64NVME = crc64.MakeTable(0x9a6c9329ac4bc9b5)

// algorithm describes one checksum algorithm: how to hash, and for CRCs
// the reversed polynomial and width that full-object combining needs.
type algorithm struct {
	name  string
	size  int
	new   func() hash.Hash
	poly  uint64
	width uint
}

var algorithms = map[string]*algorithm{
	AlgCRC32:     {name: AlgCRC32, size: 4, new: func() hash.Hash { return crc32.NewIEEE() }, poly: crc32.IEEE, width: 32},
	AlgCRC32C:    {name: AlgCRC32C, size: 4, new: func() hash.Hash { return crc32.New(crc32.MakeTable(crc32.Castagnoli)) }, poly: crc32.Castagnoli, width: 32},
	AlgCRC64NVME: {name: AlgCRC64NVME, size: 8, new: func() hash.Hash { return crc64.New(crc64NVME) }, poly: 0x9a6c9329ac4bc9b5, width: 64},
	AlgSHA1:      {name: AlgSHA1, size: sha1.Size, new: sha1.New},
	AlgSHA256:    {name: AlgSHA256, size: sha256.Size, new: sha256.New},
}

// lookupAlgorithm accepts the algorithm names of x-amz-sdk-checksum-algorithm
// and x-amz-checksum-algorithm in any case.
func lookupAlgorithm(name string) (*algorithm, error) {
	a := algorithms[strings.ToUpper(name)]
	if a == nil {
		return nil, invalidArgument("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]", "x-amz-checksum-algorithm", name)
	}
	return a, nil
}

// combinable reports whether a full-object checksum can be derived from
// the parts' checksums (CRCs can; SHAs cannot).
func (a *algorithm) combinable() bool { return a.width > 0 }

// checkValue refuses a checksum value that is not base64 of the
// algorithm's size.
func (a *algorithm) checkValue(v string) error {
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(b) != a.size {
		return invalidRequest("Value for x-amz-checksum-%s header is invalid.", strings.ToLower(a.name))
	}
	return nil
}

func (a *algorithm) mismatch() error {
	return awserr.New(ErrBadDigest, "The %s you specified did not match the calculated checksum.", a.name)
}

func encodeSum(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// composite is S3's checksum of checksums for a multipart object: the
// algorithm over the concatenated raw part checksums, then "-N".
func (a *algorithm) composite(parts []string) string {
	h := a.new()
	for _, p := range parts {
		b, _ := base64.StdEncoding.DecodeString(p)
		h.Write(b)
	}
	return encodeSum(h.Sum(nil)) + "-" + strconv.Itoa(len(parts))
}

// fullObject combines the parts' CRCs into the CRC of the whole object,
// as zlib's crc32_combine does, without reading the bytes again.
func (a *algorithm) fullObject(parts []string, sizes []int64) string {
	var crc uint64
	for i, p := range parts {
		b, _ := base64.StdEncoding.DecodeString(p)
		var v uint64
		for _, c := range b {
			v = v<<8 | uint64(c)
		}
		if i == 0 {
			crc = v
			continue
		}
		crc = crcCombine(a.poly, a.width, crc, v, sizes[i])
	}
	out := make([]byte, a.size)
	for i := a.size - 1; i >= 0; i-- {
		out[i] = byte(crc)
		crc >>= 8
	}
	return encodeSum(out)
}

// crcCombine returns the CRC of A||B from crc(A), crc(B) and len(B), for a
// reflected CRC of the given width and reversed polynomial, by applying
// len(B) zero bytes to crc(A) with squared GF(2) operator matrices.
func crcCombine(poly uint64, width uint, crc1, crc2 uint64, len2 int64) uint64 {
	if len2 <= 0 {
		return crc1
	}
	odd := make([]uint64, width)
	even := make([]uint64, width)
	odd[0] = poly // the operator for one zero bit
	row := uint64(1)
	for n := uint(1); n < width; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2Square(even, odd) // two zero bits
	gf2Square(odd, even) // four zero bits
	for {
		gf2Square(even, odd)
		if len2&1 != 0 {
			crc1 = gf2Times(even, crc1)
		}
		len2 >>= 1
		if len2 == 0 {
			break
		}
		gf2Square(odd, even)
		if len2&1 != 0 {
			crc1 = gf2Times(odd, crc1)
		}
		len2 >>= 1
		if len2 == 0 {
			break
		}
	}
	return crc1 ^ crc2
}

func gf2Times(mat []uint64, vec uint64) uint64 {
	var sum uint64
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(square, mat []uint64) {
	for n := range mat {
		square[n] = gf2Times(mat, mat[n])
	}
}
