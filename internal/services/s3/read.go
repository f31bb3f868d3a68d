package s3

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// HeadObjectInput is HeadObject's request (and GetObject's, which adds
// nothing but the body to the answer).
type HeadObjectInput struct {
	Bucket            string     `json:"Bucket"`
	Key               string     `json:"Key"`
	VersionId         string     `json:"VersionId,omitempty"`
	Range             string     `json:"Range,omitempty"`
	PartNumber        *int32     `json:"PartNumber,omitempty"`
	IfMatch           string     `json:"IfMatch,omitempty"`
	IfNoneMatch       string     `json:"IfNoneMatch,omitempty"`
	IfModifiedSince   *time.Time `json:"IfModifiedSince,omitempty"`
	IfUnmodifiedSince *time.Time `json:"IfUnmodifiedSince,omitempty"`
	ChecksumMode      string     `json:"ChecksumMode,omitempty"`
	// Response* override the stored headers in the answer.
	ResponseCacheControl       string     `json:"ResponseCacheControl,omitempty"`
	ResponseContentDisposition string     `json:"ResponseContentDisposition,omitempty"`
	ResponseContentEncoding    string     `json:"ResponseContentEncoding,omitempty"`
	ResponseContentLanguage    string     `json:"ResponseContentLanguage,omitempty"`
	ResponseContentType        string     `json:"ResponseContentType,omitempty"`
	ResponseExpires            *time.Time `json:"ResponseExpires,omitempty"`
}

// GetObjectInput is GetObject's request.
type GetObjectInput = HeadObjectInput

// HeadObjectOutput is HeadObject's response. A non-empty ContentRange
// means 206 Partial Content.
type HeadObjectOutput struct {
	AcceptRanges  string    `json:"AcceptRanges"`
	LastModified  time.Time `json:"LastModified"`
	ContentLength int64     `json:"ContentLength"`
	ContentRange  string    `json:"ContentRange,omitempty"`
	ETag          string    `json:"ETag"`
	// Expiration is x-amz-expiration: when a lifecycle rule will expire
	// the object.
	Expiration string `json:"Expiration,omitempty"`
	VersionId  string `json:"VersionId,omitempty"`
	ObjectHeaders
	Metadata     map[string]string `json:"Metadata,omitempty"`
	StorageClass string            `json:"StorageClass,omitempty"`
	PartsCount   int               `json:"PartsCount,omitempty"`
	TagCount     int               `json:"TagCount,omitempty"`
	Checksums
	ChecksumType string `json:"ChecksumType,omitempty"`
}

// GetObjectOutput is GetObject's response: Body streams the bytes from disk
// and must be closed.
type GetObjectOutput struct {
	HeadObjectOutput
	Body *ObjectReader `json:"-"`
}

// HeadObject returns an object's metadata, with GetObject's ranges,
// parts and preconditions.
func (s *Service) HeadObject(ctx context.Context, in *HeadObjectInput) (*HeadObjectOutput, error) {
	p, err := s.plan(ctx, in)
	if err != nil {
		return nil, err
	}
	s.blobs.unpin(p.v.blobs())
	return p.out, nil
}

// GetObject returns an object (or a range or part of it) as a stream read
// from disk: nothing is held in memory but a read buffer. A delete marker
// is NoSuchKey (405 MethodNotAllowed when asked by version id), with the
// x-amz-delete-marker header; preconditions give 412 or 304 (NotModified).
func (s *Service) GetObject(ctx context.Context, in *GetObjectInput) (*GetObjectOutput, error) {
	p, err := s.plan(ctx, in)
	if err != nil {
		return nil, err
	}
	return &GetObjectOutput{HeadObjectOutput: *p.out, Body: newObjectReader(s.blobs, p.v, p.r)}, nil
}

// readPlan is a read decided: the version (its blobs pinned), the bytes
// and the headers.
type readPlan struct {
	v   *version
	r   byteRange
	out *HeadObjectOutput
}

func (s *Service) plan(ctx context.Context, in *HeadObjectInput) (*readPlan, error) {
	if in.VersionId != "" && !validVersionID(in.VersionId) {
		return nil, invalidVersionID(in.VersionId)
	}
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	b.mu.RLock()
	v, err := s.resolveLocked(b, in.Key, in.VersionId)
	if err == nil {
		s.blobs.pin(v.blobs())
	}
	b.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	p, err := s.planVersion(b, v, in)
	if err != nil {
		s.blobs.unpin(v.blobs())
		return nil, err
	}
	return p, nil
}

