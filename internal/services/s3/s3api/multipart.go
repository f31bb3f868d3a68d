package s3api

import (
	"context"
	"io"
	"strconv"
	"time"

	"github.com/nubo-dev/nubo/internal/services/s3"
)

// partNumber reads the partNumber query parameter.
func partNumber(v string) (int32, error) {
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, invalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", v)
	}
	return int32(n), nil
}

type createMultipartUploadInput struct {
	Bucket string `json:"-" wire:"path=Bucket"`
	Key    string `json:"-" wire:"path=Key"`
	newObjectHeaders
	ChecksumAlgorithm string `json:"-" wire:"header=x-amz-checksum-algorithm"`
	ChecksumType      string `json:"-" wire:"header=x-amz-checksum-type"`
}

type createMultipartUploadOutput struct {
	Result            *s3.CreateMultipartUploadOutput `json:"-" wire:"payload"`
	AbortDate         *time.Time                      `json:"-" wire:"header=x-amz-abort-date"`
	AbortRuleId       string                          `json:"-" wire:"header=x-amz-abort-rule-id"`
	ChecksumAlgorithm string                          `json:"-" wire:"header=x-amz-checksum-algorithm"`
	ChecksumType      string                          `json:"-" wire:"header=x-amz-checksum-type"`
}

func (a *api) createMultipartUpload(ctx context.Context, in *createMultipartUploadInput) (*createMultipartUploadOutput, error) {
	if err := a.checkACL(ctx, in.Bucket, in.ACL); err != nil {
		return nil, err
	}
	out, err := a.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: in.Bucket, Key: in.Key, ObjectHeaders: in.objectHeaders(), Metadata: in.Metadata,
		StorageClass: in.StorageClass, Tagging: in.Tagging, ChecksumAlgorithm: in.ChecksumAlgorithm, ChecksumType: in.ChecksumType,
	})
	if err != nil {
		return nil, err
	}
	return &createMultipartUploadOutput{Result: out, AbortDate: out.AbortDate, AbortRuleId: out.AbortRuleId,
		ChecksumAlgorithm: out.ChecksumAlgorithm, ChecksumType: out.ChecksumType}, nil
}

type uploadPartInput struct {
	Bucket            string    `json:"-" wire:"path=Bucket"`
	Key               string    `json:"-" wire:"path=Key"`
	UploadId          string    `json:"-" wire:"query=uploadId"`
	PartNumber        string    `json:"-" wire:"query=partNumber"`
	Body              io.Reader `json:"-" wire:"payload"`
	ContentMD5        string    `json:"-" wire:"header=Content-MD5"`
	ContentSHA256     string    `json:"-" wire:"header=x-amz-content-sha256"`
	ChecksumAlgorithm string    `json:"-" wire:"header=x-amz-sdk-checksum-algorithm"`
	checksums
}

type uploadPartOutput struct {
	ETag string `json:"-" wire:"header=ETag"`
	checksums
}

func (a *api) uploadPart(ctx context.Context, in *uploadPartInput) (*uploadPartOutput, error) {
	n, err := partNumber(in.PartNumber)
	if err != nil {
		return nil, err
	}
	body, err := requestBody(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	d := &s3.UploadPartInput{
		Bucket: in.Bucket, Key: in.Key, UploadId: in.UploadId, PartNumber: n,
		ContentLength: contentLength(ctx), ContentMD5: in.ContentMD5, ChecksumAlgorithm: in.ChecksumAlgorithm,
		Checksums: in.checksums.sums(), ContentSHA256: payloadHash(in.ContentSHA256),
	}
	d.Body = withTrailers(body, &d.Checksums)
	out, err := a.s3.UploadPart(ctx, d)
	if err != nil {
		return nil, err
	}
	return &uploadPartOutput{ETag: out.ETag, checksums: checksumsOf(out.Checksums)}, nil
}

type completeMultipartUploadInput struct {
	Bucket   string                       `json:"-" wire:"path=Bucket"`
	Key      string                       `json:"-" wire:"path=Key"`
	UploadId string                       `json:"-" wire:"query=uploadId"`
	Parts    *s3.CompletedMultipartUpload `json:"-" wire:"payload"`
	checksums
	ChecksumType  string `json:"-" wire:"header=x-amz-checksum-type"`
	MpuObjectSize *int64 `json:"-" wire:"header=x-amz-mp-object-size"`
	IfMatch       string `json:"-" wire:"header=If-Match"`
	IfNoneMatch   string `json:"-" wire:"header=If-None-Match"`
}

// completeResult is CompleteMultipartUpload's body.
type completeResult struct {
	XMLName  struct{} `json:"-" xml:"CompleteMultipartUploadResult"`
	Location string   `json:"Location" xml:"Location"`
	Bucket   string   `json:"Bucket" xml:"Bucket"`
	Key      string   `json:"Key" xml:"Key"`
	ETag     string   `json:"ETag" xml:"ETag"`
	s3.Checksums
	ChecksumType string `json:"ChecksumType,omitempty" xml:"ChecksumType,omitempty"`
}

type completeMultipartUploadOutput struct {
	Result     *completeResult `json:"-" wire:"payload"`
	VersionId  string          `json:"-" wire:"header=x-amz-version-id"`
	Expiration string          `json:"-" wire:"header=x-amz-expiration"`
}

func (a *api) completeMultipartUpload(ctx context.Context, in *completeMultipartUploadInput) (*completeMultipartUploadOutput, error) {
	out, err := a.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: in.Bucket, Key: in.Key, UploadId: in.UploadId, MultipartUpload: in.Parts,
		Checksums: in.checksums.sums(), ChecksumType: in.ChecksumType, MpuObjectSize: in.MpuObjectSize,
		IfMatch: in.IfMatch, IfNoneMatch: in.IfNoneMatch,
	})
	if err != nil {
		return nil, err
	}
	res := &completeResult{Location: objectURL(ctx, out.Bucket, out.Key), Bucket: out.Bucket, Key: out.Key, ETag: out.ETag,
		Checksums: out.Checksums, ChecksumType: out.ChecksumType}
	return &completeMultipartUploadOutput{Result: res, VersionId: out.VersionId, Expiration: out.Expiration}, nil
}

