package s3api

import (
	"net/http"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/services/s3"
)

// newObjectHeaders are the headers that describe a new object (PutObject,
// CopyObject with REPLACE, CreateMultipartUpload, a POST upload's fields).
type newObjectHeaders struct {
	CacheControl            string            `json:"-" wire:"header=Cache-Control"`
	ContentDisposition      string            `json:"-" wire:"header=Content-Disposition"`
	ContentEncoding         string            `json:"-" wire:"header=Content-Encoding"`
	ContentLanguage         string            `json:"-" wire:"header=Content-Language"`
	ContentType             string            `json:"-" wire:"header=Content-Type"`
	Expires                 string            `json:"-" wire:"header=Expires"`
	WebsiteRedirectLocation string            `json:"-" wire:"header=x-amz-website-redirect-location"`
	Metadata                map[string]string `json:"-" wire:"headers=x-amz-meta-"`
	StorageClass            string            `json:"-" wire:"header=x-amz-storage-class"`
	Tagging                 string            `json:"-" wire:"header=x-amz-tagging"`
	ACL                     string            `json:"-" wire:"header=x-amz-acl"`
}

// domain returns the system headers to store. aws-chunked is how the
// body was sent, not how the object is encoded, so S3 drops it from
// Content-Encoding; an Expires that is not an HTTP date is dropped too.
func (h *newObjectHeaders) objectHeaders() s3.ObjectHeaders {
	out := s3.ObjectHeaders{
		CacheControl: h.CacheControl, ContentDisposition: h.ContentDisposition,
		ContentEncoding: contentEncoding(h.ContentEncoding), ContentLanguage: h.ContentLanguage,
		ContentType: h.ContentType, WebsiteRedirectLocation: h.WebsiteRedirectLocation,
	}
	if t, err := http.ParseTime(h.Expires); err == nil {
		out.Expires = &t
	}
	return out
}

// contentEncoding removes aws-chunked from a Content-Encoding list, which
// is otherwise kept as sent.
func contentEncoding(v string) string {
	if !strings.Contains(strings.ToLower(v), "aws-chunked") {
		return v
	}
	var kept []string
	for _, e := range strings.Split(v, ",") {
		if e = strings.TrimSpace(e); e != "" && !strings.EqualFold(e, "aws-chunked") {
			kept = append(kept, e)
		}
	}
	return strings.Join(kept, ", ")
}

// checksums are the x-amz-checksum-* headers, of a request or an answer.
type checksums struct {
	ChecksumCRC32     string `json:"-" wire:"header=x-amz-checksum-crc32"`
	ChecksumCRC32C    string `json:"-" wire:"header=x-amz-checksum-crc32c"`
	ChecksumCRC64NVME string `json:"-" wire:"header=x-amz-checksum-crc64nvme"`
	ChecksumSHA1      string `json:"-" wire:"header=x-amz-checksum-sha1"`
	ChecksumSHA256    string `json:"-" wire:"header=x-amz-checksum-sha256"`
}

func (c checksums) sums() s3.Checksums { return s3.Checksums(c) }

func checksumsOf(c s3.Checksums) checksums { return checksums(c) }

// objectOutput are the headers GetObject and HeadObject answer with.
type objectOutput struct {
	Status                  int               `json:"-" wire:"status"`
	AcceptRanges            string            `json:"-" wire:"header=Accept-Ranges"`
	LastModified            time.Time         `json:"-" wire:"header=Last-Modified"`
	ContentLength           *int64            `json:"-" wire:"header=Content-Length"`
	ContentRange            string            `json:"-" wire:"header=Content-Range"`
	ETag                    string            `json:"-" wire:"header=ETag"`
	Expiration              string            `json:"-" wire:"header=x-amz-expiration"`
	VersionId               string            `json:"-" wire:"header=x-amz-version-id"`
	CacheControl            string            `json:"-" wire:"header=Cache-Control"`
	ContentDisposition      string            `json:"-" wire:"header=Content-Disposition"`
	ContentEncoding         string            `json:"-" wire:"header=Content-Encoding"`
	ContentLanguage         string            `json:"-" wire:"header=Content-Language"`
	ContentType             string            `json:"-" wire:"header=Content-Type"`
	Expires                 *time.Time        `json:"-" wire:"header=Expires"`
	WebsiteRedirectLocation string            `json:"-" wire:"header=x-amz-website-redirect-location"`
	Metadata                map[string]string `json:"-" wire:"headers=x-amz-meta-"`
	StorageClass            string            `json:"-" wire:"header=x-amz-storage-class"`
	PartsCount              int               `json:"-" wire:"header=x-amz-mp-parts-count"`
	TagCount                int               `json:"-" wire:"header=x-amz-tagging-count"`
	checksums
	ChecksumType string `json:"-" wire:"header=x-amz-checksum-type"`
}

// defaultContentType is what S3 answers for an object stored without a
// Content-Type.
const defaultContentType = "binary/octet-stream"

func objectOutputOf(o *s3.HeadObjectOutput) objectOutput {
	n := o.ContentLength
	out := objectOutput{
		AcceptRanges: o.AcceptRanges, LastModified: o.LastModified, ContentLength: &n, ContentRange: o.ContentRange,
		ETag: o.ETag, Expiration: o.Expiration, VersionId: o.VersionId,
		CacheControl: o.CacheControl, ContentDisposition: o.ContentDisposition, ContentEncoding: o.ContentEncoding,
		ContentLanguage: o.ContentLanguage, ContentType: o.ContentType, Expires: o.Expires,
		WebsiteRedirectLocation: o.WebsiteRedirectLocation, Metadata: o.Metadata, StorageClass: o.StorageClass,
		PartsCount: o.PartsCount, TagCount: o.TagCount, checksums: checksumsOf(o.Checksums), ChecksumType: o.ChecksumType,
	}
	if out.ContentType == "" {
		out.ContentType = defaultContentType
	}
	if o.ContentRange != "" {
		out.Status = http.StatusPartialContent
	}
	return out
}

// httpDate parses a conditional request's date; S3 ignores one that is
// not an HTTP date.
func httpDate(v string) *time.Time {
	t, err := http.ParseTime(v)
	if err != nil {
		return nil
	}
	return &t
}
