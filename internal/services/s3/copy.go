package s3

import (
	"context"
	"io"
	"net/url"
	"strings"
	"time"
)

// copySource is a parsed x-amz-copy-source.
type copySource struct {
	bucket, key, versionID string
}

// parseCopySource reads "bucket/key" (a leading "/" allowed, URL-encoded,
// optionally "?versionId=...").
func parseCopySource(src string) (copySource, error) {
	bad := invalidArgument("Invalid copy source object key", "x-amz-copy-source", src)
	path, query, _ := strings.Cut(src, "?")
	path, err := url.PathUnescape(strings.TrimPrefix(path, "/"))
	if err != nil {
		return copySource{}, bad
	}
	bucket, key, ok := strings.Cut(path, "/")
	if !ok || bucket == "" || key == "" {
		return copySource{}, bad
	}
	cs := copySource{bucket: bucket, key: key}
	if query != "" {
		q, err := url.ParseQuery(query)
		if err != nil {
			return copySource{}, bad
		}
		cs.versionID = q.Get("versionId")
		if cs.versionID != "" && !validVersionID(cs.versionID) {
			return copySource{}, invalidVersionID(cs.versionID)
		}
	}
	return cs, nil
}

// ParseCopySource reads an x-amz-copy-source's bucket, key and version id
// (what a copy is authorised to read); ok is false for one that does not
// parse, which the copy refuses.
func ParseCopySource(src string) (bucket, key, versionID string, ok bool) {
	cs, err := parseCopySource(src)
	return cs.bucket, cs.key, cs.versionID, err == nil
}

// source resolves a copy source and checks its preconditions (failures
// are 412). Its blobs come back pinned; the caller unpins them.
func (s *Service) source(ctx context.Context, cs copySource, cond Conditions) (*version, bool, error) {
	b, err := s.bucket(ctx, cs.bucket)
	if err != nil {
		return nil, false, err
	}
	b.mu.RLock()
	var v *version
	if cs.versionID == "" {
		v = b.currentLocked(cs.key)
	} else {
		v = b.findLocked(cs.key, cs.versionID)
	}
	versioned := b.rec.Versioning != ""
	switch {
	case v == nil && cs.versionID != "":
		err = noSuchVersion(cs.key, cs.versionID)
	case v == nil || v.DeleteMarker && cs.versionID == "":
		err = noSuchKey(cs.key)
	case v.DeleteMarker:
		err = invalidRequest("The source of a copy request may not specifically refer to a delete marker by version id.")
	default:
		s.blobs.pin(v.blobs())
	}
	b.mu.RUnlock()
	if err != nil {
		return nil, false, err
	}
	if err := cond.check(v.ETag, v.Modified, s.opts.Now(), false); err != nil {
		s.blobs.unpin(v.blobs())
		return nil, false, err
	}
	return v, versioned, nil
}

// CopyObjectInput is CopyObject's request.
type CopyObjectInput struct {
	Bucket                      string     `json:"Bucket"`
	Key                         string     `json:"Key"`
	CopySource                  string     `json:"CopySource"`
	CopySourceIfMatch           string     `json:"CopySourceIfMatch,omitempty"`
	CopySourceIfNoneMatch       string     `json:"CopySourceIfNoneMatch,omitempty"`
	CopySourceIfModifiedSince   *time.Time `json:"CopySourceIfModifiedSince,omitempty"`
	CopySourceIfUnmodifiedSince *time.Time `json:"CopySourceIfUnmodifiedSince,omitempty"`
	MetadataDirective           string     `json:"MetadataDirective,omitempty"`
	TaggingDirective            string     `json:"TaggingDirective,omitempty"`
	ObjectHeaders
	Metadata          map[string]string `json:"Metadata,omitempty"`
	StorageClass      string            `json:"StorageClass,omitempty"`
	Tagging           string            `json:"Tagging,omitempty"`
	IfMatch           string            `json:"IfMatch,omitempty"`
	IfNoneMatch       string            `json:"IfNoneMatch,omitempty"`
	ChecksumAlgorithm string            `json:"ChecksumAlgorithm,omitempty"`
}

// CopyObjectResult is CopyObject's body.
type CopyObjectResult struct {
	XMLName      struct{}  `json:"-" xml:"CopyObjectResult"`
	ETag         string    `json:"ETag" xml:"ETag"`
	LastModified time.Time `json:"LastModified" xml:"LastModified"`
	ChecksumType string    `json:"ChecksumType,omitempty" xml:"ChecksumType,omitempty"`
	Checksums
}

