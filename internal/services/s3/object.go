package s3

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
)

// Size limits of S3.
const (
	maxPutSize  = 5 << 30 // one PutObject, one part
	minPartSize = 5 << 20 // every part of a multipart object but the last
	maxParts    = 10000
)

// ObjectHeaders are the system headers stored with an object and returned
// by GET and HEAD.
type ObjectHeaders struct {
	CacheControl            string     `json:"CacheControl,omitempty"`
	ContentDisposition      string     `json:"ContentDisposition,omitempty"`
	ContentEncoding         string     `json:"ContentEncoding,omitempty"`
	ContentLanguage         string     `json:"ContentLanguage,omitempty"`
	ContentType             string     `json:"ContentType,omitempty"`
	Expires                 *time.Time `json:"Expires,omitempty"`
	WebsiteRedirectLocation string     `json:"WebsiteRedirectLocation,omitempty"`
}

var storageClasses = map[string]bool{
	"STANDARD": true, "REDUCED_REDUNDANCY": true, "STANDARD_IA": true, "ONEZONE_IA": true,
	"INTELLIGENT_TIERING": true, "GLACIER": true, "DEEP_ARCHIVE": true, "GLACIER_IR": true,
}

func checkStorageClass(sc string) error {
	if sc != "" && !storageClasses[sc] {
		return awserr.New(ErrInvalidStorageClass, "The storage class you specified is not valid").With("StorageClassRequested", sc)
	}
	return nil
}

// PutObjectInput is PutObject's request. Body is read to its end; nothing
// is visible until it all is on disk. The checksum values (Checksums) are
// read after Body returns io.EOF, so a wire layer that decodes aws-chunked
// trailers may fill them in then.
type PutObjectInput struct {
	Bucket string    `json:"Bucket"`
	Key    string    `json:"Key"`
	Body   io.Reader `json:"-"`
	// ContentLength is the length of Body when known (for an aws-chunked
	// body, x-amz-decoded-content-length); a shorter body is IncompleteBody.
	ContentLength *int64 `json:"ContentLength,omitempty"`
	ContentMD5    string `json:"ContentMD5,omitempty"`
	ObjectHeaders
	Metadata          map[string]string `json:"Metadata,omitempty"`
	StorageClass      string            `json:"StorageClass,omitempty"`
	Tagging           string            `json:"Tagging,omitempty"`
	IfMatch           string            `json:"IfMatch,omitempty"`
	IfNoneMatch       string            `json:"IfNoneMatch,omitempty"`
	ChecksumAlgorithm string            `json:"ChecksumAlgorithm,omitempty"`
	Checksums
	// ContentSHA256 is x-amz-content-sha256 when it is the hex SHA-256 of
	// the body (not UNSIGNED-PAYLOAD or a STREAMING-* value); the body is
	// checked against it before the object is committed.
	ContentSHA256 string `json:"-"`
	// Post marks a browser POST upload: its event is s3:ObjectCreated:Post.
	Post bool `json:"-"`
}

// PutObjectOutput is PutObject's response.
type PutObjectOutput struct {
	ETag      string `json:"ETag"`
	VersionId string `json:"VersionId,omitempty"`
	Checksums
	ChecksumType string `json:"ChecksumType,omitempty"`
	Size         int64  `json:"Size"`
	Expiration   string `json:"Expiration,omitempty"`
}

