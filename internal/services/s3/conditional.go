package s3

import (
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
)

// Conditions are a request's HTTP preconditions (RFC 7232) on an object:
// If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since on GET
// and HEAD, and their x-amz-copy-source-if-* twins on a copy's source.
type Conditions struct {
	IfMatch           string
	IfNoneMatch       string
	IfModifiedSince   *time.Time
	IfUnmodifiedSince *time.Time
}

// check evaluates the conditions against an object's ETag and
// LastModified in RFC 7232's order, which is AWS's: a true If-Match
// overrides a false If-Unmodified-Since, and a false If-None-Match (the
// ETag matches) answers 304 even when If-Modified-Since is true. now
// bounds If-Modified-Since: a date in the future is ignored. forRead
// selects 304 (GET, HEAD) over 412 (copy sources) for the None-Match and
// Modified-Since failures.
func (c Conditions) check(etag string, modified, now time.Time, forRead bool) error {
	modified = modified.Truncate(time.Second)
	if c.IfMatch != "" {
		if !etagMatches(c.IfMatch, etag) {
			return preconditionFailed("If-Match")
		}
	} else if c.IfUnmodifiedSince != nil && modified.After(*c.IfUnmodifiedSince) {
		return preconditionFailed("If-Unmodified-Since")
	}
	notModified := func(cond string) error {
		if forRead {
			e := awserr.New(ErrNotModified, msgNotModified)
			e.Header = map[string]string{"ETag": etag, "Last-Modified": modified.UTC().Format(httpTime)}
			return e
		}
		return preconditionFailed(cond)
	}
	if c.IfNoneMatch != "" {
		if etagMatches(c.IfNoneMatch, etag) {
			return notModified("If-None-Match")
		}
	} else if c.IfModifiedSince != nil && !c.IfModifiedSince.After(now) && !modified.After(*c.IfModifiedSince) {
		return notModified("If-Modified-Since")
	}
	return nil
}

// httpTime is the format of HTTP date headers.
const httpTime = "Mon, 02 Jan 2006 15:04:05 GMT"

// etagMatches reports whether a list of entity tags (or "*") names etag.
// Quotes and weak prefixes are ignored, as clients send either.
func etagMatches(list, etag string) bool {
	want := strings.Trim(etag, `"`)
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		if t == "*" {
			return true
		}
		t = strings.TrimPrefix(t, "W/")
		if strings.Trim(t, `"`) == want {
			return true
		}
	}
	return false
}

// writeCond is a conditional write (If-Match, If-None-Match: * on
// PutObject, CopyObject and CompleteMultipartUpload): checked before the
// bytes are received, and again when committing, where a change of the
// key in between is a conflict (409), as S3 reports concurrent writes.
type writeCond struct {
	ifMatch, ifNoneMatch string
	seq                  uint64 // the current version's sequence when checked; 0 for none
}

// checkWrite evaluates a conditional write against the key's current
// version (nil, or a delete marker, when the key does not exist).
func checkWrite(ifMatch, ifNoneMatch, key string, cur *version) (*writeCond, error) {
	if ifMatch == "" && ifNoneMatch == "" {
		return nil, nil
	}
	if ifNoneMatch != "" && ifNoneMatch != "*" {
		return nil, awserr.New(ErrNotImplemented, "A header you provided implies functionality that is not implemented").With("Header", "If-None-Match")
	}
	exists := cur != nil && !cur.DeleteMarker
	if ifNoneMatch == "*" && exists {
		return nil, preconditionFailed("If-None-Match")
	}
	if ifMatch != "" {
		if !exists {
			return nil, noSuchKey(key)
		}
		if !etagMatches(ifMatch, cur.ETag) {
			return nil, preconditionFailed("If-Match")
		}
	}
	wc := &writeCond{ifMatch: ifMatch, ifNoneMatch: ifNoneMatch}
	if cur != nil {
		wc.seq = cur.Seq
	}
	return wc, nil
}

// recheck is the commit-time check: the key must be as it was.
func (wc *writeCond) recheck(cur *version) error {
	if wc == nil {
		return nil
	}
	var seq uint64
	if cur != nil {
		seq = cur.Seq
	}
	if seq != wc.seq {
		return conditionalConflict()
	}
	return nil
}