type uploadInput struct {
	Bucket   string `json:"-" wire:"path=Bucket"`
	Key      string `json:"-" wire:"path=Key"`
	UploadId string `json:"-" wire:"query=uploadId"`
}

func (a *api) abortMultipartUpload(ctx context.Context, in *uploadInput) error {
	return a.s3.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: in.Bucket, Key: in.Key, UploadId: in.UploadId})
}

type listPartsInput struct {
	uploadInput
	MaxParts         string `json:"-" wire:"query=max-parts"`
	PartNumberMarker string `json:"-" wire:"query=part-number-marker"`
}

type listPartsOutput struct {
	Result      *s3.ListPartsOutput `json:"-" wire:"payload"`
	AbortDate   *time.Time          `json:"-" wire:"header=x-amz-abort-date"`
	AbortRuleId string              `json:"-" wire:"header=x-amz-abort-rule-id"`
}

func (a *api) listParts(ctx context.Context, in *listPartsInput) (*listPartsOutput, error) {
	maxParts, err := optInt(in.MaxParts, "max-parts")
	if err != nil {
		return nil, err
	}
	marker, err := optInt(in.PartNumberMarker, "part-number-marker")
	if err != nil {
		return nil, err
	}
	out, err := a.s3.ListParts(ctx, &s3.ListPartsInput{Bucket: in.Bucket, Key: in.Key, UploadId: in.UploadId,
		MaxParts: maxParts, PartNumberMarker: marker})
	if err != nil {
		return nil, err
	}
	return &listPartsOutput{Result: out, AbortDate: out.AbortDate, AbortRuleId: out.AbortRuleId}, nil
}

type listMultipartUploadsInput struct {
	Bucket         string `json:"-" wire:"path=Bucket"`
	Delimiter      string `json:"-" wire:"query=delimiter"`
	EncodingType   string `json:"-" wire:"query=encoding-type"`
	KeyMarker      string `json:"-" wire:"query=key-marker"`
	MaxUploads     string `json:"-" wire:"query=max-uploads"`
	Prefix         string `json:"-" wire:"query=prefix"`
	UploadIdMarker string `json:"-" wire:"query=upload-id-marker"`
}

func (a *api) listMultipartUploads(ctx context.Context, in *listMultipartUploadsInput) (*s3.ListMultipartUploadsOutput, error) {
	maxUploads, err := optInt(in.MaxUploads, "max-uploads")
	if err != nil {
		return nil, err
	}
	out, err := a.s3.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{
		Bucket: in.Bucket, Delimiter: in.Delimiter, EncodingType: in.EncodingType, KeyMarker: in.KeyMarker,
		MaxUploads: maxUploads, Prefix: in.Prefix, UploadIdMarker: in.UploadIdMarker,
	})
	if err != nil {
		return nil, err
	}
	if out.EncodingType == "url" {
		enc := urlEncoder{}
		enc.strings(&out.Delimiter, &out.KeyMarker, &out.NextKeyMarker, &out.Prefix)
		for i := range out.Uploads {
			enc.strings(&out.Uploads[i].Key)
		}
		enc.prefixes(out.CommonPrefixes)
	}
	return out, nil
}
