package s3

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// upload is a multipart upload in memory: its record and its parts.
type upload struct {
	rec    uploadRecord
	bucket string

	// mu serialises part commits with Complete and Abort; done is set once
	// either has run.
	mu    sync.Mutex
	parts map[int]*partRecord
	done  bool
}

// algorithm is the checksum algorithm its parts are hashed with: the one
// declared, else CRC64NVME (the default full-object checksum).
func (u *upload) algorithm() *algorithm {
	if u.rec.ChecksumAlgorithm == "" {
		return algorithms[AlgCRC64NVME]
	}
	return algorithms[u.rec.ChecksumAlgorithm]
}

// CreateMultipartUploadInput is CreateMultipartUpload's request.
type CreateMultipartUploadInput struct {
	Bucket string `json:"Bucket"`
	Key    string `json:"Key"`
	ObjectHeaders
	Metadata          map[string]string `json:"Metadata,omitempty"`
	StorageClass      string            `json:"StorageClass,omitempty"`
	Tagging           string            `json:"Tagging,omitempty"`
	ChecksumAlgorithm string            `json:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string            `json:"ChecksumType,omitempty"`
}

// CreateMultipartUploadOutput is its response.
type CreateMultipartUploadOutput struct {
	XMLName           struct{}   `json:"-" xml:"InitiateMultipartUploadResult"`
	Bucket            string     `json:"Bucket" xml:"Bucket"`
	Key               string     `json:"Key" xml:"Key"`
	UploadId          string     `json:"UploadId" xml:"UploadId"`
	ChecksumAlgorithm string     `json:"ChecksumAlgorithm,omitempty" xml:"-"`
	ChecksumType      string     `json:"ChecksumType,omitempty" xml:"-"`
	AbortDate         *time.Time `json:"AbortDate,omitempty" xml:"-"`
	AbortRuleId       string     `json:"AbortRuleId,omitempty" xml:"-"`
}

// CreateMultipartUpload starts an upload with the object's metadata and
// its checksum algorithm and type (COMPOSITE by default, FULL_OBJECT for
// CRC64NVME; FULL_OBJECT is for CRCs only).
func (s *Service) CreateMultipartUpload(ctx context.Context, in *CreateMultipartUploadInput) (*CreateMultipartUploadOutput, error) {
	v, err := s.newVersion(in.Key, in.ObjectHeaders, in.Metadata, in.StorageClass, in.Tagging)
	if err != nil {
		return nil, err
	}
	alg, typ, err := uploadChecksum(in.ChecksumAlgorithm, in.ChecksumType)
	if err != nil {
		return nil, err
	}
	b, release, err := s.commitBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	defer release()
	rec := uploadRecord{
		ID: newUploadID(), Key: in.Key, Seq: s.nextSeq(), Initiated: s.opts.Now().UTC(),
		Headers: v.Headers, Meta: v.Meta, Tags: v.Tags, StorageClass: v.StorageClass,
		ChecksumAlgorithm: alg, ChecksumType: typ,
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	if _, err := s.kv.Put(ctx, uploadKey(b.name, rec.ID), data); err != nil {
		return nil, fmt.Errorf("store upload: %w", err)
	}
	u := &upload{rec: rec, bucket: b.name, parts: map[int]*partRecord{}}
	b.mu.Lock()
	b.uploads.ReplaceOrInsert(u)
	b.mu.Unlock()
	out := &CreateMultipartUploadOutput{Bucket: b.name, Key: in.Key, UploadId: rec.ID, ChecksumAlgorithm: alg, ChecksumType: typ}
	out.AbortDate, out.AbortRuleId = s.abortInfo(b, u)
	return out, nil
}

func uploadChecksum(alg, typ string) (string, string, error) {
	if alg == "" {
		if typ != "" {
			return "", "", invalidRequest("The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")
		}
		return "", "", nil
	}
	a, err := lookupAlgorithm(alg)
	if err != nil {
		return "", "", err
	}
	switch {
	case typ == "" && a.name == AlgCRC64NVME:
		typ = ChecksumFullObject
	case typ == "":
		typ = ChecksumComposite
	case typ == ChecksumFullObject && !a.combinable():
		return "", "", invalidRequest("The FULL_OBJECT checksum type cannot be used with the %s checksum algorithm.", strings.ToLower(a.name))
	case typ == ChecksumComposite && a.name == AlgCRC64NVME:
		return "", "", invalidRequest("The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.")
	case typ != ChecksumFullObject && typ != ChecksumComposite:
		return "", "", invalidArgument("Value for x-amz-checksum-type header is invalid.", "x-amz-checksum-type", typ)
	}
	return a.name, typ, nil
}

func newUploadID() string {
	var b [48]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// findUpload returns the upload of key with id, or NoSuchUpload.
func (s *Service) findUpload(b *bucket, key, id string) (*upload, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var found *upload
	b.uploads.AscendGreaterOrEqual(&upload{rec: uploadRecord{Key: key}}, func(u *upload) bool {
		if u.rec.Key != key {
			return false
		}
		if u.rec.ID == id {
			found = u
			return false
		}
		return true
	})
	if found == nil {
		return nil, noSuchUpload(id)
	}
	return found, nil
}

func checkPartNumber(n int32) error {
	if n < 1 || n > maxParts {
		return invalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", strconv.Itoa(int(n)))
	}
	return nil
}

// UploadPartInput is UploadPart's request (Body and checksums as in
// PutObjectInput).
type UploadPartInput struct {
	Bucket            string    `json:"Bucket"`
	Key               string    `json:"Key"`
	UploadId          string    `json:"UploadId"`
	PartNumber        int32     `json:"PartNumber"`
	Body              io.Reader `json:"-"`
	ContentLength     *int64    `json:"ContentLength,omitempty"`
	ContentMD5        string    `json:"ContentMD5,omitempty"`
	ChecksumAlgorithm string    `json:"ChecksumAlgorithm,omitempty"`
	Checksums
	ContentSHA256 string `json:"-"`
}

// UploadPartOutput is UploadPart's response.
type UploadPartOutput struct {
	ETag string `json:"ETag"`
	Checksums
}

// UploadPart stores one part (up to 5 GiB) as its own file; uploading a
// part number again replaces the part.
func (s *Service) UploadPart(ctx context.Context, in *UploadPartInput) (*UploadPartOutput, error) {
	if err := checkPartNumber(in.PartNumber); err != nil {
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
	alg, err := partAlgorithm(u, in.ChecksumAlgorithm, in.Checksums)
	if err != nil {
		return nil, err
	}
	r, err := s.receive(ctx, in.Body, expect{
		length: in.ContentLength, max: maxPutSize, contentMD5: in.ContentMD5,
		sha256: in.ContentSHA256, alg: alg, given: &in.Checksums,
	})
	if err != nil {
		return nil, err
	}
	p := &partRecord{Number: int(in.PartNumber), Blob: r.blob, Size: r.size, ETag: quoteETag(r.md5), Checksum: r.checksum}
	if err := s.commitPart(ctx, u, p); err != nil {
		s.blobs.remove([]string{r.blob})
		return nil, err
	}
	out := &UploadPartOutput{ETag: p.ETag}
	if u.rec.ChecksumAlgorithm != "" {
		*out.Checksums.field(alg.name) = p.Checksum
	}
	return out, nil
}

// partAlgorithm is the algorithm a part is hashed with; a part may not
// declare another than its upload's.
func partAlgorithm(u *upload, declared string, given Checksums) (*algorithm, error) {
	galg, gval, err := given.only()
	if err != nil {
		return nil, err
	}
	if declared == "" {
		declared = galg
	}
	if declared != "" && !strings.EqualFold(declared, u.rec.ChecksumAlgorithm) {
		want := "null"
		if u.rec.ChecksumAlgorithm != "" {
			want = strings.ToLower(u.rec.ChecksumAlgorithm)
		}
		return nil, invalidRequest("Checksum Type mismatch occurred, expected checksum Type: %s, actual checksum Type: %s", want, strings.ToLower(declared))
	}
	alg := u.algorithm()
	if gval != "" {
		if err := alg.checkValue(gval); err != nil {
			return nil, err
		}
	}
	return alg, nil
}

// commitPart records a part, replacing one of the same number.
func (s *Service) commitPart(ctx context.Context, u *upload, p *partRecord) error {
	b, release, err := s.commitBucket(ctx, u.bucket)
	if err != nil {
		return err
	}
	defer release()
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.done {
		return noSuchUpload(u.rec.ID)
	}
	p.Modified = s.opts.Now().UTC()
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	rev, err := s.kv.Put(ctx, partKey(b.name, u.rec.ID, p.Number), data)
	if err != nil {
		return fmt.Errorf("store part: %w", err)
	}
	p.rev = rev
	old := u.parts[p.Number]
	if old != nil && old.rev > p.rev { // another node's, followed meanwhile
		s.blobs.remove([]string{p.Blob})
		return nil
	}
	if old != nil {
		s.blobs.remove([]string{old.Blob})
	}
	u.parts[p.Number] = p
	return nil
}

// AbortMultipartUploadInput is AbortMultipartUpload's request.
type AbortMultipartUploadInput struct {
	Bucket   string `json:"Bucket"`
	Key      string `json:"Key"`
	UploadId string `json:"UploadId"`
}

// AbortMultipartUpload discards an upload and its parts.
func (s *Service) AbortMultipartUpload(ctx context.Context, in *AbortMultipartUploadInput) error {
	b, release, err := s.commitBucket(ctx, in.Bucket)
	if err != nil {
		return err
	}
	defer release()
	u, err := s.findUpload(b, in.Key, in.UploadId)
	if err != nil {
		return err
	}
	return s.abortUpload(ctx, b, u)
}

// abortUpload removes an upload's records, then its parts' files. The
// caller holds the bucket's life lock.
func (s *Service) abortUpload(ctx context.Context, b *bucket, u *upload) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.done {
		return noSuchUpload(u.rec.ID)
	}
	if err := s.dropUploadLocked(ctx, b, u, nil); err != nil {
		return err
	}
	return nil
}

// dropUploadLocked ends an upload: its record first (so a crash leaves
// parts without an upload, which start-up removes), then its parts'
// records, then the files of the parts keep does not name.
func (s *Service) dropUploadLocked(ctx context.Context, b *bucket, u *upload, keep map[int]bool) error {
	if err := s.deleteRecord(ctx, uploadKey(b.name, u.rec.ID)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("delete upload: %w", err)
	}
	u.done = true
	b.mu.Lock()
	b.uploads.Delete(u)
	b.mu.Unlock()
	var gone []string
	for n, p := range u.parts {
		if err := s.kv.Delete(ctx, partKey(b.name, u.rec.ID, n)); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.log.Warn("s3: delete part record", "upload", u.rec.ID, "part", n, "err", err)
		}
		if !keep[n] {
			gone = append(gone, p.Blob)
		}
	}
	s.blobs.remove(gone)
	return nil
}
