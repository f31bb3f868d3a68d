package s3api

import (
	"context"
	"io"
	"strconv"
	"strings"

	"github.com/nubo-dev/nubo/internal/services/s3"
	"github.com/nubo-dev/nubo/internal/sigv4"
	"github.com/nubo-dev/nubo/internal/wire"
)

type putObjectInput struct {
	Bucket string    `json:"-" wire:"path=Bucket"`
	Key    string    `json:"-" wire:"path=Key"`
	Body   io.Reader `json:"-" wire:"payload"`
	newObjectHeaders
	ContentMD5        string `json:"-" wire:"header=Content-MD5"`
	ContentSHA256     string `json:"-" wire:"header=x-amz-content-sha256"`
	ChecksumAlgorithm string `json:"-" wire:"header=x-amz-sdk-checksum-algorithm"`
	checksums
	IfMatch     string `json:"-" wire:"header=If-Match"`
	IfNoneMatch string `json:"-" wire:"header=If-None-Match"`
}

type putObjectOutput struct {
	ETag       string `json:"-" wire:"header=ETag"`
	VersionId  string `json:"-" wire:"header=x-amz-version-id"`
	Expiration string `json:"-" wire:"header=x-amz-expiration"`
	checksums
	ChecksumType string `json:"-" wire:"header=x-amz-checksum-type"`
}

