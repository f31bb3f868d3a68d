package s3

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/nubo-dev/nubo/internal/awserr"
)

// CompletedPart is one part named in CompleteMultipartUpload.
type CompletedPart struct {
	ETag       string `json:"ETag" xml:"ETag"`
	PartNumber int32  `json:"PartNumber" xml:"PartNumber"`
	Checksums
}

// CompletedMultipartUpload is CompleteMultipartUpload's body.
type CompletedMultipartUpload struct {
	XMLName struct{}        `json:"-" xml:"CompleteMultipartUpload"`
	Parts   []CompletedPart `json:"Parts" xml:"Part"`
}

// CompleteMultipartUploadInput is CompleteMultipartUpload's request.
type CompleteMultipartUploadInput struct {
	Bucket          string                    `json:"Bucket"`
	Key             string                    `json:"Key"`
	UploadId        string                    `json:"UploadId"`
	MultipartUpload *CompletedMultipartUpload `json:"MultipartUpload"`
	Checksums
	ChecksumType  string `json:"ChecksumType,omitempty"`
	MpuObjectSize *int64 `json:"MpuObjectSize,omitempty"`
	IfMatch       string `json:"IfMatch,omitempty"`
	IfNoneMatch   string `json:"IfNoneMatch,omitempty"`
}

// CompleteMultipartUploadOutput is its response.
type CompleteMultipartUploadOutput struct {
	Location  string `json:"Location"`
	Bucket    string `json:"Bucket"`
	Key       string `json:"Key"`
	ETag      string `json:"ETag"`
	VersionId string `json:"VersionId,omitempty"`
	Checksums
	ChecksumType string `json:"ChecksumType,omitempty"`
	Expiration   string `json:"Expiration,omitempty"`
}

