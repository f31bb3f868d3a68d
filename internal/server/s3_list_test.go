package server_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func keysOf(objs []types.Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, aws.ToString(o.Key))
	}
	return out
}

func prefixesOf(cps []types.CommonPrefix) []string {
	var out []string
	for _, p := range cps {
		out = append(out, aws.ToString(p.Prefix))
	}
	return out
}

// Keys are taken as sent: "//", ".." and "%2F" are parts of keys, not
// paths to clean.
func TestS3KeysAsSent(t *testing.T) {
	n := sharedNubo(t)
	c := s3Client(n)
	b := createBucket(t, c, "rawkeys")
	keys := []string{"a//b", "../up", "a/./b", "x%2Fy", "sp ace+plus", "ünï/cødé", "q?x=1&y", "trailing/"}
	for _, k := range keys {
		put(t, c, b, k, "v:"+k)
	}
	for _, k := range keys {
		if _, body := getBody(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(k)}); body != "v:"+k {
			t.Errorf("%q: %q", k, body)
		}
	}
	list, err := c.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(b)})
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(keys)
	slices.Sort(want)
	if got := keysOf(list.Contents); !slices.Equal(got, want) {
		t.Errorf("listed %q, want %q", got, want)
	}
	// encoding-type=url: the CLI's default; keys come back encoded.
	enc, err := c.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(b), EncodingType: types.EncodingTypeUrl})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range enc.Contents {
		k, err := url.QueryUnescape(aws.ToString(o.Key))
		if err != nil || !slices.Contains(keys, k) {
			t.Errorf("encoded key %q decodes to %q (%v)", aws.ToString(o.Key), k, err)
		}
	}
}

func TestS3ListDelimiters(t *testing.T) {
	n := sharedNubo(t)
	c := s3Client(n)
	ctx := context.Background()
	b := createBucket(t, c, "delims")
	for _, k := range []string{"a.txt", "photos/2024/a.jpg", "photos/2024/b.jpg", "photos/2025/c.jpg", "photos/index.html", "videos/v.mp4", "z"} {
		put(t, c, b, k, "x")
	}
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b), Delimiter: aws.String("/")})
	if err != nil {
		t.Fatal(err)
	}
	if got := keysOf(out.Contents); !slices.Equal(got, []string{"a.txt", "z"}) {
		t.Errorf("top-level keys %q", got)
	}
	if got := prefixesOf(out.CommonPrefixes); !slices.Equal(got, []string{"photos/", "videos/"}) {
		t.Errorf("top-level prefixes %q", got)
	}
	out, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b), Delimiter: aws.String("/"), Prefix: aws.String("photos/")})
	if err != nil || !slices.Equal(keysOf(out.Contents), []string{"photos/index.html"}) ||
		!slices.Equal(prefixesOf(out.CommonPrefixes), []string{"photos/2024/", "photos/2025/"}) {
		t.Errorf("under photos/: %v %q %q", err, keysOf(out.Contents), prefixesOf(out.CommonPrefixes))
	}
	// Pages of two, through the SDK's paginator (continuation tokens).
	var all []string
	pages := 0
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(b), MaxKeys: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		all = append(all, keysOf(page.Contents)...)
	}
	if len(all) != 7 || pages != 4 {
		t.Errorf("paged %d keys in %d pages", len(all), pages)
	}
	after, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b), StartAfter: aws.String("photos/2025/c.jpg")})
	if err != nil || !slices.Equal(keysOf(after.Contents), []string{"photos/index.html", "videos/v.mp4", "z"}) {
		t.Errorf("start-after: %v %q", err, keysOf(after.Contents))
	}
	v1, err := c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String(b), Delimiter: aws.String("/"), MaxKeys: aws.Int32(2)})
	if err != nil || !aws.ToBool(v1.IsTruncated) || aws.ToString(v1.NextMarker) != "photos/" {
		t.Errorf("ListObjects: %v %+v", err, v1)
	}
	v1, err = c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String(b), Delimiter: aws.String("/"), Marker: v1.NextMarker})
	if err != nil || !slices.Equal(prefixesOf(v1.CommonPrefixes), []string{"videos/"}) || !slices.Equal(keysOf(v1.Contents), []string{"z"}) {
		t.Errorf("ListObjects after the marker: %v %q %q", err, prefixesOf(v1.CommonPrefixes), keysOf(v1.Contents))
	}
}

func TestS3Versioning(t *testing.T) {
	n := sharedNubo(t)
	c := s3Client(n)
	ctx := context.Background()
	b := createBucket(t, c, "versions")
	if v, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(b)}); err != nil || v.Status != "" {
		t.Errorf("new bucket versioning: %v %+v", err, v)
	}
	_, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(b),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	if err != nil {
		t.Fatal(err)
	}
	v1 := aws.ToString(put(t, c, b, "doc", "one").VersionId)
	v2 := aws.ToString(put(t, c, b, "doc", "two").VersionId)
	if v1 == "" || v2 == "" || v1 == v2 {
		t.Fatalf("version ids %q %q", v1, v2)
	}
	if _, body := getBody(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("doc"), VersionId: aws.String(v1)}); body != "one" {
		t.Errorf("version 1: %q", body)
	}
	del, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("doc")})
	if err != nil || !aws.ToBool(del.DeleteMarker) || aws.ToString(del.VersionId) == "" {
		t.Fatalf("versioned delete: %v %+v", err, del)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("doc")})
	if s3Code(err) != "NoSuchKey" {
		t.Errorf("GET behind a delete marker: %v", err)
	}
	list, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(b)})
	if err != nil || len(list.Versions) != 2 || len(list.DeleteMarkers) != 1 || !aws.ToBool(list.DeleteMarkers[0].IsLatest) {
		t.Fatalf("ListObjectVersions: %v %+v", err, list)
	}
	if aws.ToString(list.Versions[0].VersionId) != v2 || aws.ToString(list.Versions[1].VersionId) != v1 {
		t.Errorf("versions not newest first: %+v", list.Versions)
	}
	// Removing the delete marker brings the object back.
	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("doc"), VersionId: del.VersionId})
	if err != nil {
		t.Fatal(err)
	}
	if _, body := getBody(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("doc")}); body != "two" {
		t.Errorf("after removing the marker: %q", body)
	}
	// DeleteObjects of every version empties the bucket.
	var ids []types.ObjectIdentifier
	for _, v := range []string{v1, v2} {
		ids = append(ids, types.ObjectIdentifier{Key: aws.String("doc"), VersionId: aws.String(v)})
	}
	res, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(b), Delete: &types.Delete{Objects: ids}})
	if err != nil || len(res.Deleted) != 2 || len(res.Errors) != 0 {
		t.Fatalf("DeleteObjects: %v %+v", err, res)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(b)}); err != nil {
		t.Errorf("DeleteBucket after removing every version: %v", err)
	}
	if strings.Contains(v1, "null") {
		t.Errorf("version id %q", v1)
	}
}