// CopyObjectOutput is CopyObject's response.
type CopyObjectOutput struct {
	CopyObjectResult    *CopyObjectResult `json:"CopyObjectResult"`
	CopySourceVersionId string            `json:"CopySourceVersionId,omitempty"`
	VersionId           string            `json:"VersionId,omitempty"`
	Expiration          string            `json:"Expiration,omitempty"`
}

// CopyObject copies an object (up to 5 GiB) without copying its bytes:
// each of its files gets a hard link. Metadata and tags come from the
// source (COPY, the default) or the request (REPLACE); the storage class
// and website redirect are the request's. Copying an object onto itself
// must change something.
func (s *Service) CopyObject(ctx context.Context, in *CopyObjectInput) (*CopyObjectOutput, error) {
	cs, err := parseCopySource(in.CopySource)
	if err != nil {
		return nil, err
	}
	if err := checkDirective(in.MetadataDirective, "metadata"); err != nil {
		return nil, err
	}
	if err := checkDirective(in.TaggingDirective, "tagging"); err != nil {
		return nil, err
	}
	v, err := s.newVersion(in.Key, in.ObjectHeaders, in.Metadata, in.StorageClass, in.Tagging)
	if err != nil {
		return nil, err
	}
	if cs.bucket == in.Bucket && cs.key == in.Key && cs.versionID == "" && in.MetadataDirective != "REPLACE" &&
		in.StorageClass == "" && in.WebsiteRedirectLocation == "" && in.ChecksumAlgorithm == "" {
		return nil, invalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}
	cond, err := s.precheckWrite(ctx, in.Bucket, in.Key, in.IfMatch, in.IfNoneMatch)
	if err != nil {
		return nil, err
	}
	src, srcVersioned, err := s.source(ctx, cs, Conditions{
		IfMatch: in.CopySourceIfMatch, IfNoneMatch: in.CopySourceIfNoneMatch,
		IfModifiedSince: in.CopySourceIfModifiedSince, IfUnmodifiedSince: in.CopySourceIfUnmodifiedSince,
	})
	if err != nil {
		return nil, err
	}
	defer s.blobs.unpin(src.blobs())
	if src.Size > maxPutSize {
		return nil, invalidRequest("The specified copy source is larger than the maximum allowable size for a copy source: %d", int64(maxPutSize))
	}
	if err := s.copyInto(ctx, v, src, in); err != nil {
		return nil, err
	}
	if err := s.commitVersion(ctx, in.Bucket, v, cond, eventCopy); err != nil {
		s.blobs.remove(v.blobs())
		return nil, err
	}
	out := &CopyObjectOutput{
		CopyObjectResult: &CopyObjectResult{ETag: v.ETag, LastModified: v.Modified, ChecksumType: v.Checksum.Type},
		VersionId:        s.shownVersion(in.Bucket, v),
		Expiration:       s.expiration(in.Bucket, v),
	}
	*out.CopyObjectResult.Checksums.field(v.Checksum.Algorithm) = v.Checksum.Value
	if srcVersioned {
		out.CopySourceVersionId = src.ID
	}
	return out, nil
}

func checkDirective(d, what string) error {
	if d != "" && d != "COPY" && d != "REPLACE" {
		return invalidArgument("Unknown "+what+" directive.", "x-amz-"+what+"-directive", d)
	}
	return nil
}

// copyInto gives v the source's bytes (linked), and its metadata and tags
// unless the request replaces them.
func (s *Service) copyInto(ctx context.Context, v, src *version, in *CopyObjectInput) error {
	v.Size, v.ETag, v.Multipart, v.Checksum = src.Size, src.ETag, src.Multipart, src.Checksum
	if in.MetadataDirective != "REPLACE" {
		redirect := v.Headers.WebsiteRedirectLocation
		v.Headers, v.Meta = src.Headers, src.Meta
		v.Headers.WebsiteRedirectLocation = redirect
	}
	if in.TaggingDirective != "REPLACE" {
		v.Tags = src.Tags
	}
	for _, seg := range src.Segments {
		id, err := s.blobs.link(ctx, seg.Blob)
		if err != nil {
			s.blobs.remove(v.blobs())
			return err
		}
		v.Segments = append(v.Segments, segment{Blob: id, Size: seg.Size, Checksum: seg.Checksum})
	}
	if in.ChecksumAlgorithm == "" || strings.EqualFold(in.ChecksumAlgorithm, src.Checksum.Algorithm) {
		return nil
	}
	alg, err := lookupAlgorithm(in.ChecksumAlgorithm)
	if err != nil {
		s.blobs.remove(v.blobs())
		return err
	}
	h := alg.new()
	r := newObjectReader(s.blobs, src, byteRange{Length: src.Size})
	s.blobs.pin(src.blobs()) // the reader's Close unpins its own pin
	_, err = io.Copy(h, r)
	r.Close()
	if err != nil {
		s.blobs.remove(v.blobs())
		return err
	}
	v.Checksum = objChecksum{Algorithm: alg.name, Type: ChecksumFullObject, Value: encodeSum(h.Sum(nil))}
	return nil
}

