package s3

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/nubo-dev/nubo/internal/awserr"
)

// Tag limits.
const (
	maxObjectTags = 10
	maxBucketTags = 50
	maxTagKey     = 128
	maxTagValue   = 256
)

func invalidTag(msg string) error { return &awserr.Error{Code: ErrInvalidTag, Message: msg} }

// checkTags applies the rules buckets and objects share: keys of 1 to 128
// characters, values up to 256, no duplicate keys, none under "aws:".
func checkTags(tags []Tag) error {
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		if n := utf8.RuneCountInString(t.Key); n == 0 || n > maxTagKey {
			return invalidTag("The TagKey you have provided is invalid")
		}
		if utf8.RuneCountInString(t.Value) > maxTagValue {
			return invalidTag("The TagValue you have provided is invalid")
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return invalidTag("System tags cannot be added/updated by requester")
		}
		if seen[t.Key] {
			return invalidTag("Cannot provide multiple Tags with the same key")
		}
		seen[t.Key] = true
	}
	return nil
}

func checkBucketTags(tags []Tag) error {
	if len(tags) > maxBucketTags {
		return invalidTag("Bucket tag count cannot be greater than 50")
	}
	return checkTags(tags)
}

func checkObjectTags(tags []Tag) error {
	if len(tags) > maxObjectTags {
		return invalidTag("Object tags cannot be greater than 10")
	}
	return checkTags(tags)
}

// parseTaggingHeader reads x-amz-tagging: URL-encoded query parameters,
// one per tag.
func parseTaggingHeader(h string) ([]Tag, error) {
	if h == "" {
		return nil, nil
	}
	bad := invalidArgument("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.", "x-amz-tagging", h)
	var tags []Tag
	seen := map[string]bool{}
	for _, pair := range strings.Split(h, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil || seen[key] {
			return nil, bad
		}
		seen[key] = true
		tags = append(tags, Tag{Key: key, Value: value})
	}
	if err := checkObjectTags(tags); err != nil {
		return nil, err
	}
	return tags, nil
}
