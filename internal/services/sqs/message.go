package sqs

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nubo-dev/nubo/internal/awserr"
)

// MessageAttribute is one message attribute. DataType is String, Number
// or Binary, optionally followed by a custom label ("Number.int").
type MessageAttribute struct {
	DataType    string
	StringValue string
	BinaryValue []byte
}

// IsBinary reports whether the attribute carries BinaryValue.
func (a MessageAttribute) IsBinary() bool {
	return strings.HasPrefix(a.DataType, "Binary")
}

// Limits of messages and batches, as AWS's.
const (
	maxAttributes     = 10
	maxAttributeName  = 256
	maxDataType       = 256
	maxBatchEntries   = 10
	maxBatchEntryID   = 80
	defaultMaxMessage = 1048576 // 1 MiB since August 2025 (256 KiB before)
	maxDelaySeconds   = 900
	maxVisibility     = 43200
	maxWaitSeconds    = 20
)

var attributeNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// validateAttributes checks message attributes as SendMessage does and
// returns their size (names, types and values) toward the message limit.
func validateAttributes(attrs map[string]MessageAttribute) (int, error) {
	if len(attrs) > maxAttributes {
		return 0, awserr.New(ErrInvalidParameterValue, "Number of message attributes [%d] exceeds the allowed maximum [%d].", len(attrs), maxAttributes)
	}
	size := 0
	for name, a := range attrs {
		if err := validateAttributeName(name); err != nil {
			return 0, err
		}
		if a.DataType == "" {
			return 0, awserr.New(ErrInvalidParameterValue, "The message attribute '%s' must contain non-empty message attribute type.", name)
		}
		base, _, _ := strings.Cut(a.DataType, ".")
		if base != "String" && base != "Number" && base != "Binary" || len(a.DataType) > maxDataType {
			return 0, awserr.New(ErrInvalidParameterValue, "The type of message (user) attribute '%s' is invalid. You must use only the following supported type prefixes: Binary, Number, String.", name)
		}
		switch {
		case base == "Binary" && len(a.BinaryValue) == 0:
			return 0, awserr.New(ErrInvalidParameterValue, "The message attribute '%s' with type 'Binary' must use field 'Binary'.", name)
		case base != "Binary" && a.StringValue == "":
			return 0, awserr.New(ErrInvalidParameterValue, "The message attribute '%s' with type '%s' must use field 'String'.", name, base)
		case base == "Number":
			if _, err := strconv.ParseFloat(a.StringValue, 64); err != nil {
				return 0, awserr.New(ErrInvalidParameterValue, "Can't cast the value of message (user) attribute '%s' to a number.", name)
			}
		case base == "String" && !validText(a.StringValue):
			return 0, awserr.New(ErrInvalidParameterValue, "Message (user) attribute '%s' value contains invalid characters.", name)
		}
		size += len(name) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
	}
	return size, nil
}

func validateAttributeName(name string) error {
	lower := strings.ToLower(name)
	switch {
	case name == "":
		return awserr.New(ErrInvalidParameterValue, "The request must contain non-empty message attribute name.")
	case len(name) > maxAttributeName:
		return awserr.New(ErrInvalidParameterValue, "Message (user) attribute name '%s' exceeds the maximum length of %d characters.", name, maxAttributeName)
	case !attributeNameRE.MatchString(name), strings.HasPrefix(name, "."), strings.HasSuffix(name, "."), strings.Contains(name, ".."):
		return awserr.New(ErrInvalidParameterValue, "Message (user) attribute name '%s' can only contain alphanumeric characters, hyphens (-), underscores (_), or periods (.), and must not start or end with a period or contain consecutive periods.", name)
	case strings.HasPrefix(lower, "aws."), strings.HasPrefix(lower, "amazon."):
		return awserr.New(ErrInvalidParameterValue, "You can't use message attribute names beginning with 'AWS.' or 'Amazon.'. These strings are reserved for internal use.")
	}
	return nil
}

// validText reports whether s holds only the characters SQS accepts:
// #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF.
func validText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == 0x9, r == 0xA, r == 0xD:
		case r >= 0x20 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
		default:
			return false
		}
	}
	return true
}

// MD5OfBody is the hex MD5 of a message body, as SendMessage and
// ReceiveMessage return it.
func MD5OfBody(body string) string {
	sum := md5.Sum([]byte(body))
	return hex.EncodeToString(sum[:])
}

// MD5OfAttributes is the digest AWS returns as MD5OfMessageAttributes (and
// MD5OfMessageSystemAttributes): over the attributes sorted by name, each
// name, data type and value length-prefixed (4 bytes, big-endian), with a
// transport byte (1 string, 2 binary) before the value. "" when there are
// none.
func MD5OfAttributes(attrs map[string]MessageAttribute) string {
	if len(attrs) == 0 {
		return ""
	}
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	h := md5.New()
	field := func(b []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	for _, n := range names {
		a := attrs[n]
		field([]byte(n))
		field([]byte(a.DataType))
		if a.IsBinary() {
			h.Write([]byte{2})
			field(a.BinaryValue)
		} else {
			h.Write([]byte{1})
			field([]byte(a.StringValue))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