// UploadPartCopyInput is UploadPartCopy's request.
type UploadPartCopyInput struct {
	Bucket                      string     `json:"Bucket"`
	Key                         string     `json:"Key"`
	UploadId                    string     `json:"UploadId"`
	PartNumber                  int32      `json:"PartNumber"`
	CopySource                  string     `json:"CopySource"`
	CopySourceRange             string     `json:"CopySourceRange,omitempty"`
	CopySourceIfMatch           string     `json:"CopySourceIfMatch,omitempty"`
	CopySourceIfNoneMatch       string     `json:"CopySourceIfNoneMatch,omitempty"`
	CopySourceIfModifiedSince   *time.Time `json:"CopySourceIfModifiedSince,omitempty"`
	CopySourceIfUnmodifiedSince *time.Time `json:"CopySourceIfUnmodifiedSince,omitempty"`
}

// CopyPartResult is UploadPartCopy's body.
type CopyPartResult struct {
	XMLName      struct{}  `json:"-" xml:"CopyPartResult"`
	ETag         string    `json:"ETag" xml:"ETag"`
	LastModified time.Time `json:"LastModified" xml:"LastModified"`
	Checksums
}

// UploadPartCopyOutput is UploadPartCopy's response.
type UploadPartCopyOutput struct {
	CopyPartResult      *CopyPartResult `json:"CopyPartResult"`
	CopySourceVersionId string          `json:"CopySourceVersionId,omitempty"`
}

// UploadPartCopy makes a part of (a range of) an existing object, streamed
// from its files into the part's.
func (s *Service) UploadPartCopy(ctx context.Context, in *UploadPartCopyInput) (*UploadPartCopyOutput, error) {
	if err := checkPartNumber(in.PartNumber); err != nil {
		return nil, err
	}
	cs, err := parseCopySource(in.CopySource)
	if err != nil {
		return nil, err
	}
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	u, err := s.findUpload(b, in.Key, in.UploadId)
	if err != nil {
		return nil, err
	}
	src, srcVersioned, err := s.source(ctx, cs, Conditions{
		IfMatch: in.CopySourceIfMatch, IfNoneMatch: in.CopySourceIfNoneMatch,
		IfModifiedSince: in.CopySourceIfModifiedSince, IfUnmodifiedSince: in.CopySourceIfUnmodifiedSince,
	})
	if err != nil {
		return nil, err
	}
	r := byteRange{Length: src.Size}
	if in.CopySourceRange != "" {
		if r, err = parseCopyRange(in.CopySourceRange, src.Size); err != nil {
			s.blobs.unpin(src.blobs())
			return nil, err
		}
	}
	if r.Length > maxPutSize {
		s.blobs.unpin(src.blobs())
		return nil, entityTooLarge(r.Length, maxPutSize)
	}
	body := newObjectReader(s.blobs, src, r) // Close unpins the source
	got, err := s.receive(ctx, body, expect{length: &r.Length, max: maxPutSize, alg: u.algorithm()})
	body.Close()
	if err != nil {
		return nil, err
	}
	p := &partRecord{Number: int(in.PartNumber), Blob: got.blob, Size: got.size, ETag: quoteETag(got.md5), Checksum: got.checksum}
	if err := s.commitPart(ctx, u, p); err != nil {
		s.blobs.remove([]string{got.blob})
		return nil, err
	}
	out := &UploadPartCopyOutput{CopyPartResult: &CopyPartResult{ETag: p.ETag, LastModified: p.Modified}}
	if u.rec.ChecksumAlgorithm != "" {
		*out.CopyPartResult.Checksums.field(u.rec.ChecksumAlgorithm) = p.Checksum
	}
	if srcVersioned {
		out.CopySourceVersionId = src.ID
	}
	return out, nil
}