// CompleteMultipartUpload assembles the named parts into the object
// without copying them: the version's segments are the parts' files, read
// in order. Parts must be in ascending order (InvalidPartOrder), exist with
// their ETags (InvalidPart), and all but the last be at least 5 MiB
// (EntityTooSmall). The ETag is the MD5 of the parts' MD5s, then "-N".
func (s *Service) CompleteMultipartUpload(ctx context.Context, in *CompleteMultipartUploadInput) (*CompleteMultipartUploadOutput, error) {
	if in.MultipartUpload == nil || len(in.MultipartUpload.Parts) == 0 {
		return nil, malformedXML()
	}
	cond, err := s.precheckWrite(ctx, in.Bucket, in.Key, in.IfMatch, in.IfNoneMatch)
	if err != nil {
		return nil, err
	}
	b, release, err := s.commitBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	defer release()
	unclaim, err := s.claimWrite(ctx, b, in.Key, cond)
	if err != nil {
		return nil, err
	}
	defer unclaim()
	u, err := s.findUpload(b, in.Key, in.UploadId)
	if err != nil {
		return s.completedBefore(b, in.Key, in.UploadId, err)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.done {
		return s.completedBefore(b, in.Key, in.UploadId, noSuchUpload(in.UploadId))
	}
	v, used, err := assemble(u, in)
	if err != nil {
		return nil, err
	}
	if err := s.commitVersionIn(ctx, b, v, cond, eventComplete); err != nil {
		return nil, err
	}
	if err := s.dropUploadLocked(ctx, b, u, used); err != nil {
		s.log.Warn("s3: clean up completed upload", "upload", u.rec.ID, "err", err)
	}
	return s.completeOutput(b, v), nil
}

func (s *Service) completeOutput(b *bucket, v *version) *CompleteMultipartUploadOutput {
	out := &CompleteMultipartUploadOutput{
		Location: "/" + b.name + "/" + v.Key, Bucket: b.name, Key: v.Key, ETag: v.ETag,
		VersionId: s.shownVersion(b.name, v), ChecksumType: v.Checksum.Type, Expiration: s.expiration(b.name, v),
	}
	*out.Checksums.field(v.Checksum.Algorithm) = v.Checksum.Value
	return out
}

// completedBefore answers a CompleteMultipartUpload of an upload already
// completed as S3 does, with the object it made (a client retrying a
// completion whose answer it lost), or with notFound when no version of
// the key came from it.
func (s *Service) completedBefore(b *bucket, key, id string, notFound error) (*CompleteMultipartUploadOutput, error) {
	b.mu.RLock()
	var made *version
	if e := b.entryLocked(key); e != nil {
		for _, v := range e.versions {
			if v.Multipart && v.UploadID == id {
				made = v
				break
			}
		}
	}
	b.mu.RUnlock()
	if made == nil {
		return nil, notFound
	}
	return s.completeOutput(b, made), nil
}

// assemble checks the parts list against the upload and builds the
// version it completes into; used are the part numbers it keeps.
func assemble(u *upload, in *CompleteMultipartUploadInput) (*version, map[int]bool, error) {
	alg := u.algorithm()
	var (
		md5s  []byte
		sums  []string
		sizes []int64
		total int64
		used  = map[int]bool{}
		segs  []segment
		parts = in.MultipartUpload.Parts
	)
	for i := 1; i < len(parts); i++ {
		if parts[i].PartNumber <= parts[i-1].PartNumber {
			return nil, nil, awserr.New(ErrInvalidPartOrder, msgInvalidPartOrder).With("UploadId", u.rec.ID)
		}
	}
	for i, cp := range parts {
		p := u.parts[int(cp.PartNumber)]
		if p == nil || !etagMatches(cp.ETag, p.ETag) || !partChecksumMatches(cp.Checksums, alg.name, p.Checksum) {
			return nil, nil, awserr.New(ErrInvalidPart, msgInvalidPart).With("UploadId", u.rec.ID).With("PartNumber", cp.PartNumber).With("ETag", cp.ETag)
		}
		if i < len(parts)-1 && p.Size < minPartSize {
			return nil, nil, awserr.New(ErrEntityTooSmall, msgEntityTooSmall).
				With("ProposedSize", p.Size).With("MinSizeAllowed", minPartSize).
				With("PartNumber", cp.PartNumber).With("ETag", p.ETag)
		}
		raw, _ := hex.DecodeString(strings.Trim(p.ETag, `"`))
		md5s = append(md5s, raw...)
		sums, sizes = append(sums, p.Checksum), append(sizes, p.Size)
		total += p.Size
		used[p.Number] = true
		segs = append(segs, segment{Blob: p.Blob, Size: p.Size, Checksum: p.Checksum})
	}
	if in.MpuObjectSize != nil && *in.MpuObjectSize != total {
		return nil, nil, invalidRequest("The provided 'x-amz-mp-object-size' header value %d does not match what was computed: %d", *in.MpuObjectSize, total)
	}
	sum := md5.Sum(md5s)
	v := &version{
		Key: u.rec.Key, Size: total, ETag: `"` + hex.EncodeToString(sum[:]) + "-" + strconv.Itoa(len(parts)) + `"`,
		Segments: segs, Multipart: true, UploadID: u.rec.ID,
		Headers: u.rec.Headers, Meta: u.rec.Meta, Tags: u.rec.Tags, StorageClass: u.rec.StorageClass,
	}
	if err := setMultipartChecksum(v, u, alg, sums, sizes, in); err != nil {
		return nil, nil, err
	}
	return v, used, nil
}

func partChecksumMatches(given Checksums, alg, stored string) bool {
	v := *given.field(alg)
	return v == "" || v == stored
}

// setMultipartChecksum computes the object's checksum from the parts'
// (composite: a checksum of checksums with "-N"; full object: the CRCs
// combined) and checks the one the request gives, if any.
func setMultipartChecksum(v *version, u *upload, alg *algorithm, sums []string, sizes []int64, in *CompleteMultipartUploadInput) error {
	typ := u.rec.ChecksumType
	if typ == "" {
		typ = ChecksumFullObject // the default CRC64NVME
	}
	if in.ChecksumType != "" && in.ChecksumType != typ {
		return invalidRequest("The upload was created using the %s checksum mode. The complete request must use the same checksum mode.", strings.ToLower(typ))
	}
	v.Checksum = objChecksum{Algorithm: alg.name, Type: typ}
	if typ == ChecksumComposite {
		v.Checksum.Value = alg.composite(sums)
	} else {
		v.Checksum.Value = alg.fullObject(sums, sizes)
	}
	galg, gval, err := in.Checksums.only()
	if err != nil || gval == "" {
		return err
	}
	if galg != alg.name {
		return invalidRequest("Checksum Type mismatch occurred, expected checksum Type: %s, actual checksum Type: %s", strings.ToLower(alg.name), strings.ToLower(galg))
	}
	want, _, _ := strings.Cut(v.Checksum.Value, "-")
	if g, _, _ := strings.Cut(gval, "-"); g != want {
		return awserr.New(ErrBadDigest, "The %s you specified did not match the calculated checksum.", alg.name)
	}
	return nil
}

// commitVersionIn is commitVersion for a caller that already holds the
// bucket's life lock and, for a conditional write, the key's claim.
func (s *Service) commitVersionIn(ctx context.Context, b *bucket, v *version, cond *writeCond, event string) error {
	l := s.keyLock(b.name, v.Key)
	l.Lock()
	defer l.Unlock()
	b.mu.RLock()
	cur, versioning := b.currentLocked(v.Key), b.rec.Versioning
	b.mu.RUnlock()
	if err := cond.recheck(cur); err != nil {
		return err
	}
	v.ID = "null"
	if versioning == VersioningEnabled {
		v.ID = newVersionID()
	}
	v.Seq, v.Modified = s.nextSeq(), s.opts.Now().UTC()
	if err := s.storeVersion(ctx, b.name, v); err != nil {
		return fmt.Errorf("commit %s: %w", v.Key, err)
	}
	b.mu.Lock()
	replaced := b.addLocked(v)
	b.mu.Unlock()
	if replaced != nil {
		s.blobs.remove(replaced.blobs())
	}
	return s.emit(ctx, b, event, v)
}