// PutObject stores an object: its bytes stream to a file that is fsynced
// before the version is committed to the KV store, so a crash leaves the
// previous state or the whole new object. In a versioned bucket it becomes
// a new version; otherwise it replaces the null version. If-None-Match: *
// and If-Match make it a conditional write.
func (s *Service) PutObject(ctx context.Context, in *PutObjectInput) (*PutObjectOutput, error) {
	v, err := s.newVersion(in.Key, in.ObjectHeaders, in.Metadata, in.StorageClass, in.Tagging)
	if err != nil {
		return nil, err
	}
	cond, err := s.precheckWrite(ctx, in.Bucket, in.Key, in.IfMatch, in.IfNoneMatch)
	if err != nil {
		return nil, err
	}
	alg, err := chooseAlgorithm(in.ChecksumAlgorithm, in.Checksums)
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
	v.Size, v.ETag = r.size, quoteETag(r.md5)
	v.Segments = []segment{{Blob: r.blob, Size: r.size, Checksum: r.checksum}}
	v.Checksum = objChecksum{Algorithm: alg.name, Type: ChecksumFullObject, Value: r.checksum}
	event := eventPut
	if in.Post {
		event = eventPost
	}
	if err := s.commitVersion(ctx, in.Bucket, v, cond, event); err != nil {
		s.blobs.remove([]string{r.blob})
		return nil, err
	}
	out := &PutObjectOutput{ETag: v.ETag, VersionId: s.shownVersion(in.Bucket, v), ChecksumType: ChecksumFullObject, Size: v.Size, Expiration: s.expiration(in.Bucket, v)}
	*out.Checksums.field(alg.name) = r.checksum
	return out, nil
}

// newVersion validates what a new object carries besides its bytes.
func (s *Service) newVersion(key string, h ObjectHeaders, meta map[string]string, sc, tagging string) (*version, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	m, err := normalizeMetadata(meta)
	if err != nil {
		return nil, err
	}
	if err := checkStorageClass(sc); err != nil {
		return nil, err
	}
	tags, err := parseTaggingHeader(tagging)
	if err != nil {
		return nil, err
	}
	if sc == "STANDARD" {
		sc = ""
	}
	return &version{Key: key, Headers: h, Meta: m, Tags: tags, StorageClass: sc}, nil
}

// precheckWrite checks the bucket exists and evaluates a conditional
// write against the key as it is now.
func (s *Service) precheckWrite(ctx context.Context, bucket, key, ifMatch, ifNoneMatch string) (*writeCond, error) {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	b.mu.RLock()
	cur := b.currentLocked(key)
	b.mu.RUnlock()
	return checkWrite(ifMatch, ifNoneMatch, key, cur)
}

// chooseAlgorithm is the checksum algorithm of a new object: the one
// declared, else the one a value is given for, else CRC64NVME, which S3
// computes for every object since 2024.
func chooseAlgorithm(declared string, given Checksums) (*algorithm, error) {
	galg, gval, err := given.only()
	if err != nil {
		return nil, err
	}
	name := AlgCRC64NVME
	switch {
	case declared != "":
		name = declared
	case galg != "":
		name = galg
	}
	alg, err := lookupAlgorithm(name)
	if err != nil {
		return nil, err
	}
	if galg != "" && galg != alg.name {
		return nil, invalidRequest("Value for x-amz-checksum-%s header is invalid.", galg)
	}
	if gval != "" {
		if err := alg.checkValue(gval); err != nil {
			return nil, err
		}
	}
	return alg, nil
}

// expect is what a received body must satisfy.
type expect struct {
	length     *int64
	max        int64
	contentMD5 string
	sha256     string
	alg        *algorithm
	given      *Checksums // read after EOF
}

