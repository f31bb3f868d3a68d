package s3api

import (
	"context"
	"strconv"
	"strings"

	"github.com/nubo-dev/nubo/internal/services/s3"
	"github.com/nubo-dev/nubo/internal/wire"
)

// optInt reads an optional integer query parameter.
func optInt(v, name string) (*int32, error) {
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return nil, invalidArgument("Provided "+name+" not an integer or within integer range", name, v)
	}
	m := int32(n)
	return &m, nil
}

// urlEncoder applies encoding-type=url to a listing, as S3 does:
// everything but RFC 3986's unreserved characters and "/" is
// percent-encoded (a space is "%20"), so that keys holding characters
// XML 1.0 cannot carry survive the trip.
type urlEncoder struct{}

func (urlEncoder) strings(ps ...*string) {
	for _, p := range ps {
		*p = urlEncode(*p)
	}
}

func urlEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~/", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func (e urlEncoder) prefixes(cps []s3.CommonPrefix) {
	for i := range cps {
		e.strings(&cps[i].Prefix)
	}
}

func (e urlEncoder) objects(objs []s3.Object) {
	for i := range objs {
		e.strings(&objs[i].Key)
	}
}

type listObjectsV2Input struct {
	Bucket            string `json:"-" wire:"path=Bucket"`
	Delimiter         string `json:"-" wire:"query=delimiter"`
	EncodingType      string `json:"-" wire:"query=encoding-type"`
	MaxKeys           string `json:"-" wire:"query=max-keys"`
	Prefix            string `json:"-" wire:"query=prefix"`
	ContinuationToken string `json:"-" wire:"query=continuation-token"`
	FetchOwner        string `json:"-" wire:"query=fetch-owner"`
	StartAfter        string `json:"-" wire:"query=start-after"`
}

func (a *api) listObjectsV2(ctx context.Context, in *listObjectsV2Input) (*s3.ListObjectsV2Output, error) {
	maxKeys, err := optInt(in.MaxKeys, "max-keys")
	if err != nil {
		return nil, err
	}
	out, err := a.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
		Bucket: in.Bucket, Delimiter: in.Delimiter, EncodingType: in.EncodingType, MaxKeys: maxKeys,
		Prefix: in.Prefix, ContinuationToken: in.ContinuationToken, FetchOwner: in.FetchOwner == "true", StartAfter: in.StartAfter,
	})
	if err != nil {
		return nil, err
	}
	if r := wire.CallOf(ctx).Request; out.ContinuationToken == nil && r != nil && r.URL.Query().Has("continuation-token") {
		out.ContinuationToken = new(string) // S3 echoes an empty token too
	}
	if out.EncodingType == "url" {
		e := urlEncoder{}
		e.strings(&out.Delimiter, &out.Prefix, &out.StartAfter)
		e.objects(out.Contents)
		e.prefixes(out.CommonPrefixes)
	}
	return out, nil
}

type listObjectsInput struct {
	Bucket       string `json:"-" wire:"path=Bucket"`
	Delimiter    string `json:"-" wire:"query=delimiter"`
	EncodingType string `json:"-" wire:"query=encoding-type"`
	Marker       string `json:"-" wire:"query=marker"`
	MaxKeys      string `json:"-" wire:"query=max-keys"`
	Prefix       string `json:"-" wire:"query=prefix"`
}

func (a *api) listObjects(ctx context.Context, in *listObjectsInput) (*s3.ListObjectsOutput, error) {
	maxKeys, err := optInt(in.MaxKeys, "max-keys")
	if err != nil {
		return nil, err
	}
	out, err := a.s3.ListObjects(ctx, &s3.ListObjectsInput{
		Bucket: in.Bucket, Delimiter: in.Delimiter, EncodingType: in.EncodingType, Marker: in.Marker,
		MaxKeys: maxKeys, Prefix: in.Prefix,
	})
	if err != nil {
		return nil, err
	}
	if out.EncodingType == "url" {
		// Version 1 leaves its Prefix raw: clients decode only these.
		e := urlEncoder{}
		e.strings(&out.Delimiter, &out.Marker, &out.NextMarker)
		e.objects(out.Contents)
		e.prefixes(out.CommonPrefixes)
	}
	return out, nil
}

type listObjectVersionsInput struct {
	Bucket          string `json:"-" wire:"path=Bucket"`
	Delimiter       string `json:"-" wire:"query=delimiter"`
	EncodingType    string `json:"-" wire:"query=encoding-type"`
	KeyMarker       string `json:"-" wire:"query=key-marker"`
	MaxKeys         string `json:"-" wire:"query=max-keys"`
	Prefix          string `json:"-" wire:"query=prefix"`
	VersionIdMarker string `json:"-" wire:"query=version-id-marker"`
}

func (a *api) listObjectVersions(ctx context.Context, in *listObjectVersionsInput) (*s3.ListObjectVersionsOutput, error) {
	maxKeys, err := optInt(in.MaxKeys, "max-keys")
	if err != nil {
		return nil, err
	}
	out, err := a.s3.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{
		Bucket: in.Bucket, Delimiter: in.Delimiter, EncodingType: in.EncodingType, KeyMarker: in.KeyMarker,
		MaxKeys: maxKeys, Prefix: in.Prefix, VersionIdMarker: in.VersionIdMarker,
	})
	if err != nil {
		return nil, err
	}
	if out.EncodingType == "url" {
		e := urlEncoder{}
		e.strings(&out.Delimiter, &out.Prefix, &out.KeyMarker, &out.NextKeyMarker)
		for i := range out.Versions {
			e.strings(&out.Versions[i].Key)
		}
		for i := range out.DeleteMarkers {
			e.strings(&out.DeleteMarkers[i].Key)
		}
		e.prefixes(out.CommonPrefixes)
	}
	return out, nil
}

type listBucketsInput struct {
	MaxBuckets        string `json:"-" wire:"query=max-buckets"`
	ContinuationToken string `json:"-" wire:"query=continuation-token"`
	Prefix            string `json:"-" wire:"query=prefix"`
	BucketRegion      string `json:"-" wire:"query=bucket-region"`
}

func (a *api) listBuckets(ctx context.Context, in *listBucketsInput) (*s3.ListBucketsOutput, error) {
	maxBuckets, err := optInt(in.MaxBuckets, "max-buckets")
	if err != nil {
		return nil, err
	}
	if wire.HomeAccount(ctx) != nil { // other accounts own no buckets
		return &s3.ListBucketsOutput{}, nil
	}
	return a.s3.ListBuckets(ctx, &s3.ListBucketsInput{MaxBuckets: maxBuckets, ContinuationToken: in.ContinuationToken,
		Prefix: in.Prefix, BucketRegion: in.BucketRegion})
}
