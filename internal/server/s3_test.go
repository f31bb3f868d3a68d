package server_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

var bucketSeq atomic.Int64

// newBucket names a bucket no other test uses (bucket names are global).
func newBucket(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano()%1e9, bucketSeq.Add(1))
}

// s3Client is an SDK client of n's S3 in us-east-1, path-style as users
// configure it for a local endpoint.
func s3Client(n *nubo, opts ...func(*s3.Options)) *s3.Client {
	return s3.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String("http://" + n.addr),
	}, append([]func(*s3.Options){func(o *s3.Options) { o.UsePathStyle = true }}, opts...)...)
}

// createBucket creates a bucket named after prefix and returns its name.
func createBucket(t *testing.T, c *s3.Client, prefix string) string {
	t.Helper()
	name := newBucket(prefix)
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("CreateBucket %s: %v", name, err)
	}
	return name
}

func put(t *testing.T, c *s3.Client, bucket, key, body string) *s3.PutObjectOutput {
	t.Helper()
	out, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)})
	if err != nil {
		t.Fatalf("PutObject %s: %v", key, err)
	}
	return out
}

func getBody(t *testing.T, c *s3.Client, in *s3.GetObjectInput) (*s3.GetObjectOutput, string) {
	t.Helper()
	out, err := c.GetObject(context.Background(), in)
	if err != nil {
		t.Fatalf("GetObject %s: %v", aws.ToString(in.Key), err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return out, string(b)
}

// s3Code returns the S3 error code of err ("" for none).
func s3Code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

func TestS3Objects(t *testing.T) {
	n := sharedNubo(t)
	c := s3Client(n)
	ctx := context.Background()
	b := createBucket(t, c, "objects")
	expires := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	out, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(b), Key: aws.String("dir/hello world.txt"), Body: strings.NewReader("hello, world"),
		ContentType: aws.String("text/plain"), CacheControl: aws.String("max-age=60"), ContentDisposition: aws.String("inline"),
		ContentLanguage: aws.String("en"), Expires: aws.Time(expires), Metadata: map[string]string{"Color": "red", "size": "xl"},
		StorageClass: types.StorageClassStandardIa, Tagging: aws.String("a=1&b=two"), WebsiteRedirectLocation: aws.String("/other"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.ETag) != md5hex("hello, world") || out.VersionId != nil {
		t.Errorf("PutObject: ETag %s, version %v", aws.ToString(out.ETag), out.VersionId)
	}
	got, body := getBody(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("dir/hello world.txt")})
	if body != "hello, world" || aws.ToInt64(got.ContentLength) != 12 || aws.ToString(got.ETag) != md5hex("hello, world") {
		t.Errorf("GetObject: %q %d %s", body, aws.ToInt64(got.ContentLength), aws.ToString(got.ETag))
	}
	if aws.ToString(got.ContentType) != "text/plain" || aws.ToString(got.CacheControl) != "max-age=60" ||
		aws.ToString(got.ContentDisposition) != "inline" || aws.ToString(got.ContentLanguage) != "en" ||
		got.Metadata["color"] != "red" || got.Metadata["size"] != "xl" || got.StorageClass != types.StorageClassStandardIa ||
		aws.ToInt32(got.TagCount) != 2 || aws.ToString(got.WebsiteRedirectLocation) != "/other" ||
		aws.ToString(got.AcceptRanges) != "bytes" || got.LastModified == nil || time.Since(*got.LastModified) > time.Minute {
		t.Errorf("GetObject headers: %+v", got)
	}
	if got.ExpiresString == nil || *got.ExpiresString != expires.Format(http.TimeFormat) {
		t.Errorf("Expires %v", aws.ToString(got.ExpiresString))
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("dir/hello world.txt")})
	if err != nil || aws.ToInt64(head.ContentLength) != 12 || head.Metadata["color"] != "red" {
		t.Errorf("HeadObject: %v %+v", err, head)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("missing")})
	if s3Code(err) != "NoSuchKey" {
		t.Errorf("missing key: %v", err)
	}
	_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("missing")})
	if s3Code(err) != "NotFound" {
		t.Errorf("HEAD of a missing key: %v", err)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("no-such-bucket-at-all"), Key: aws.String("k")})
	if s3Code(err) != "NoSuchBucket" {
		t.Errorf("missing bucket: %v", err)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("dir/hello world.txt")}); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b)})
	if err != nil || len(list.Contents) != 0 {
		t.Errorf("after delete: %v %+v", err, list)
	}
}

