package s3api

import (
	"context"

	"github.com/nubo-dev/nubo/internal/services/s3"
)

// copySource are the x-amz-copy-source headers of CopyObject and
// UploadPartCopy.
type copySource struct {
	CopySource                  string `json:"-" wire:"header=x-amz-copy-source"`
	CopySourceIfMatch           string `json:"-" wire:"header=x-amz-copy-source-if-match"`
	CopySourceIfNoneMatch       string `json:"-" wire:"header=x-amz-copy-source-if-none-match"`
	CopySourceIfModifiedSince   string `json:"-" wire:"header=x-amz-copy-source-if-modified-since"`
	CopySourceIfUnmodifiedSince string `json:"-" wire:"header=x-amz-copy-source-if-unmodified-since"`
}

type copyObjectInput struct {
	Bucket string `json:"-" wire:"path=Bucket"`
	Key    string `json:"-" wire:"path=Key"`
	copySource
	MetadataDirective string `json:"-" wire:"header=x-amz-metadata-directive"`
	TaggingDirective  string `json:"-" wire:"header=x-amz-tagging-directive"`
	newObjectHeaders
	IfMatch           string `json:"-" wire:"header=If-Match"`
	IfNoneMatch       string `json:"-" wire:"header=If-None-Match"`
	ChecksumAlgorithm string `json:"-" wire:"header=x-amz-checksum-algorithm"`
}

type copyObjectOutput struct {
	Result              *s3.CopyObjectResult `json:"-" wire:"payload"`
	CopySourceVersionId string               `json:"-" wire:"header=x-amz-copy-source-version-id"`
	VersionId           string               `json:"-" wire:"header=x-amz-version-id"`
	Expiration          string               `json:"-" wire:"header=x-amz-expiration"`
}

func (a *api) copyObject(ctx context.Context, in *copyObjectInput) (*copyObjectOutput, error) {
	if err := a.checkACL(ctx, in.Bucket, in.ACL); err != nil {
		return nil, err
	}
	out, err := a.s3.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket: in.Bucket, Key: in.Key, CopySource: in.CopySource,
		CopySourceIfMatch: in.CopySourceIfMatch, CopySourceIfNoneMatch: in.CopySourceIfNoneMatch,
		CopySourceIfModifiedSince:   httpDate(in.CopySourceIfModifiedSince),
		CopySourceIfUnmodifiedSince: httpDate(in.CopySourceIfUnmodifiedSince),
		MetadataDirective:           in.MetadataDirective, TaggingDirective: in.TaggingDirective,
		ObjectHeaders: in.objectHeaders(), Metadata: in.Metadata, StorageClass: in.StorageClass, Tagging: in.Tagging,
		IfMatch: in.IfMatch, IfNoneMatch: in.IfNoneMatch, ChecksumAlgorithm: in.ChecksumAlgorithm,
	})
	if err != nil {
		return nil, err
	}
	return &copyObjectOutput{Result: out.CopyObjectResult, CopySourceVersionId: out.CopySourceVersionId,
		VersionId: out.VersionId, Expiration: out.Expiration}, nil
}

type uploadPartCopyInput struct {
	Bucket     string `json:"-" wire:"path=Bucket"`
	Key        string `json:"-" wire:"path=Key"`
	UploadId   string `json:"-" wire:"query=uploadId"`
	PartNumber string `json:"-" wire:"query=partNumber"`
	copySource
	CopySourceRange string `json:"-" wire:"header=x-amz-copy-source-range"`
}

type uploadPartCopyOutput struct {
	Result              *s3.CopyPartResult `json:"-" wire:"payload"`
	CopySourceVersionId string             `json:"-" wire:"header=x-amz-copy-source-version-id"`
}

func (a *api) uploadPartCopy(ctx context.Context, in *uploadPartCopyInput) (*uploadPartCopyOutput, error) {
	n, err := partNumber(in.PartNumber)
	if err != nil {
		return nil, err
	}
	out, err := a.s3.UploadPartCopy(ctx, &s3.UploadPartCopyInput{
		Bucket: in.Bucket, Key: in.Key, UploadId: in.UploadId, PartNumber: n, CopySource: in.CopySource,
		CopySourceRange: in.CopySourceRange, CopySourceIfMatch: in.CopySourceIfMatch,
		CopySourceIfNoneMatch:       in.CopySourceIfNoneMatch,
		CopySourceIfModifiedSince:   httpDate(in.CopySourceIfModifiedSince),
		CopySourceIfUnmodifiedSince: httpDate(in.CopySourceIfUnmodifiedSince),
	})
	if err != nil {
		return nil, err
	}
	return &uploadPartCopyOutput{Result: out.CopyPartResult, CopySourceVersionId: out.CopySourceVersionId}, nil
}
