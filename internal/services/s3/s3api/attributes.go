package s3api

import (
	"context"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/services/s3"
)

type objectTaggingInput struct {
	Bucket    string      `json:"-" wire:"path=Bucket"`
	Key       string      `json:"-" wire:"path=Key"`
	VersionId string      `json:"-" wire:"query=versionId"`
	Tagging   *s3.Tagging `json:"-" wire:"payload"`
}

func (in *objectTaggingInput) domain() *s3.ObjectTaggingInput {
	return &s3.ObjectTaggingInput{Bucket: in.Bucket, Key: in.Key, VersionId: in.VersionId, Tagging: in.Tagging}
}

type objectTaggingOutput struct {
	VersionId string `json:"-" wire:"header=x-amz-version-id"`
}

type getObjectTaggingOutput struct {
	Doc       *s3.ObjectTaggingOutput `json:"-" wire:"payload"`
	VersionId string                  `json:"-" wire:"header=x-amz-version-id"`
}

func (a *api) getObjectTagging(ctx context.Context, in *objectTaggingInput) (*getObjectTaggingOutput, error) {
	out, err := a.s3.GetObjectTagging(ctx, in.domain())
	if err != nil {
		return nil, err
	}
	return &getObjectTaggingOutput{Doc: out, VersionId: out.VersionId}, nil
}

func (a *api) putObjectTagging(ctx context.Context, in *objectTaggingInput) (*objectTaggingOutput, error) {
	out, err := a.s3.PutObjectTagging(ctx, in.domain())
	if err != nil {
		return nil, err
	}
	return &objectTaggingOutput{VersionId: out.VersionId}, nil
}

func (a *api) deleteObjectTagging(ctx context.Context, in *objectTaggingInput) (*objectTaggingOutput, error) {
	out, err := a.s3.DeleteObjectTagging(ctx, in.domain())
	if err != nil {
		return nil, err
	}
	return &objectTaggingOutput{VersionId: out.VersionId}, nil
}

type getObjectAttributesInput struct {
	Bucket           string   `json:"-" wire:"path=Bucket"`
	Key              string   `json:"-" wire:"path=Key"`
	VersionId        string   `json:"-" wire:"query=versionId"`
	MaxParts         string   `json:"-" wire:"header=x-amz-max-parts"`
	PartNumberMarker string   `json:"-" wire:"header=x-amz-part-number-marker"`
	ObjectAttributes []string `json:"-" wire:"header=x-amz-object-attributes"`
}

type getObjectAttributesOutput struct {
	Doc          *s3.GetObjectAttributesOutput `json:"-" wire:"payload"`
	LastModified time.Time                     `json:"-" wire:"header=Last-Modified"`
	VersionId    string                        `json:"-" wire:"header=x-amz-version-id"`
}

func (a *api) getObjectAttributes(ctx context.Context, in *getObjectAttributesInput) (*getObjectAttributesOutput, error) {
	maxParts, err := optInt(in.MaxParts, "x-amz-max-parts")
	if err != nil {
		return nil, err
	}
	marker, err := optInt(in.PartNumberMarker, "x-amz-part-number-marker")
	if err != nil {
		return nil, err
	}
	var attrs []string
	for _, h := range in.ObjectAttributes {
		attrs = append(attrs, strings.Split(h, ",")...)
	}
	out, err := a.s3.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: in.Bucket, Key: in.Key,
		VersionId: in.VersionId, MaxParts: maxParts, PartNumberMarker: marker, ObjectAttributes: attrs})
	if err != nil {
		return nil, err
	}
	return &getObjectAttributesOutput{Doc: out, LastModified: out.LastModified, VersionId: out.VersionId}, nil
}