// Ranges answer 206 with Content-Range, or 416 past the end; a part
// number of a single-part object is the whole object.
func TestS3Ranges(t *testing.T) {
	n := sharedNubo(t)
	c := s3Client(n)
	b := createBucket(t, c, "ranges")
	put(t, c, b, "digits", "0123456789")
	for _, tt := range []struct{ rng, body, contentRange string }{
		{"bytes=2-4", "234", "bytes 2-4/10"},
		{"bytes=7-", "789", "bytes 7-9/10"},
		{"bytes=-3", "789", "bytes 7-9/10"},
		{"bytes=5-100", "56789", "bytes 5-9/10"},
		{"bytes=4-2", "0123456789", ""}, // ignored, as S3 does
	} {
		out, body := getBody(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("digits"), Range: aws.String(tt.rng)})
		if body != tt.body || aws.ToString(out.ContentRange) != tt.contentRange || aws.ToInt64(out.ContentLength) != int64(len(tt.body)) {
			t.Errorf("%s: %q %q %d", tt.rng, body, aws.ToString(out.ContentRange), aws.ToInt64(out.ContentLength))
		}
	}
	_, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("digits"), Range: aws.String("bytes=10-")})
	if s3Code(err) != "InvalidRange" {
		t.Errorf("range past the end: %v", err)
	}
	out, body := getBody(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("digits"), PartNumber: aws.Int32(1)})
	if body != "0123456789" || aws.ToString(out.ContentRange) != "bytes 0-9/10" {
		t.Errorf("part 1: %q %q", body, aws.ToString(out.ContentRange))
	}
}

// Preconditions: If-Match and If-Unmodified-Since fail with 412,
// If-None-Match and If-Modified-Since answer 304; If-None-Match: * makes
// PutObject a conditional write.
func TestS3Conditionals(t *testing.T) {
	n := sharedNubo(t)
	c := s3Client(n)
	ctx := context.Background()
	b := createBucket(t, c, "conditionals")
	etag := aws.ToString(put(t, c, b, "k", "v1").ETag)
	past, future := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	key := aws.String("k")
	for _, tt := range []struct {
		name string
		in   s3.GetObjectInput
		code string
	}{
		{"If-Match holds", s3.GetObjectInput{IfMatch: aws.String(etag)}, ""},
		{"If-Match fails", s3.GetObjectInput{IfMatch: aws.String(`"nope"`)}, "PreconditionFailed"},
		{"If-None-Match matches", s3.GetObjectInput{IfNoneMatch: aws.String(etag)}, "NotModified"},
		{"If-Modified-Since future", s3.GetObjectInput{IfModifiedSince: aws.Time(future)}, ""},
		{"If-Modified-Since past", s3.GetObjectInput{IfModifiedSince: aws.Time(past)}, ""},
		{"not modified since", s3.GetObjectInput{IfModifiedSince: aws.Time(time.Now())}, "NotModified"},
		{"If-Unmodified-Since past", s3.GetObjectInput{IfUnmodifiedSince: aws.Time(past)}, "PreconditionFailed"},
	} {
		in := tt.in
		in.Bucket, in.Key = aws.String(b), key
		out, err := c.GetObject(ctx, &in)
		if err == nil {
			out.Body.Close()
		}
		if got := s3Code(err); got != tt.code {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.code)
		}
	}
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: key, Body: strings.NewReader("v2"), IfNoneMatch: aws.String("*")})
	if s3Code(err) != "PreconditionFailed" {
		t.Errorf("If-None-Match: * over an object: %v", err)
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("new"), Body: strings.NewReader("v"), IfNoneMatch: aws.String("*")})
	if err != nil {
		t.Errorf("If-None-Match: * on a new key: %v", err)
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: key, Body: strings.NewReader("v3"), IfMatch: aws.String(etag)})
	if err != nil {
		t.Errorf("If-Match write: %v", err)
	}
}

func TestS3Buckets(t *testing.T) {
	n := sharedNubo(t)
	c := s3Client(n)
	ctx := context.Background()
	b := createBucket(t, c, "buckets")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
		t.Errorf("re-creating a bucket in us-east-1 succeeds, as on AWS: %v", err)
	}
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(b)}); err != nil {
		t.Errorf("HeadBucket: %v", err)
	}
	_, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("no-such-bucket-here")})
	if s3Code(err) != "NotFound" {
		t.Errorf("HeadBucket of a missing bucket: %v", err)
	}
	_, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("Bad_Name")})
	if s3Code(err) != "InvalidBucketName" {
		t.Errorf("invalid name: %v", err)
	}
	eu := s3Client(n, func(o *s3.Options) { o.Region = "eu-west-1" })
	euName := newBucket("eu")
	_, err = eu.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(euName),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = eu.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(euName),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}})
	if s3Code(err) != "BucketAlreadyOwnedByYou" {
		t.Errorf("re-creating in eu-west-1: %v", err)
	}
	loc, err := c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(euName)})
	if err != nil || loc.LocationConstraint != types.BucketLocationConstraintEuWest1 {
		t.Errorf("GetBucketLocation: %v %+v", err, loc)
	}
	loc, err = c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(b)})
	if err != nil || loc.LocationConstraint != "" {
		t.Errorf("GetBucketLocation of us-east-1: %v %+v", err, loc)
	}
	list, err := c.ListBuckets(ctx, &s3.ListBucketsInput{Prefix: aws.String("buckets-")})
	if err != nil || len(list.Buckets) == 0 || list.Owner == nil || aws.ToString(list.Owner.ID) == "" {
		t.Errorf("ListBuckets: %v %+v", err, list)
	}
	put(t, c, b, "k", "v")
	_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(b)})
	if s3Code(err) != "BucketNotEmpty" {
		t.Errorf("deleting a bucket that is not empty: %v", err)
	}
	c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("k")})
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(b)}); err != nil {
		t.Errorf("DeleteBucket: %v", err)
	}
}
