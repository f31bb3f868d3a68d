package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// The SDK's upload and download managers: a 20 MiB object in 5 MiB parts
// up, ranged GETs down.
func TestS3Managers(t *testing.T) {
	n := sharedNubo(t)
	c := s3Client(n)
	ctx := context.Background()
	b := createBucket(t, c, "managers")
	data := randomBytes(20<<20+123, 1)
	up := manager.NewUploader(c, func(u *manager.Uploader) { u.PartSize = 5 << 20; u.Concurrency = 3 })
	res, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("big.bin"), Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(aws.ToString(res.ETag), `-5"`) {
		t.Errorf("multipart ETag %s", aws.ToString(res.ETag))
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("big.bin")})
	if err != nil || aws.ToInt64(head.ContentLength) != int64(len(data)) {
		t.Fatalf("HeadObject: %v %+v", err, head)
	}
	buf := manager.NewWriteAtBuffer(make([]byte, 0, len(data)))
	down := manager.NewDownloader(c, func(d *manager.Downloader) { d.PartSize = 4 << 20; d.Concurrency = 3 })
	got, err := down.Download(ctx, buf, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("big.bin")})
	if err != nil || got != int64(len(data)) || !bytes.Equal(buf.Bytes(), data) {
		t.Fatalf("download: %v, %d bytes, equal %v", err, got, bytes.Equal(buf.Bytes(), data))
	}
	// Part 2 alone, by part number.
	part, body := getBody(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("big.bin"), PartNumber: aws.Int32(2)})
	if body != string(data[5<<20:10<<20]) || aws.ToInt32(part.PartsCount) != 5 {
		t.Errorf("part 2: %d bytes, %d parts", len(body), aws.ToInt32(part.PartsCount))
	}
}

func TestS3MultipartRules(t *testing.T) {
	n := sharedNubo(t)
	c := s3Client(n)
	ctx := context.Background()
	b := createBucket(t, c, "mprules")
	create, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	id := create.UploadId
	var parts []types.CompletedPart
	for i, size := range []int{1024, 2048} {
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("k"), UploadId: id,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(randomBytes(size, uint64(i)))})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag})
	}
	listed, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(b), Key: aws.String("k"), UploadId: id})
	if err != nil || len(listed.Parts) != 2 || aws.ToInt64(listed.Parts[1].Size) != 2048 {
		t.Errorf("ListParts: %v %+v", err, listed)
	}
	uploads, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(b)})
	if err != nil || len(uploads.Uploads) != 1 || aws.ToString(uploads.Uploads[0].UploadId) != aws.ToString(id) {
		t.Errorf("ListMultipartUploads: %v %+v", err, uploads)
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("k"), UploadId: id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	if s3Code(err) != "EntityTooSmall" {
		t.Errorf("a 1 KiB part that is not the last: %v", err)
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("k"), UploadId: id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{parts[1], parts[0]}}})
	if s3Code(err) != "InvalidPartOrder" {
		t.Errorf("parts out of order: %v", err)
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("k"), UploadId: id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: aws.String(`"0"`)}}}})
	if s3Code(err) != "InvalidPart" {
		t.Errorf("a wrong ETag: %v", err)
	}
	if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("k"), UploadId: id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(b), Key: aws.String("k"), UploadId: id})
	if s3Code(err) != "NoSuchUpload" {
		t.Errorf("after abort: %v", err)
	}
}

// A multipart copy, as `aws s3 cp s3://a s3://b` makes one of a large
// object: UploadPartCopy of ranges.
func TestS3MultipartCopy(t *testing.T) {
	n := sharedNubo(t)
	c := s3Client(n)
	ctx := context.Background()
	b := createBucket(t, c, "mpcopy")
	data := randomBytes(11<<20, 2)
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("src"), Body: bytes.NewReader(data)}); err != nil {
		t.Fatal(err)
	}
	create, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("dst")})
	if err != nil {
		t.Fatal(err)
	}
	var parts []types.CompletedPart
	for i, rng := range []string{"bytes=0-5242879", "bytes=5242880-10485759", "bytes=10485760-11534335"} {
		out, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String(b), Key: aws.String("dst"), UploadId: create.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), CopySource: aws.String(b + "/src"), CopySourceRange: aws.String(rng)})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.CopyPartResult.ETag})
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("dst"),
		UploadId: create.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	if err != nil {
		t.Fatal(err)
	}
	if _, body := getBody(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("dst")}); body != string(data) {
		t.Errorf("the copy differs (%d bytes)", len(body))
	}
}