// resolveLocked finds the version a read names (the current one when id
// is ""), turning absences and delete markers into S3's errors.
func (s *Service) resolveLocked(b *bucket, key, id string) (*version, error) {
	var v *version
	if id == "" {
		v = b.currentLocked(key)
		if v == nil {
			return nil, noSuchKey(key)
		}
	} else if v = b.findLocked(key, id); v == nil {
		return nil, noSuchVersion(key, id)
	}
	if v.DeleteMarker {
		shown := v.ID
		if b.rec.Versioning == "" {
			shown = ""
		}
		return nil, deleteMarkerError(key, shown, id != "")
	}
	return v, nil
}

func (s *Service) planVersion(b *bucket, v *version, in *HeadObjectInput) (*readPlan, error) {
	cond := Conditions{IfMatch: in.IfMatch, IfNoneMatch: in.IfNoneMatch, IfModifiedSince: in.IfModifiedSince, IfUnmodifiedSince: in.IfUnmodifiedSince}
	if err := cond.check(v.ETag, v.Modified, s.opts.Now(), true); err != nil {
		return nil, err
	}
	out := s.describe(b, v)
	p := &readPlan{v: v, r: byteRange{Length: v.Size}, out: out}
	switch {
	case in.PartNumber != nil:
		if in.Range != "" {
			return nil, invalidRequest("Cannot specify both Range header and partNumber query parameter")
		}
		r, err := partRange(v, int(*in.PartNumber))
		if err != nil {
			return nil, err
		}
		p.r = r
		out.ContentRange = r.contentRange(v.Size)
	case in.Range != "":
		r, ok, err := ParseRange(in.Range, v.Size)
		if err != nil {
			return nil, err
		}
		if ok {
			p.r = r
			out.ContentRange = r.contentRange(v.Size)
		}
	}
	out.ContentLength = p.r.Length
	if in.ChecksumMode == "ENABLED" && p.r.Length == v.Size && (in.PartNumber == nil || !v.Multipart) {
		*out.Checksums.field(v.Checksum.Algorithm) = v.Checksum.Value
		out.ChecksumType = v.Checksum.Type
	}
	applyOverrides(out, in)
	return p, nil
}

// partRange is the bytes of part n: of a multipart object its nth part;
// of any other object, part 1 is the whole object.
func partRange(v *version, n int) (byteRange, error) {
	if n < 1 || n > maxParts {
		return byteRange{}, invalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", strconv.Itoa(n))
	}
	if !v.Multipart {
		if n != 1 {
			return byteRange{}, invalidRange(fmt.Sprintf("partNumber=%d", n), v.Size)
		}
		return byteRange{Length: v.Size}, nil
	}
	if n > len(v.Segments) {
		return byteRange{}, invalidRange(fmt.Sprintf("partNumber=%d", n), v.Size)
	}
	var start int64
	for _, seg := range v.Segments[:n-1] {
		start += seg.Size
	}
	return byteRange{Start: start, Length: v.Segments[n-1].Size}, nil
}

// describe is a version's headers as GET and HEAD return them.
func (s *Service) describe(b *bucket, v *version) *HeadObjectOutput {
	out := &HeadObjectOutput{
		AcceptRanges: "bytes", LastModified: v.Modified, ContentLength: v.Size, ETag: v.ETag,
		ObjectHeaders: v.Headers, Metadata: v.Meta, PartsCount: v.partsCount(), TagCount: len(v.Tags),
	}
	if v.StorageClass != "" {
		out.StorageClass = v.StorageClass
	}
	b.mu.RLock()
	if b.rec.Versioning != "" {
		out.VersionId = v.ID
	}
	if b.currentLocked(v.Key) == v {
		out.Expiration = expirationHeader(b.rec.Lifecycle, v)
	}
	b.mu.RUnlock()
	return out
}

func applyOverrides(out *HeadObjectOutput, in *HeadObjectInput) {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&out.CacheControl, in.ResponseCacheControl)
	set(&out.ContentDisposition, in.ResponseContentDisposition)
	set(&out.ContentEncoding, in.ResponseContentEncoding)
	set(&out.ContentLanguage, in.ResponseContentLanguage)
	set(&out.ContentType, in.ResponseContentType)
	if in.ResponseExpires != nil {
		out.Expires = in.ResponseExpires
	}
}