// received is a body on disk, durable, not yet named by any metadata.
type received struct {
	blob     string
	size     int64
	md5      []byte
	checksum string
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// receive streams body into a new blob, hashing as it goes, and checks
// it: size, Content-MD5, x-amz-content-sha256 and the checksum.
func (s *Service) receive(ctx context.Context, body io.Reader, e expect) (*received, error) {
	var wantMD5 []byte
	if e.contentMD5 != "" {
		var err error
		if wantMD5, err = base64.StdEncoding.DecodeString(e.contentMD5); err != nil || len(wantMD5) != md5.Size {
			return nil, awserr.New(ErrInvalidDigest, msgInvalidDigest).With("Content-MD5", e.contentMD5)
		}
	}
	if e.length != nil && *e.length > e.max {
		return nil, entityTooLarge(*e.length, e.max)
	}
	w := s.blobs.create()
	md5h, ck := md5.New(), e.alg.new()
	sinks := []io.Writer{w, ck}
	var sha hash.Hash
	if e.sha256 != "" {
		sha = sha256.New()
		sinks = append(sinks, sha)
	}
	if body == nil {
		body = eofReader{}
	}
	out := newFanout(md5h, sinks...)
	buf := copyBufs.Get().(*[]byte)
	n, err := io.CopyBuffer(out, io.LimitReader(body, e.max+1), *buf)
	copyBufs.Put(buf)
	out.Close()
	if err == nil {
		err = checkBody(n, e, wantMD5, md5h, sha, ck)
	}
	if err != nil {
		w.abort()
		return nil, err
	}
	id, err := w.commit(ctx)
	if err != nil {
		return nil, err
	}
	return &received{blob: id, size: n, md5: md5h.Sum(nil), checksum: encodeSum(ck.Sum(nil))}, nil
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

func checkBody(n int64, e expect, wantMD5 []byte, md5h, sha, ck hash.Hash) error {
	if n > e.max {
		return entityTooLarge(n, e.max)
	}
	if e.length != nil && n != *e.length {
		return awserr.New(ErrIncompleteBody, msgIncompleteBody)
	}
	if wantMD5 != nil && string(wantMD5) != string(md5h.Sum(nil)) {
		return awserr.New(ErrBadDigest, msgBadDigest).With("ExpectedDigest", hex.EncodeToString(wantMD5))
	}
	if sha != nil && hex.EncodeToString(sha.Sum(nil)) != e.sha256 {
		return awserr.New(ErrXAmzContentSHA256Mismatch, msgSHA256Mismatch).
			With("ClientComputedContentSHA256", e.sha256).
			With("S3ComputedContentSHA256", hex.EncodeToString(sha.Sum(nil)))
	}
	if e.given != nil {
		alg, val, err := e.given.only()
		if err != nil {
			return err
		}
		if alg != "" && alg != e.alg.name {
			return invalidRequest("Value for x-amz-checksum-%s header is invalid.", alg)
		}
		if val != "" && val != encodeSum(ck.Sum(nil)) {
			return e.alg.mismatch()
		}
	}
	return nil
}

func entityTooLarge(size, max int64) error {
	return awserr.New(ErrEntityTooLarge, msgEntityTooLarge).With("ProposedSize", size).With("MaxSizeAllowed", max)
}

func quoteETag(sum []byte) string { return `"` + hex.EncodeToString(sum) + `"` }

// commitVersion makes v the key's newest version: it picks v's id by the
// bucket's versioning, writes it to the KV store, updates the index,
// removes the bytes of a null version it replaced, and queues the event
// notification before returning. cond, when set, must still hold.
func (s *Service) commitVersion(ctx context.Context, bucket string, v *version, cond *writeCond, event string) error {
	b, release, err := s.commitBucket(ctx, bucket)
	if err != nil {
		return err
	}
	defer release()
	unclaim, err := s.claimWrite(ctx, b, v.Key, cond)
	if err != nil {
		return err
	}
	defer unclaim()
	return s.commitVersionIn(ctx, b, v, cond, event)
}

func (s *Service) storeVersion(ctx context.Context, bucket string, v *version) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	rev, err := s.kv.Put(ctx, versionKey(bucket, v.Key, v.ID), data)
	if err != nil {
		return fmt.Errorf("store version: %w", err)
	}
	v.rev = rev
	return nil
}

const versionIDChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// newVersionID returns a 32-character id like S3's.
func newVersionID() string {
	var b [32]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = versionIDChars[int(b[i])%len(versionIDChars)]
	}
	return string(b[:])
}

// validVersionID reports whether id could be a version id: "null" or one
// newVersionID makes. Others are InvalidArgument, as on S3.
func validVersionID(id string) bool {
	if id == "null" {
		return true
	}
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func invalidVersionID(id string) error {
	return invalidArgument("Invalid version id specified", "versionId", id)
}

// expiration is x-amz-expiration for a version just written.
func (s *Service) expiration(bucket string, v *version) string {
	b, err := s.bucketNow(bucket)
	if err != nil {
		return ""
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	return expirationHeader(b.rec.Lifecycle, v)
}

// shownVersion is the version id a write's response carries: none for
// the null version (a bucket never versioned, or suspended).
func (s *Service) shownVersion(bucket string, v *version) string {
	if v.ID == "null" {
		return ""
	}
	return v.ID
}
