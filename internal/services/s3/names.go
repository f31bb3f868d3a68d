package s3

import (
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/nubo-dev/nubo/internal/awserr"
)

// Limits of names and metadata.
const (
	maxKeyLength    = 1024
	maxMetadataSize = 2048
)

// Reserved beginnings and endings of bucket names (AWS keeps them for its
// own naming schemes: access point aliases, Object Lambda, multi-Region
// access points, directory and table buckets).
var (
	reservedPrefixes = []string{"xn--", "sthree-", "amzn-s3-demo-"}
	reservedSuffixes = []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"}
)

// ValidBucketName reports whether name follows AWS's naming rules for
// general purpose buckets: 3 to 63 lowercase letters, digits, dots and
// hyphens, starting and ending with a letter or digit, no dot beside a
// dot or a hyphen, not an IPv4 address, and none of the reserved prefixes and
// suffixes.
func ValidBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '.' || c == '-':
			if i == 0 || i == len(name)-1 {
				return false
			}
			// Each dot-separated label starts and ends with a letter or
			// digit: no "..", ".-" or "-.".
			if c == '.' && (name[i-1] == '.' || name[i-1] == '-') || c == '-' && name[i-1] == '.' {
				return false
			}
		default:
			return false
		}
	}
	if addr, err := netip.ParseAddr(name); err == nil && addr.Is4() {
		return false
	}
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	for _, s := range reservedSuffixes {
		if strings.HasSuffix(name, s) {
			return false
		}
	}
	return true
}

func invalidBucketName(name string) error {
	return awserr.New(ErrInvalidBucketName, msgInvalidBucketName).With("BucketName", name)
}

// checkKey refuses object keys S3 refuses: empty, longer than 1024 bytes,
// or not UTF-8.
func checkKey(key string) error {
	if key == "" {
		return invalidArgument("A key must be specified", "key", key)
	}
	if len(key) > maxKeyLength {
		return awserr.New(ErrKeyTooLong, msgKeyTooLong).With("Size", len(key)).With("MaxSizeAllowed", maxKeyLength)
	}
	if !utf8.ValidString(key) {
		return invalidArgument("Object key is not valid UTF-8", "key", key)
	}
	return nil
}

// metadataSize is what S3 counts against the 2 KB limit of user metadata:
// the bytes of every name and value.
func metadataSize(meta map[string]string) int {
	n := 0
	for k, v := range meta {
		n += len(k) + len(v)
	}
	return n
}

// normalizeMetadata lowercases metadata names, as HTTP headers arrive,
// and enforces the 2 KB limit.
func normalizeMetadata(meta map[string]string) (map[string]string, error) {
	if len(meta) == 0 {
		return nil, nil
	}
	if n := metadataSize(meta); n > maxMetadataSize {
		return nil, awserr.New(ErrMetadataTooLarge, msgMetadataTooLarge).With("Size", n).With("MaxSizeAllowed", maxMetadataSize)
	}
	out := make(map[string]string, len(meta))
	for k, v := range meta {
		out[strings.ToLower(k)] = v
	}
	return out, nil
}
