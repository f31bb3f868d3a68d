package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
)

func TestBuckets(t *testing.T) {
	f := newFixture(t)
	for _, name := range []string{"alpha", "beta", "gamma"} {
		f.createBucket(name)
	}
	if _, err := f.svc.CreateBucket(bg, &CreateBucketInput{Bucket: "alpha"}); err != nil {
		t.Errorf("re-create in us-east-1: %v (AWS answers 200)", err)
	}
	eu := WithCaller(bg, Caller{Region: "eu-west-1"})
	for _, tc := range []struct {
		name string
		in   CreateBucketInput
		ctx  context.Context
		code string
	}{
		{"bad name", CreateBucketInput{Bucket: "Bad_Name"}, bg, "InvalidBucketName"},
		{"explicit us-east-1", CreateBucketInput{Bucket: "x-1", CreateBucketConfiguration: &CreateBucketConfiguration{LocationConstraint: "us-east-1"}}, bg, "InvalidLocationConstraint"},
		{"constraint of another region", CreateBucketInput{Bucket: "x-2", CreateBucketConfiguration: &CreateBucketConfiguration{LocationConstraint: "eu-west-1"}}, bg, "IllegalLocationConstraintException"},
		{"no constraint outside us-east-1", CreateBucketInput{Bucket: "x-3"}, eu, "IllegalLocationConstraintException"},
		{"eu bucket", CreateBucketInput{Bucket: "euro", CreateBucketConfiguration: &CreateBucketConfiguration{LocationConstraint: "eu-west-1"}}, eu, ""},
		{"own bucket outside us-east-1", CreateBucketInput{Bucket: "euro", CreateBucketConfiguration: &CreateBucketConfiguration{LocationConstraint: "eu-west-1"}}, eu, "BucketAlreadyOwnedByYou"},
		{"another account's", CreateBucketInput{Bucket: "alpha"}, WithCaller(bg, Caller{Account: "111111111111"}), "BucketAlreadyExists"},
	} {
		_, err := f.svc.CreateBucket(tc.ctx, &tc.in)
		if got := codeOf(err); got != tc.code {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.code)
		}
	}
	loc, err := f.svc.GetBucketLocation(bg, &HeadBucketInput{Bucket: "euro"})
	if err != nil || loc.LocationConstraint != "eu-west-1" {
		t.Errorf("location %+v %v", loc, err)
	}
	loc, _ = f.svc.GetBucketLocation(bg, &HeadBucketInput{Bucket: "alpha"})
	if loc.LocationConstraint != "" {
		t.Errorf("us-east-1 location %q, want empty", loc.LocationConstraint)
	}
	// Paging two at a time.
	var names []string
	token := ""
	for {
		out, err := f.svc.ListBuckets(bg, &ListBucketsInput{MaxBuckets: ptr(int32(2)), ContinuationToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range out.Buckets {
			names = append(names, b.Name)
		}
		if token = out.ContinuationToken; token == "" {
			break
		}
	}
	if got := strings.Join(names, ","); got != "alpha,beta,euro,gamma" {
		t.Errorf("buckets %s", got)
	}
	out, _ := f.svc.ListBuckets(bg, &ListBucketsInput{Prefix: "g"})
	if len(out.Buckets) != 1 || out.Buckets[0].Name != "gamma" {
		t.Errorf("prefix: %+v", out.Buckets)
	}
	f.put("beta", "k", "v")
	if err := f.svc.DeleteBucket(bg, &DeleteBucketInput{Bucket: "beta"}); codeOf(err) != "BucketNotEmpty" {
		t.Errorf("delete non-empty: %v", err)
	}
	if err := f.svc.DeleteBucket(bg, &DeleteBucketInput{Bucket: "gamma"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.HeadBucket(bg, &HeadBucketInput{Bucket: "gamma"}); codeOf(err) != "NoSuchBucket" || fieldOf(err, "BucketName") != "gamma" {
		t.Errorf("head deleted: %v", err)
	}
	f.restart()
	out, _ = f.svc.ListBuckets(bg, &ListBucketsInput{})
	if len(out.Buckets) != 3 {
		t.Errorf("after restart %+v", out.Buckets)
	}
}

func TestBucketConfigurations(t *testing.T) {
	f := newFixture(t)
	f.createBucket("cfg")
	in := &BucketInput{Bucket: "cfg"}
	if _, err := f.svc.GetBucketTagging(bg, in); codeOf(err) != "NoSuchTagSet" {
		t.Errorf("tagging: %v", err)
	}
	if err := f.svc.PutBucketTagging(bg, &PutBucketTaggingInput{Bucket: "cfg", Tagging: &Tagging{TagSet: []Tag{{"aws:x", "y"}}}}); codeOf(err) != "InvalidTag" {
		t.Errorf("aws: tag: %v", err)
	}
	if err := f.svc.PutBucketTagging(bg, &PutBucketTaggingInput{Bucket: "cfg", Tagging: &Tagging{TagSet: []Tag{{"team", "a"}}}}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.PutBucketPolicy(bg, &PutBucketPolicyInput{Bucket: "cfg", Policy: "not json"}); codeOf(err) != "MalformedPolicy" {
		t.Errorf("policy: %v", err)
	}
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::cfg/*"}]}`
	if err := f.svc.PutBucketPolicy(bg, &PutBucketPolicyInput{Bucket: "cfg", Policy: pol}); err != nil {
		t.Fatal(err)
	}
	oc, err := f.svc.GetBucketOwnershipControls(bg, in)
	if err != nil || oc.Rules[0].ObjectOwnership != "BucketOwnerEnforced" {
		t.Errorf("default ownership %+v %v", oc, err)
	}
	pab, err := f.svc.GetPublicAccessBlock(bg, in)
	if err != nil || !pab.BlockPublicAcls || !pab.RestrictPublicBuckets {
		t.Errorf("default public access block %+v %v", pab, err)
	}
	if err := f.svc.DeletePublicAccessBlock(bg, in); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.GetPublicAccessBlock(bg, in); codeOf(err) != "NoSuchPublicAccessBlockConfiguration" {
		t.Errorf("deleted PAB: %v", err)
	}
	if _, err := f.svc.GetBucketCors(bg, in); codeOf(err) != "NoSuchCORSConfiguration" {
		t.Errorf("cors: %v", err)
	}
	cors := &CORSConfiguration{CORSRules: []CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}}}}
	if err := f.svc.PutBucketCors(bg, &PutBucketCorsInput{Bucket: "cfg", CORSConfiguration: cors}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CORS(bg, "cfg", CORSRequest{Origin: "https://x", Method: "PUT"}, true); codeOf(err) != "AccessForbidden" {
		t.Errorf("preflight PUT: %v", err)
	}
	f.versioning("cfg", VersioningEnabled)
	f.restart()
	tags, err := f.svc.GetBucketTagging(bg, in)
	if err != nil || len(tags.TagSet) != 1 {
		t.Errorf("tags after restart %+v %v", tags, err)
	}
	p, err := f.svc.GetBucketPolicy(bg, in)
	if err != nil || p.Policy != pol {
		t.Errorf("policy after restart %v", err)
	}
	v, _ := f.svc.GetBucketVersioning(bg, in)
	if v.Status != VersioningEnabled {
		t.Errorf("versioning %+v", v)
	}
	if res, err := f.svc.CORS(bg, "cfg", CORSRequest{Origin: "https://x", Method: "GET"}, true); err != nil || res.AllowOrigin != "*" {
		t.Errorf("cors after restart %+v %v", res, err)
	}
	if err := f.svc.PutBucketVersioning(bg, &PutBucketVersioningInput{Bucket: "cfg", VersioningConfiguration: &VersioningConfiguration{Status: "Off"}}); codeOf(err) != "MalformedXML" {
		t.Errorf("versioning Off: %v", err)
	}
}

func TestPutGetHead(t *testing.T) {
	f := newFixture(t)
	f.createBucket("bkt")
	body := "hello, world"
	sum := md5.Sum([]byte(body))
	out, err := f.svc.PutObject(bg, &PutObjectInput{
		Bucket: "bkt", Key: "dir/hello.txt", Body: strings.NewReader(body), ContentLength: ptr(int64(len(body))),
		ContentMD5:    base64.StdEncoding.EncodeToString(sum[:]),
		ObjectHeaders: ObjectHeaders{ContentType: "text/plain", CacheControl: "max-age=60", WebsiteRedirectLocation: "/other"},
		Metadata:      map[string]string{"Color": "blue"}, Tagging: "a=1&b=two%20words", StorageClass: "STANDARD_IA",
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.ETag != `"e4d7f1b4ed2e42d15898f4b27b019da4"` || out.VersionId != "" || out.ChecksumCRC64NVME == "" {
		t.Errorf("put output %+v", out)
	}
	got, g := f.get(&GetObjectInput{Bucket: "bkt", Key: "dir/hello.txt", ChecksumMode: "ENABLED"})
	h := g.HeadObjectOutput
	if got != body || h.ContentType != "text/plain" || h.CacheControl != "max-age=60" || h.Metadata["color"] != "blue" ||
		h.TagCount != 2 || h.StorageClass != "STANDARD_IA" || h.WebsiteRedirectLocation != "/other" || h.ContentLength != int64(len(body)) ||
		h.ChecksumCRC64NVME != out.ChecksumCRC64NVME || h.ChecksumType != ChecksumFullObject || h.AcceptRanges != "bytes" {
		t.Errorf("get %q %+v", got, h)
	}
	part, g := f.get(&GetObjectInput{Bucket: "bkt", Key: "dir/hello.txt", Range: "bytes=7-", ResponseContentType: "application/x"})
	if part != "world" || g.ContentRange != "bytes 7-11/12" || g.ContentType != "application/x" || g.ContentLength != 5 {
		t.Errorf("range %q %+v", part, g.HeadObjectOutput)
	}
	if _, err := f.svc.GetObject(bg, &GetObjectInput{Bucket: "bkt", Key: "dir/hello.txt", Range: "bytes=12-"}); codeOf(err) != "InvalidRange" {
		t.Errorf("range past end: %v", err)
	}
	if _, err := f.svc.HeadObject(bg, &HeadObjectInput{Bucket: "bkt", Key: "dir/hello.txt", IfNoneMatch: out.ETag}); codeOf(err) != "NotModified" {
		t.Errorf("if-none-match: %v", err)
	}
	if _, err := f.svc.HeadObject(bg, &HeadObjectInput{Bucket: "bkt", Key: "dir/hello.txt", PartNumber: ptr(int32(1))}); err != nil {
		t.Errorf("part 1 of a simple object: %v", err)
	}
	if _, err := f.svc.HeadObject(bg, &HeadObjectInput{Bucket: "bkt", Key: "nope"}); codeOf(err) != "NoSuchKey" {
		t.Errorf("missing: %v", err)
	}
	for _, tc := range []struct {
		name string
		in   PutObjectInput
		code string
	}{
		{"bad md5", PutObjectInput{Key: "k", Body: strings.NewReader("x"), ContentMD5: "nope"}, "InvalidDigest"},
		{"wrong md5", PutObjectInput{Key: "k", Body: strings.NewReader("x"), ContentMD5: base64.StdEncoding.EncodeToString(sum[:])}, "BadDigest"},
		{"short body", PutObjectInput{Key: "k", Body: strings.NewReader("x"), ContentLength: ptr(int64(2))}, "IncompleteBody"},
		{"sha256", PutObjectInput{Key: "k", Body: strings.NewReader("x"), ContentSHA256: strings.Repeat("0", 64)}, "XAmzContentSHA256Mismatch"},
		{"crc32 mismatch", PutObjectInput{Key: "k", Body: strings.NewReader("x"), Checksums: Checksums{ChecksumCRC32: "AAAAAA=="}}, "BadDigest"},
		{"crc32 malformed", PutObjectInput{Key: "k", Body: strings.NewReader("x"), Checksums: Checksums{ChecksumCRC32: "AA"}}, "InvalidRequest"},
		{"two checksums", PutObjectInput{Key: "k", Body: strings.NewReader("x"), Checksums: Checksums{ChecksumCRC32: "AAAAAA==", ChecksumSHA1: "x"}}, "InvalidRequest"},
		{"metadata too large", PutObjectInput{Key: "k", Body: strings.NewReader("x"), Metadata: map[string]string{"m": strings.Repeat("x", 2048)}}, "MetadataTooLarge"},
		{"too many tags", PutObjectInput{Key: "k", Body: strings.NewReader("x"), Tagging: "a=1&b=1&c=1&d=1&e=1&f=1&g=1&h=1&i=1&j=1&k=1"}, "InvalidTag"},
		{"key too long", PutObjectInput{Key: strings.Repeat("k", 1025), Body: strings.NewReader("x")}, "KeyTooLongError"},
		{"storage class", PutObjectInput{Key: "k", Body: strings.NewReader("x"), StorageClass: "SNOW"}, "InvalidStorageClass"},
		{"too large", PutObjectInput{Key: "k", Body: strings.NewReader("x"), ContentLength: ptr(int64(6 << 30))}, "EntityTooLarge"},
		{"no bucket", PutObjectInput{Bucket: "none", Key: "k", Body: strings.NewReader("x")}, "NoSuchBucket"},
	} {
		in := tc.in
		if in.Bucket == "" {
			in.Bucket = "bkt"
		}
		if _, err := f.svc.PutObject(bg, &in); codeOf(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	// A checksum given as a trailer (set once the body is read).
	in := &PutObjectInput{Bucket: "bkt", Key: "trailer", ChecksumAlgorithm: "SHA256"}
	in.Body = &trailerReader{r: strings.NewReader("abc"), set: func() { in.ChecksumSHA256 = "ungcv6E1oeq0t9Y8pTW8ps9aVlU2y9/eM5F4vTHmuNA=" }}
	if _, err := f.svc.PutObject(bg, in); codeOf(err) != "BadDigest" {
		t.Errorf("trailer mismatch: %v", err)
	}
	in.Body = &trailerReader{r: strings.NewReader("abc"), set: func() { in.ChecksumSHA256 = "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=" }}
	if _, err := f.svc.PutObject(bg, in); err != nil {
		t.Errorf("trailer: %v", err)
	}
	f.restart()
	if got, _ := f.get(&GetObjectInput{Bucket: "bkt", Key: "dir/hello.txt"}); got != body {
		t.Errorf("after restart %q", got)
	}
}

// trailerReader calls set when the body ends, as an aws-chunked decoder
// learns a trailing checksum.
type trailerReader struct {
	r   io.Reader
	set func()
}

func (t *trailerReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err == io.EOF {
		t.set()
	}
	return n, err
}

func TestConditionalWrites(t *testing.T) {
	f := newFixture(t)
	f.createBucket("bkt")
	if _, err := f.svc.PutObject(bg, &PutObjectInput{Bucket: "bkt", Key: "k", Body: strings.NewReader("1"), IfNoneMatch: "*"}); err != nil {
		t.Fatal(err)
	}
	first, _ := f.svc.HeadObject(bg, &HeadObjectInput{Bucket: "bkt", Key: "k"})
	for _, tc := range []struct {
		name                 string
		ifMatch, ifNoneMatch string
		key, code            string
	}{
		{"create exists", "", "*", "k", "PreconditionFailed"},
		{"if-none-match etag", "", `"x"`, "k", "NotImplemented"},
		{"if-match wrong", `"x"`, "", "k", "PreconditionFailed"},
		{"if-match missing", first.ETag, "", "missing", "NoSuchKey"},
		{"if-match right", first.ETag, "", "k", ""},
	} {
		_, err := f.svc.PutObject(bg, &PutObjectInput{Bucket: "bkt", Key: tc.key, Body: strings.NewReader("2"), IfMatch: tc.ifMatch, IfNoneMatch: tc.ifNoneMatch})
		if codeOf(err) != tc.code {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.code)
		}
	}
	// A write that lands while a conditional one is uploading wins; the
	// conditional one is a conflict.
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := f.svc.PutObject(bg, &PutObjectInput{Bucket: "bkt", Key: "race", Body: pr, IfNoneMatch: "*"})
		done <- err
	}()
	pw.Write([]byte("first half"))
	f.put("bkt", "race", "winner")
	pw.Close()
	if err := <-done; codeOf(err) != "ConditionalRequestConflict" {
		t.Errorf("concurrent conditional write: %v", err)
	}
	if got, _ := f.get(&GetObjectInput{Bucket: "bkt", Key: "race"}); got != "winner" {
		t.Errorf("race: %q", got)
	}
}

func TestVersioning(t *testing.T) {
	f := newFixture(t)
	f.createBucket("ver")
	f.put("ver", "k", "null-1")
	f.versioning("ver", VersioningEnabled)
	a := f.put("ver", "k", "A")
	b := f.put("ver", "k", "B")
	if a.VersionId == "" || a.VersionId == b.VersionId || len(a.VersionId) != 32 {
		t.Fatalf("version ids %q %q", a.VersionId, b.VersionId)
	}
	del, err := f.svc.DeleteObject(bg, &DeleteObjectInput{Bucket: "ver", Key: "k"})
	if err != nil || !del.DeleteMarker || del.VersionId == "" {
		t.Fatalf("delete %+v %v", del, err)
	}
	_, err = f.svc.GetObject(bg, &GetObjectInput{Bucket: "ver", Key: "k"})
	var ae *awserr.Error
	if !errors.As(err, &ae) || ae.Code != ErrNoSuchKey || ae.Header["x-amz-delete-marker"] != "true" || ae.Header["x-amz-version-id"] != del.VersionId {
		t.Errorf("get after delete: %v %+v", err, ae)
	}
	if _, err := f.svc.GetObject(bg, &GetObjectInput{Bucket: "ver", Key: "k", VersionId: del.VersionId}); codeOf(err) != "MethodNotAllowed" {
		t.Errorf("get the delete marker: %v", err)
	}
	for id, want := range map[string]string{"null": "null-1", a.VersionId: "A", b.VersionId: "B"} {
		if got, _ := f.get(&GetObjectInput{Bucket: "ver", Key: "k", VersionId: id}); got != want {
			t.Errorf("version %s: %q, want %q", id, got, want)
		}
	}
	if _, err := f.svc.GetObject(bg, &GetObjectInput{Bucket: "ver", Key: "k", VersionId: "bad id"}); codeOf(err) != "InvalidArgument" {
		t.Errorf("bad version id: %v", err)
	}
	if _, err := f.svc.GetObject(bg, &GetObjectInput{Bucket: "ver", Key: "k", VersionId: strings.Repeat("x", 32)}); codeOf(err) != "NoSuchVersion" {
		t.Errorf("unknown version id: %v", err)
	}
	// Removing the delete marker brings B back.
	if _, err := f.svc.DeleteObject(bg, &DeleteObjectInput{Bucket: "ver", Key: "k", VersionId: del.VersionId}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.get(&GetObjectInput{Bucket: "ver", Key: "k"}); got != "B" {
		t.Errorf("after removing the marker: %q", got)
	}
	// Suspended: puts and deletes replace the null version.
	f.versioning("ver", VersioningSuspended)
	s1 := f.put("ver", "k", "S")
	if s1.VersionId != "" { // the null version, which S3 does not name in the answer
		t.Errorf("suspended put version %q", s1.VersionId)
	}
	lv, _ := f.svc.ListObjectVersions(bg, &ListObjectVersionsInput{Bucket: "ver"})
	if len(lv.Versions) != 3 || lv.Versions[0].VersionId != "null" || !lv.Versions[0].IsLatest {
		t.Errorf("versions after suspended put: %+v", lv.Versions)
	}
	d2, _ := f.svc.DeleteObject(bg, &DeleteObjectInput{Bucket: "ver", Key: "k"})
	if !d2.DeleteMarker || d2.VersionId != "null" {
		t.Errorf("suspended delete %+v", d2)
	}
	f.restart()
	lv, _ = f.svc.ListObjectVersions(bg, &ListObjectVersionsInput{Bucket: "ver"})
	if len(lv.Versions) != 2 || len(lv.DeleteMarkers) != 1 || lv.DeleteMarkers[0].VersionId != "null" || !lv.DeleteMarkers[0].IsLatest {
		t.Errorf("after restart: versions %+v markers %+v", lv.Versions, lv.DeleteMarkers)
	}
	res, err := f.svc.DeleteObjects(bg, &DeleteObjectsInput{Bucket: "ver", Delete: &Delete{Objects: []ObjectIdentifier{
		{Key: "k", VersionId: a.VersionId}, {Key: "k", VersionId: b.VersionId}, {Key: "k", VersionId: "null"}, {Key: "k", VersionId: "??"},
	}}})
	if err != nil || len(res.Deleted) != 3 || len(res.Errors) != 1 || res.Errors[0].Code != "InvalidArgument" {
		t.Errorf("delete objects %+v %v", res, err)
	}
	if err := f.svc.DeleteBucket(bg, &DeleteBucketInput{Bucket: "ver"}); err != nil {
		t.Errorf("delete emptied bucket: %v", err)
	}
}

func TestCopyObject(t *testing.T) {
	f := newFixture(t)
	f.createBucket("src")
	f.createBucket("dst")
	put, err := f.svc.PutObject(bg, &PutObjectInput{Bucket: "src", Key: "a b", Body: strings.NewReader("payload"), Metadata: map[string]string{"m": "1"}, ObjectHeaders: ObjectHeaders{ContentType: "text/x"}, Tagging: "t=1"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.svc.CopyObject(bg, &CopyObjectInput{Bucket: "dst", Key: "copy", CopySource: "/src/a%20b"})
	if err != nil {
		t.Fatal(err)
	}
	if out.CopyObjectResult.ETag != put.ETag {
		t.Errorf("copy etag %s", out.CopyObjectResult.ETag)
	}
	got, g := f.get(&GetObjectInput{Bucket: "dst", Key: "copy"})
	if got != "payload" || g.Metadata["m"] != "1" || g.ContentType != "text/x" || g.TagCount != 1 {
		t.Errorf("copy %q %+v", got, g.HeadObjectOutput)
	}
	_, err = f.svc.CopyObject(bg, &CopyObjectInput{Bucket: "dst", Key: "replaced", CopySource: "src/a%20b", MetadataDirective: "REPLACE", Metadata: map[string]string{"n": "2"}, TaggingDirective: "REPLACE"})
	if err != nil {
		t.Fatal(err)
	}
	_, g = f.get(&GetObjectInput{Bucket: "dst", Key: "replaced"})
	if g.Metadata["m"] != "" || g.Metadata["n"] != "2" || g.ContentType != "" || g.TagCount != 0 {
		t.Errorf("replace %+v", g.HeadObjectOutput)
	}
	// The source deleted, the copies keep their bytes (hard links).
	f.svc.DeleteObject(bg, &DeleteObjectInput{Bucket: "src", Key: "a b"})
	if got, _ := f.get(&GetObjectInput{Bucket: "dst", Key: "copy"}); got != "payload" {
		t.Errorf("copy after source deleted %q", got)
	}
	future := f.clock.Now().Add(time.Hour)
	past := f.clock.Now().Add(-time.Hour)
	for _, tc := range []struct {
		name string
		in   CopyObjectInput
		code string
	}{
		{"to itself", CopyObjectInput{Bucket: "dst", Key: "copy", CopySource: "dst/copy"}, "InvalidRequest"},
		{"to itself replacing", CopyObjectInput{Bucket: "dst", Key: "copy", CopySource: "dst/copy", MetadataDirective: "REPLACE"}, ""},
		{"missing source", CopyObjectInput{Bucket: "dst", Key: "x", CopySource: "src/a%20b"}, "NoSuchKey"},
		{"bad source", CopyObjectInput{Bucket: "dst", Key: "x", CopySource: "nokey"}, "InvalidArgument"},
		{"bad directive", CopyObjectInput{Bucket: "dst", Key: "x", CopySource: "dst/copy", MetadataDirective: "MERGE"}, "InvalidArgument"},
		{"source if-match", CopyObjectInput{Bucket: "dst", Key: "x", CopySource: "dst/copy", CopySourceIfMatch: `"nope"`}, "PreconditionFailed"},
		{"source if-none-match", CopyObjectInput{Bucket: "dst", Key: "x", CopySource: "dst/copy", CopySourceIfNoneMatch: put.ETag}, "PreconditionFailed"},
		{"source modified-since", CopyObjectInput{Bucket: "dst", Key: "x", CopySource: "dst/copy", CopySourceIfModifiedSince: &future}, ""},
		{"source unmodified-since", CopyObjectInput{Bucket: "dst", Key: "x", CopySource: "dst/copy", CopySourceIfUnmodifiedSince: &past}, "PreconditionFailed"},
		{"new checksum", CopyObjectInput{Bucket: "dst", Key: "y", CopySource: "dst/copy", ChecksumAlgorithm: "SHA1"}, ""},
	} {
		if _, err := f.svc.CopyObject(bg, &tc.in); codeOf(err) != tc.code {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.code)
		}
	}
	h, _ := f.svc.HeadObject(bg, &HeadObjectInput{Bucket: "dst", Key: "y", ChecksumMode: "ENABLED"})
	if h.ChecksumSHA1 != "8H5agVYTxavt3EtoIkekxC2Kld8=" {
		t.Errorf("recomputed sha1 %q", h.ChecksumSHA1)
	}
}

func TestObjectTaggingAndAttributes(t *testing.T) {
	f := newFixture(t)
	f.createBucket("bkt")
	f.put("bkt", "k", "12345")
	if _, err := f.svc.PutObjectTagging(bg, &ObjectTaggingInput{Bucket: "bkt", Key: "k", Tagging: &Tagging{TagSet: []Tag{{"a", "1"}, {"a", "2"}}}}); codeOf(err) != "InvalidTag" {
		t.Errorf("duplicate tags: %v", err)
	}
	if _, err := f.svc.PutObjectTagging(bg, &ObjectTaggingInput{Bucket: "bkt", Key: "k", Tagging: &Tagging{TagSet: []Tag{{"a", "1"}}}}); err != nil {
		t.Fatal(err)
	}
	f.restart()
	tags, err := f.svc.GetObjectTagging(bg, &ObjectTaggingInput{Bucket: "bkt", Key: "k"})
	if err != nil || len(tags.TagSet) != 1 || tags.TagSet[0].Value != "1" {
		t.Errorf("tags %+v %v", tags, err)
	}
	attrs, err := f.svc.GetObjectAttributes(bg, &GetObjectAttributesInput{Bucket: "bkt", Key: "k", ObjectAttributes: []string{"ETag", "ObjectSize", "StorageClass", "Checksum"}})
	if err != nil || attrs.ETag != "827ccb0eea8a706c4c34a16891f84e7b" || *attrs.ObjectSize != 5 || attrs.StorageClass != "STANDARD" || attrs.Checksum.ChecksumCRC64NVME == "" {
		t.Errorf("attributes %+v %v", attrs, err)
	}
	if _, err := f.svc.GetObjectAttributes(bg, &GetObjectAttributesInput{Bucket: "bkt", Key: "k", ObjectAttributes: []string{"Color"}}); codeOf(err) != "InvalidArgument" {
		t.Errorf("bad attribute: %v", err)
	}
}

func TestReaderSurvivesDeletion(t *testing.T) {
	f := newFixture(t)
	f.createBucket("bkt")
	data := bytes.Repeat([]byte("x"), 1<<20)
	f.svc.PutObject(bg, &PutObjectInput{Bucket: "bkt", Key: "k", Body: bytes.NewReader(data)})
	out, err := f.svc.GetObject(bg, &GetObjectInput{Bucket: "bkt", Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.DeleteObject(bg, &DeleteObjectInput{Bucket: "bkt", Key: "k"}); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("read after delete: %d bytes, %v", len(got), err)
	}
}

func TestStartupReconciles(t *testing.T) {
	f := newFixture(t)
	f.createBucket("recon")
	id := f.upload("recon", "k", "", "")
	f.uploadPart("recon", "k", id, 1, []byte("part"))
	// What a crash can leave: a part record whose upload is gone, a version
	// of a deleted bucket, and a blob file no record names.
	f.svc.kv.Put(bg, partKey("recon", "gone-upload", 1), []byte(`{"n":1,"b":"00ff","s":1,"e":"\"x\""}`))
	f.svc.kv.Put(bg, versionKey("deleted-bucket", "k", "null"), []byte(`{"k":"k","v":"null","q":1}`))
	stray := f.svc.blobs.path("ab" + strings.Repeat("0", 30))
	os.MkdirAll(filepath.Dir(stray), 0o750)
	os.WriteFile(stray, []byte("stray"), 0o640)
	f.restart()
	if _, err := f.svc.kv.Get(bg, partKey("recon", "gone-upload", 1)); err == nil {
		t.Error("orphan part record kept")
	}
	if _, err := f.svc.kv.Get(bg, versionKey("deleted-bucket", "k", "null")); err == nil {
		t.Error("version of a deleted bucket kept")
	}
	if _, err := os.Stat(stray); err == nil {
		t.Error("stray blob kept")
	}
	parts, err := f.svc.ListParts(bg, &ListPartsInput{Bucket: "recon", Key: "k", UploadId: id})
	if err != nil || len(parts.Parts) != 1 {
		t.Errorf("upload in progress after restart %+v %v", parts, err)
	}
	// Deleting the bucket aborts its uploads and removes their files.
	if err := f.svc.DeleteBucket(bg, &DeleteBucketInput{Bucket: "recon"}); err != nil {
		t.Fatal(err)
	}
	checkNoLeftovers(t, f)
	if n := countFiles(filepath.Join(f.dir, "blobs")); n != 0 {
		t.Errorf("%d blob files after deleting the bucket", n)
	}
}

func countFiles(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}
