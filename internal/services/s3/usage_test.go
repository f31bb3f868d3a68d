package s3

import (
	"context"
	"strings"
	"testing"
)

// Usage counts what S3 bills: every version and delete marker, and the
// parts of uploads in progress.
func TestUsage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.createBucket("used")
	f.createBucket("empty")
	f.versioning("used", VersioningEnabled)
	f.put("used", "a", "12345")
	f.put("used", "a", "123")
	if _, err := f.svc.DeleteObject(ctx, &DeleteObjectInput{Bucket: "used", Key: "a"}); err != nil {
		t.Fatal(err)
	}
	up, err := f.svc.CreateMultipartUpload(ctx, &CreateMultipartUploadInput{Bucket: "used", Key: "big"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.UploadPart(ctx, &UploadPartInput{Bucket: "used", Key: "big", UploadId: up.UploadId, PartNumber: 1,
		Body: strings.NewReader("part")}); err != nil {
		t.Fatal(err)
	}
	got := map[string]BucketUsage{}
	for _, u := range f.svc.Usage() {
		got[u.Bucket] = u
	}
	if u := got["used"]; u.Bytes != 12 || u.Objects != 3 || u.Region != "us-east-1" {
		t.Errorf("used: %+v", u)
	}
	if u := got["empty"]; u.Bytes != 0 || u.Objects != 0 {
		t.Errorf("empty: %+v", u)
	}
}
