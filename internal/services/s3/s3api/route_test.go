package s3api

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

func TestVirtualBucket(t *testing.T) {
	for host, want := range map[string]string{
		"photos.s3.localhost:4566":           "photos",
		"photos.s3.us-east-1.localhost:4566": "photos",
		"my.dotted.bucket.s3.localhost":      "my.dotted.bucket",
		"photos.localhost:4566":              "photos",
		"photos.s3.amazonaws.com":            "photos",
		"photos.s3.eu-west-1.amazonaws.com":  "photos",
		"photos.s3-eu-west-1.amazonaws.com":  "photos",
		"s3.localhost:4566":                  "",
		"s3.us-east-1.localhost":             "",
		"localhost:4566":                     "",
		"127.0.0.1:4566":                     "",
		"sqs.us-east-1.amazonaws.com":        "",
		"PHOTOS.S3.LOCALHOST":                "photos",
	} {
		if got := virtualBucket(host); got != want {
			t.Errorf("virtualBucket(%q) = %q, want %q", host, got, want)
		}
	}
}

func TestDispatch(t *testing.T) {
	tests := []struct {
		method, target, host, header, op, bucket, key string
	}{
		{"GET", "/", "", "", "ListBuckets", "", ""},
		{"PUT", "/b", "", "", "CreateBucket", "b", ""},
		{"PUT", "/b/", "", "", "CreateBucket", "b", ""},
		{"GET", "/b?list-type=2&prefix=a", "", "", "ListObjectsV2", "b", ""},
		{"GET", "/b", "", "", "ListObjects", "b", ""},
		{"GET", "/b?versions", "", "", "ListObjectVersions", "b", ""},
		{"GET", "/b?uploads", "", "", "ListMultipartUploads", "b", ""},
		{"GET", "/b?website", "", "", "Unsupported", "b", ""},
		{"PUT", "/b?tagging", "", "", "PutBucketTagging", "b", ""},
		{"DELETE", "/b?cors", "", "", "DeleteBucketCors", "b", ""},
		{"POST", "/b?delete", "", "", "DeleteObjects", "b", ""},
		{"POST", "/b", "", "", "PostObject", "b", ""},
		{"PUT", "/b/k", "", "", "PutObject", "b", "k"},
		{"PUT", "/b/k", "", "X-Amz-Copy-Source", "CopyObject", "b", "k"},
		{"PUT", "/b/k?partNumber=1&uploadId=u", "", "", "UploadPart", "b", "k"},
		{"PUT", "/b/k?partNumber=1&uploadId=u", "", "X-Amz-Copy-Source", "UploadPartCopy", "b", "k"},
		{"POST", "/b/k?uploads", "", "", "CreateMultipartUpload", "b", "k"},
		{"POST", "/b/k?uploadId=u", "", "", "CompleteMultipartUpload", "b", "k"},
		{"GET", "/b/k?uploadId=u", "", "", "ListParts", "b", "k"},
		{"DELETE", "/b/k?uploadId=u", "", "", "AbortMultipartUpload", "b", "k"},
		{"GET", "/b/k?attributes", "", "", "GetObjectAttributes", "b", "k"},
		{"GET", "/b/dir//a/../k%2Fx", "", "", "GetObject", "b", "dir//a/../k/x"},
		{"HEAD", "/b/k", "", "", "HeadObject", "b", "k"},
		{"OPTIONS", "/b/k", "", "", "PreflightCORS", "b", "k"},
		{"GET", "/k/in/bucket", "b.s3.localhost", "", "GetObject", "b", "k/in/bucket"},
		{"GET", "/", "b.s3.localhost", "", "ListObjects", "b", ""},
		{"PATCH", "/b/k", "", "", "", "", ""},
		{"GET", "//k", "", "", "", "", ""},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, "http://127.0.0.1"+tt.target, nil)
		if tt.host != "" {
			r.Host = tt.host
		}
		if tt.header != "" {
			r.Header.Set(tt.header, "src/key")
		}
		op, labels := dispatch(r)
		if op != tt.op || labels["Bucket"] != tt.bucket || labels["Key"] != tt.key {
			t.Errorf("%s %s (host %q): %q %v, want %q %q %q", tt.method, tt.target, tt.host, op, labels, tt.op, tt.bucket, tt.key)
		}
	}
}

func TestURLEncode(t *testing.T) {
	for in, want := range map[string]string{
		"a b+c/d": "a%20b%2Bc/d", "\n": "%0A", "ü": "%C3%BC", "ok-_.~": "ok-_.~", "a&b=c": "a%26b%3Dc",
	} {
		if got := urlEncode(in); got != want {
			t.Errorf("urlEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestContentEncoding(t *testing.T) {
	for in, want := range map[string]string{
		"gzip": "gzip", "deflate, gzip": "deflate, gzip", "gzip, aws-chunked": "gzip", "aws-chunked,gzip": "gzip",
		"aws-chunked": "", "AWS-CHUNKED, aws-chunked": "",
	} {
		if got := contentEncoding(in); got != want {
			t.Errorf("contentEncoding(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzDispatch routes arbitrary requests: every one is some operation or
// none, with labels that came from its host and path.
func FuzzDispatch(f *testing.F) {
	f.Add("GET", "/b/k?tagging", "b.s3.localhost:4566")
	f.Add("PUT", "/b//k/../x?partNumber=1&uploadId=u", "127.0.0.1")
	f.Add("OPTIONS", "/", "x.s3.us-east-1.localhost")
	f.Fuzz(func(t *testing.T, method, target, host string) {
		u, err := url.ParseRequestURI(target)
		if err != nil || method == "" {
			return
		}
		r := &http.Request{Method: method, URL: u, Host: host, Header: http.Header{}}
		op, labels := dispatch(r)
		if op == "" {
			return
		}
		if vb := virtualBucket(host); vb != "" && labels["Bucket"] != vb {
			t.Fatalf("host %q names %q, routed to %q", host, vb, labels["Bucket"])
		}
		if labels["Key"] != "" && labels["Bucket"] == "" {
			t.Fatalf("a key without a bucket: %v", labels)
		}
	})
}