func (a *api) putObject(ctx context.Context, in *putObjectInput) (*putObjectOutput, error) {
	if err := a.checkACL(ctx, in.Bucket, in.ACL); err != nil {
		return nil, err
	}
	body, err := requestBody(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	d := &s3.PutObjectInput{
		Bucket: in.Bucket, Key: in.Key, ContentLength: contentLength(ctx), ContentMD5: in.ContentMD5,
		ObjectHeaders: in.objectHeaders(), Metadata: in.Metadata, StorageClass: in.StorageClass, Tagging: in.Tagging,
		IfMatch: in.IfMatch, IfNoneMatch: in.IfNoneMatch, ChecksumAlgorithm: in.ChecksumAlgorithm,
		Checksums: in.checksums.sums(), ContentSHA256: payloadHash(in.ContentSHA256),
	}
	d.Body = withTrailers(body, &d.Checksums)
	out, err := a.s3.PutObject(ctx, d)
	if err != nil {
		return nil, err
	}
	return &putObjectOutput{ETag: out.ETag, VersionId: out.VersionId, Expiration: out.Expiration,
		checksums: checksumsOf(out.Checksums), ChecksumType: out.ChecksumType}, nil
}

// contentLength is the length of the request's (decoded) body, when the
// client said it.
func contentLength(ctx context.Context) *int64 {
	r := wire.CallOf(ctx).Request
	if r == nil || r.ContentLength < 0 {
		return nil
	}
	n := r.ContentLength
	return &n
}

// payloadHash is x-amz-content-sha256 when it is a hash (not one of the
// UNSIGNED-PAYLOAD or STREAMING-* modes), which the body must match.
func payloadHash(v string) string {
	if len(v) != 64 || strings.Trim(v, "0123456789abcdef") != "" {
		return ""
	}
	return v
}

// trailerReader copies the x-amz-checksum-* trailers of an aws-chunked
// body into sums when the body ends, where the domain reads them.
type trailerReader struct {
	io.Reader
	sums *s3.Checksums
}

func withTrailers(body io.Reader, sums *s3.Checksums) io.Reader {
	if body == nil {
		return nil
	}
	return &trailerReader{Reader: body, sums: sums}
}

func (t *trailerReader) Read(p []byte) (int, error) {
	n, err := t.Reader.Read(p)
	if err == io.EOF {
		tr := sigv4.Trailers(t.Reader)
		for name, dst := range map[string]*string{
			"x-amz-checksum-crc32": &t.sums.ChecksumCRC32, "x-amz-checksum-crc32c": &t.sums.ChecksumCRC32C,
			"x-amz-checksum-crc64nvme": &t.sums.ChecksumCRC64NVME, "x-amz-checksum-sha1": &t.sums.ChecksumSHA1,
			"x-amz-checksum-sha256": &t.sums.ChecksumSHA256,
		} {
			if v := tr[name]; v != "" {
				*dst = v
			}
		}
	}
	return n, err
}

type getObjectInput struct {
	Bucket                     string `json:"-" wire:"path=Bucket"`
	Key                        string `json:"-" wire:"path=Key"`
	VersionId                  string `json:"-" wire:"query=versionId"`
	PartNumber                 string `json:"-" wire:"query=partNumber"`
	ResponseCacheControl       string `json:"-" wire:"query=response-cache-control"`
	ResponseContentDisposition string `json:"-" wire:"query=response-content-disposition"`
	ResponseContentEncoding    string `json:"-" wire:"query=response-content-encoding"`
	ResponseContentLanguage    string `json:"-" wire:"query=response-content-language"`
	ResponseContentType        string `json:"-" wire:"query=response-content-type"`
	ResponseExpires            string `json:"-" wire:"query=response-expires"`
	Range                      string `json:"-" wire:"header=Range"`
	IfMatch                    string `json:"-" wire:"header=If-Match"`
	IfNoneMatch                string `json:"-" wire:"header=If-None-Match"`
	IfModifiedSince            string `json:"-" wire:"header=If-Modified-Since"`
	IfUnmodifiedSince          string `json:"-" wire:"header=If-Unmodified-Since"`
	ChecksumMode               string `json:"-" wire:"header=x-amz-checksum-mode"`
}

func (in *getObjectInput) domain() (*s3.HeadObjectInput, error) {
	d := &s3.HeadObjectInput{
		Bucket: in.Bucket, Key: in.Key, VersionId: in.VersionId, Range: in.Range,
		IfMatch: in.IfMatch, IfNoneMatch: in.IfNoneMatch,
		IfModifiedSince: httpDate(in.IfModifiedSince), IfUnmodifiedSince: httpDate(in.IfUnmodifiedSince),
		ChecksumMode: in.ChecksumMode, ResponseCacheControl: in.ResponseCacheControl,
		ResponseContentDisposition: in.ResponseContentDisposition, ResponseContentEncoding: in.ResponseContentEncoding,
		ResponseContentLanguage: in.ResponseContentLanguage, ResponseContentType: in.ResponseContentType,
		ResponseExpires: httpDate(in.ResponseExpires),
	}
	if in.PartNumber != "" {
		n, err := strconv.ParseInt(in.PartNumber, 10, 32)
		if err != nil {
			return nil, invalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", in.PartNumber)
		}
		pn := int32(n)
		d.PartNumber = &pn
	}
	return d, nil
}

type getObjectOutput struct {
	objectOutput
	Body io.Reader `json:"-" wire:"payload"`
}

func (a *api) getObject(ctx context.Context, in *getObjectInput) (*getObjectOutput, error) {
	d, err := in.domain()
	if err != nil {
		return nil, err
	}
	out, err := a.s3.GetObject(ctx, d)
	if err != nil {
		return nil, err
	}
	return &getObjectOutput{objectOutput: objectOutputOf(&out.HeadObjectOutput), Body: out.Body}, nil
}

func (a *api) headObject(ctx context.Context, in *getObjectInput) (*objectOutput, error) {
	d, err := in.domain()
	if err != nil {
		return nil, err
	}
	out, err := a.s3.HeadObject(ctx, d)
	if err != nil {
		return nil, err
	}
	o := objectOutputOf(out)
	return &o, nil
}

type deleteObjectInput struct {
	Bucket                  string `json:"-" wire:"path=Bucket"`
	Key                     string `json:"-" wire:"path=Key"`
	VersionId               string `json:"-" wire:"query=versionId"`
	IfMatch                 string `json:"-" wire:"header=If-Match"`
	IfMatchLastModifiedTime string `json:"-" wire:"header=x-amz-if-match-last-modified-time"`
	IfMatchSize             *int64 `json:"-" wire:"header=x-amz-if-match-size"`
}

type deleteObjectOutput struct {
	DeleteMarker bool   `json:"-" wire:"header=x-amz-delete-marker"`
	VersionId    string `json:"-" wire:"header=x-amz-version-id"`
}

func (a *api) deleteObject(ctx context.Context, in *deleteObjectInput) (*deleteObjectOutput, error) {
	out, err := a.s3.DeleteObject(ctx, &s3.DeleteObjectInput{
		Bucket: in.Bucket, Key: in.Key, VersionId: in.VersionId, IfMatch: in.IfMatch,
		IfMatchLastModifiedTime: httpDate(in.IfMatchLastModifiedTime), IfMatchSize: in.IfMatchSize,
	})
	if err != nil {
		return nil, err
	}
	return &deleteObjectOutput{DeleteMarker: out.DeleteMarker, VersionId: out.VersionId}, nil
}
