package s3

import (
	"context"
	"strings"
	"time"
)

// ObjectTaggingInput names the object (version) of the object tagging
// operations; Tagging is PutObjectTagging's body.
type ObjectTaggingInput struct {
	Bucket    string   `json:"Bucket"`
	Key       string   `json:"Key"`
	VersionId string   `json:"VersionId,omitempty"`
	Tagging   *Tagging `json:"Tagging,omitempty"`
}

// ObjectTaggingOutput is the object tagging operations' response (TagSet
// for GetObjectTagging).
type ObjectTaggingOutput struct {
	XMLName   struct{} `json:"-" xml:"Tagging"`
	VersionId string   `json:"VersionId,omitempty" xml:"-"`
	TagSet    []Tag    `json:"TagSet" xml:"TagSet>Tag"`
}

// GetObjectTagging returns an object version's tags.
func (s *Service) GetObjectTagging(ctx context.Context, in *ObjectTaggingInput) (*ObjectTaggingOutput, error) {
	out := &ObjectTaggingOutput{TagSet: []Tag{}}
	err := s.withVersion(ctx, in, func(b *bucket, v *version) error {
		out.TagSet = append(out.TagSet, v.Tags...)
		out.VersionId = shownID(b, v)
		return nil
	})
	return out, err
}

// PutObjectTagging replaces an object version's tags (up to 10).
func (s *Service) PutObjectTagging(ctx context.Context, in *ObjectTaggingInput) (*ObjectTaggingOutput, error) {
	if in.Tagging == nil {
		return nil, malformedXML()
	}
	if err := checkObjectTags(in.Tagging.TagSet); err != nil {
		return nil, err
	}
	return s.retag(ctx, in, in.Tagging.TagSet, eventTaggingPut)
}

// DeleteObjectTagging removes an object version's tags.
func (s *Service) DeleteObjectTagging(ctx context.Context, in *ObjectTaggingInput) (*ObjectTaggingOutput, error) {
	return s.retag(ctx, in, nil, eventTaggingDelete)
}

func (s *Service) retag(ctx context.Context, in *ObjectTaggingInput, tags []Tag, event string) (*ObjectTaggingOutput, error) {
	out := &ObjectTaggingOutput{}
	err := s.withVersion(ctx, in, func(b *bucket, v *version) error {
		out.VersionId = shownID(b, v)
		if err := s.updateVersionLocked(ctx, b, v, func(nv *version) { nv.Tags = tags }); err != nil {
			return err
		}
		return s.emit(ctx, b, event, v)
	})
	return out, err
}

// withVersion runs fn on the version in names, under the key's lock.
func (s *Service) withVersion(ctx context.Context, in *ObjectTaggingInput, fn func(*bucket, *version) error) error {
	if in.VersionId != "" && !validVersionID(in.VersionId) {
		return invalidVersionID(in.VersionId)
	}
	b, release, err := s.commitBucket(ctx, in.Bucket)
	if err != nil {
		return err
	}
	defer release()
	l := s.keyLock(in.Bucket, in.Key)
	l.Lock()
	defer l.Unlock()
	b.mu.RLock()
	v, err := s.resolveLocked(b, in.Key, in.VersionId)
	b.mu.RUnlock()
	if err != nil {
		return err
	}
	return fn(b, v)
}

func shownID(b *bucket, v *version) string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.rec.Versioning == "" {
		return ""
	}
	return v.ID
}

// GetObjectAttributesInput is GetObjectAttributes' request.
type GetObjectAttributesInput struct {
	Bucket           string   `json:"Bucket"`
	Key              string   `json:"Key"`
	VersionId        string   `json:"VersionId,omitempty"`
	MaxParts         *int32   `json:"MaxParts,omitempty"`
	PartNumberMarker *int32   `json:"PartNumberMarker,omitempty"`
	ObjectAttributes []string `json:"ObjectAttributes"`
}

// Checksum is an object's checksum in GetObjectAttributes.
type Checksum struct {
	Checksums
	ChecksumType string `json:"ChecksumType,omitempty" xml:"ChecksumType,omitempty"`
}

// ObjectPart is one part in GetObjectAttributes.
type ObjectPart struct {
	PartNumber int32 `json:"PartNumber" xml:"PartNumber"`
	Size       int64 `json:"Size" xml:"Size"`
	Checksums
}

