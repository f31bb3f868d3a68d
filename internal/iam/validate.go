package iam

import (
	"encoding/base64"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

var (
	namePattern = regexp.MustCompile(`^[\w+=,.@-]+$`)
	pathPattern = regexp.MustCompile(`^(/|/[\x21-\x7E]+/)$`)
)

// checkName validates a user, group, role or policy name: member is the
// input member ("roleName"), max its longest length.
func checkName(member, value string, max int) error {
	switch {
	case value == "":
		return invalid("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
	case len(value) > max:
		return invalid("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", value, member, max)
	case !namePattern.MatchString(value):
		return invalid("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", value, member)
	}
	return nil
}

// checkPath validates a path and returns it, "/" when empty.
func checkPath(path string) (string, error) {
	if path == "" {
		return "/", nil
	}
	if len(path) > 512 || !pathPattern.MatchString(path) {
		return "", invalid("1 validation error detected: Value '%s' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)", path)
	}
	return path, nil
}

// docSize is a policy's size as IAM counts it against its quotas:
// characters, without white space.
func docSize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// Quotas of policy sizes, in characters without white space.
const (
	managedPolicyQuota = 6144
	trustPolicyQuota   = 2048 // ACLSizePerRole
	userInlineQuota    = 2048
	groupInlineQuota   = 5120
	roleInlineQuota    = 10240
	attachedQuota      = 10 // managed policies per user, group or role
	versionsQuota      = 5
	accessKeysQuota    = 2
)

// paginate returns a page of items (sorted by key) after the marker.
func paginate[T any](items []T, key func(T) string, pg Page) ([]T, Truncation, error) {
	max := pg.MaxItems
	if max == 0 {
		max = 100
	}
	if max < 1 || max > 1000 {
		return nil, Truncation{}, invalid("1 validation error detected: Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000", max)
	}
	slices.SortFunc(items, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	start := 0
	if pg.Marker != "" {
		after, err := base64.RawURLEncoding.DecodeString(pg.Marker)
		if err != nil {
			return nil, Truncation{}, awsInvalidInput("Invalid Marker.")
		}
		start, _ = slices.BinarySearchFunc(items, string(after), func(t T, k string) int {
			if key(t) <= k {
				return -1
			}
			return 1
		})
	}
	end := min(start+max, len(items))
	page := items[start:end]
	var tr Truncation
	if end < len(items) {
		tr = Truncation{IsTruncated: true, Marker: base64.RawURLEncoding.EncodeToString([]byte(key(items[end-1])))}
	}
	return page, tr, nil
}