func TestS3CopyAndTagging(t *testing.T) {
	n := sharedNubo(t)
	c := s3Client(n)
	ctx := context.Background()
	b := createBucket(t, c, "copytag")
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("src"), Body: strings.NewReader("data"),
		Metadata: map[string]string{"a": "1"}, Tagging: aws.String("t=1")})
	if err != nil {
		t.Fatal(err)
	}
	cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("copy"), CopySource: aws.String(b + "/src")})
	if err != nil || aws.ToString(cp.CopyObjectResult.ETag) != md5hex("data") {
		t.Fatalf("CopyObject: %v %+v", err, cp)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("copy")})
	if err != nil || head.Metadata["a"] != "1" {
		t.Errorf("copied metadata: %v %+v", err, head.Metadata)
	}
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("copy"), CopySource: aws.String(b + "/src"),
		MetadataDirective: types.MetadataDirectiveReplace, Metadata: map[string]string{"b": "2"}})
	if err != nil {
		t.Fatal(err)
	}
	head, _ = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("copy")})
	if head.Metadata["b"] != "2" || head.Metadata["a"] != "" {
		t.Errorf("replaced metadata: %+v", head.Metadata)
	}
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("copy"), CopySource: aws.String(b + "/src"),
		CopySourceIfMatch: aws.String(`"other"`)})
	if s3Code(err) != "PreconditionFailed" {
		t.Errorf("copy-source-if-match: %v", err)
	}
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("src"), CopySource: aws.String(b + "/src")})
	if s3Code(err) != "InvalidRequest" {
		t.Errorf("copy onto itself: %v", err)
	}
	tags, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("copy")})
	if err != nil || len(tags.TagSet) != 1 || aws.ToString(tags.TagSet[0].Key) != "t" {
		t.Errorf("copied tags: %v %+v", err, tags)
	}
	_, err = c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("copy"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("x"), Value: aws.String("y")}, {Key: aws.String("z"), Value: aws.String("")}}}})
	if err != nil {
		t.Fatal(err)
	}
	tags, _ = c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("copy")})
	if len(tags.TagSet) != 2 {
		t.Errorf("tags after put: %+v", tags.TagSet)
	}
	if _, err := c.DeleteObjectTagging(ctx, &s3.DeleteObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("copy")}); err != nil {
		t.Fatal(err)
	}
	attrs, err := c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: aws.String(b), Key: aws.String("copy"),
		ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesEtag, types.ObjectAttributesObjectSize, types.ObjectAttributesStorageClass}})
	if err != nil || aws.ToInt64(attrs.ObjectSize) != 4 || aws.ToString(attrs.ETag) != strings.Trim(md5hex("data"), `"`) || attrs.StorageClass != types.StorageClassStandard {
		t.Errorf("GetObjectAttributes: %v %+v", err, attrs)
	}
}

// Checksums as current SDKs send them: a header checksum, and an
// unseekable body, which aws-sdk-go-v2 sends aws-chunked with the CRC in
// a trailer.
func TestS3Checksums(t *testing.T) {
	n := sharedNubo(t)
	c := s3Client(n)
	ctx := context.Background()
	b := createBucket(t, c, "checksums")
	// The SDK sends a trailing checksum only over TLS: through a TLS front
	// to nubo.
	front := httptest.NewTLSServer(httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: n.addr}))
	defer front.Close()
	tc := s3Client(n, func(o *s3.Options) { o.BaseEndpoint, o.HTTPClient = aws.String(front.URL), front.Client() })
	data := randomBytes(300<<10, 3)
	crc := crc32.ChecksumIEEE(data)
	want := base64.StdEncoding.EncodeToString([]byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)})
	out, err := tc.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("streamed"),
		Body: io.NopCloser(bytes.NewReader(data)), ContentLength: aws.Int64(int64(len(data))), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.ChecksumCRC32) != want {
		t.Errorf("PutObject CRC32 %q, want %q", aws.ToString(out.ChecksumCRC32), want)
	}
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("streamed"), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(got.Body) // the SDK checks the CRC as it reads
	got.Body.Close()
	if err != nil || !bytes.Equal(body, data) || aws.ToString(got.ChecksumCRC32) != want {
		t.Errorf("GetObject: %v, equal %v, CRC32 %q", err, bytes.Equal(body, data), aws.ToString(got.ChecksumCRC32))
	}
	sum := sha256.Sum256(data)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("sha"), Body: bytes.NewReader(data),
		ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(sum[:]))})
	if err != nil {
		t.Errorf("SHA256 checksum: %v", err)
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("bad"), Body: bytes.NewReader(data),
		ChecksumCRC32: aws.String("AAAAAA==")})
	if s3Code(err) != "BadDigest" {
		t.Errorf("a wrong CRC32: %v", err)
	}
}