// GetObjectAttributesParts are a multipart object's parts.
type GetObjectAttributesParts struct {
	TotalPartsCount      int32        `json:"TotalPartsCount" xml:"PartsCount"`
	PartNumberMarker     int32        `json:"PartNumberMarker" xml:"PartNumberMarker"`
	NextPartNumberMarker int32        `json:"NextPartNumberMarker" xml:"NextPartNumberMarker"`
	MaxParts             int32        `json:"MaxParts" xml:"MaxParts"`
	IsTruncated          bool         `json:"IsTruncated" xml:"IsTruncated"`
	Parts                []ObjectPart `json:"Parts,omitempty" xml:"Part,omitempty"`
}

// GetObjectAttributesOutput is GetObjectAttributes' response; only the
// attributes asked for are set. ETag has no quotes, as S3 answers here.
type GetObjectAttributesOutput struct {
	XMLName      struct{}                  `json:"-" xml:"GetObjectAttributesResponse"`
	LastModified time.Time                 `json:"LastModified" xml:"-"`
	VersionId    string                    `json:"VersionId,omitempty" xml:"-"`
	ETag         string                    `json:"ETag,omitempty" xml:"ETag,omitempty"`
	Checksum     *Checksum                 `json:"Checksum,omitempty" xml:"Checksum,omitempty"`
	ObjectParts  *GetObjectAttributesParts `json:"ObjectParts,omitempty" xml:"ObjectParts,omitempty"`
	StorageClass string                    `json:"StorageClass,omitempty" xml:"StorageClass,omitempty"`
	ObjectSize   *int64                    `json:"ObjectSize,omitempty" xml:"ObjectSize,omitempty"`
}

var objectAttributes = setOf("ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize")

// GetObjectAttributes returns the attributes asked for in one call.
func (s *Service) GetObjectAttributes(ctx context.Context, in *GetObjectAttributesInput) (*GetObjectAttributesOutput, error) {
	want := map[string]bool{}
	for _, a := range in.ObjectAttributes {
		for _, name := range strings.Split(a, ",") {
			name = strings.TrimSpace(name)
			if !objectAttributes[name] {
				return nil, invalidArgument("Invalid attribute name specified.", "x-amz-object-attributes", name)
			}
			want[name] = true
		}
	}
	if len(want) == 0 {
		return nil, invalidArgument("Invalid attribute name specified.", "x-amz-object-attributes", "")
	}
	p, err := s.plan(ctx, &HeadObjectInput{Bucket: in.Bucket, Key: in.Key, VersionId: in.VersionId})
	if err != nil {
		return nil, err
	}
	v := p.v
	s.blobs.unpin(v.blobs())
	out := &GetObjectAttributesOutput{LastModified: v.Modified, VersionId: p.out.VersionId}
	if want["ETag"] {
		out.ETag = strings.Trim(v.ETag, `"`)
	}
	if want["Checksum"] && v.Checksum.Algorithm != "" {
		out.Checksum = &Checksum{ChecksumType: v.Checksum.Type}
		*out.Checksum.field(v.Checksum.Algorithm) = v.Checksum.Value
	}
	if want["StorageClass"] {
		out.StorageClass = v.storageClass()
	}
	if want["ObjectSize"] {
		size := v.Size
		out.ObjectSize = &size
	}
	if want["ObjectParts"] && v.Multipart {
		parts, err := objectParts(v, in.MaxParts, in.PartNumberMarker)
		if err != nil {
			return nil, err
		}
		out.ObjectParts = parts
	}
	return out, nil
}

func objectParts(v *version, maxParts, marker *int32) (*GetObjectAttributesParts, error) {
	limit, err := maxKeys(maxParts, "max-parts")
	if err != nil {
		return nil, err
	}
	op := &GetObjectAttributesParts{TotalPartsCount: int32(len(v.Segments)), MaxParts: int32(limit)}
	if marker != nil {
		op.PartNumberMarker = *marker
	}
	for i, seg := range v.Segments {
		n := int32(i + 1)
		if n <= op.PartNumberMarker {
			continue
		}
		if len(op.Parts) == limit {
			op.IsTruncated = true
			break
		}
		part := ObjectPart{PartNumber: n, Size: seg.Size}
		if v.Checksum.Type == ChecksumComposite {
			*part.Checksums.field(v.Checksum.Algorithm) = seg.Checksum
		}
		op.Parts = append(op.Parts, part)
		op.NextPartNumberMarker = n
	}
	return op, nil
}
