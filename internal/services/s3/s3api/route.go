package s3api

import (
	"net"
	"net/http"
	"regexp"
	"strings"
)

// target is what a request points at: a bucket (or none: the service)
// and, inside it, a key (or none: the bucket itself).
type target struct {
	bucket, key string
}

// targetOf reads the bucket from a virtual-hosted style host
// (bucket.s3.localhost:4566) or from the path's first segment (path
// style), and the key from the rest of the path as it was sent: keys may
// hold "//", ".." and "%2F", none of which is cleaned or split.
func targetOf(r *http.Request) target {
	path := strings.TrimPrefix(r.URL.Path, "/")
	if b := virtualBucket(r.Host); b != "" {
		return target{bucket: b, key: path}
	}
	bucket, key, _ := strings.Cut(path, "/")
	return target{bucket: bucket, key: key}
}

// region is an AWS region name as hosts carry it.
var region = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]+$`)

// virtualBucket returns the bucket a virtual-hosted style host names, or
// "": <bucket>.s3[.<region>].localhost, <bucket>.localhost and AWS's own
// <bucket>.s3[.<region>|-<region>].amazonaws.com. The port is ignored.
func virtualBucket(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	var rest string
	switch {
	case strings.HasSuffix(host, ".localhost"):
		rest = strings.TrimSuffix(host, ".localhost")
	case strings.HasSuffix(host, ".amazonaws.com"):
		rest = strings.TrimSuffix(host, ".amazonaws.com")
	default:
		return ""
	}
	labels := strings.Split(rest, ".")
	// Drop the service endpoint's labels from the end: a region, then
	// "s3" (or "s3-<region>").
	n := len(labels)
	if n > 1 && region.MatchString(labels[n-1]) && labels[n-2] == "s3" {
		n -= 2
	} else if n > 0 && (labels[n-1] == "s3" || strings.HasPrefix(labels[n-1], "s3-") && region.MatchString(labels[n-1][3:])) {
		n--
	} else if strings.HasSuffix(host, ".amazonaws.com") {
		return "" // another AWS service's host
	}
	return strings.Join(labels[:n], ".")
}

// level is how deep a request points.
type level int

const (
	service level = iota // GET / lists buckets
	bucket
	object
)

func (t target) level() level {
	switch {
	case t.bucket == "":
		return service
	case t.key == "":
		return bucket
	}
	return object
}

// route is one line of the routing table: a request of this method at
// this level whose query has the subresource (when set) and whose headers
// include header (when set) is the operation op. The first line that
// matches wins, so lines with more conditions come first.
type route struct {
	method string
	level  level
	query  string
	header string
	op     string
}

// routes is S3's REST API: one path is many operations, told apart by
// query subresources and, for copies, the x-amz-copy-source header.
var routes = []route{
	{"GET", service, "", "", "ListBuckets"},

	{"PUT", bucket, "versioning", "", "PutBucketVersioning"},
	{"PUT", bucket, "tagging", "", "PutBucketTagging"},
	{"PUT", bucket, "cors", "", "PutBucketCors"},
	{"PUT", bucket, "policy", "", "PutBucketPolicy"},
	{"PUT", bucket, "lifecycle", "", "PutBucketLifecycleConfiguration"},
	{"PUT", bucket, "notification", "", "PutBucketNotificationConfiguration"},
	{"PUT", bucket, "ownershipControls", "", "PutBucketOwnershipControls"},
	{"PUT", bucket, "publicAccessBlock", "", "PutPublicAccessBlock"},
	{"PUT", bucket, "", "", "CreateBucket"},
	{"GET", bucket, "versioning", "", "GetBucketVersioning"},
	{"GET", bucket, "tagging", "", "GetBucketTagging"},
	{"GET", bucket, "cors", "", "GetBucketCors"},
	{"GET", bucket, "policy", "", "GetBucketPolicy"},
	{"GET", bucket, "lifecycle", "", "GetBucketLifecycleConfiguration"},
	{"GET", bucket, "notification", "", "GetBucketNotificationConfiguration"},
	{"GET", bucket, "ownershipControls", "", "GetBucketOwnershipControls"},
	{"GET", bucket, "publicAccessBlock", "", "GetPublicAccessBlock"},
	{"GET", bucket, "location", "", "GetBucketLocation"},
	{"GET", bucket, "uploads", "", "ListMultipartUploads"},
	{"GET", bucket, "versions", "", "ListObjectVersions"},
	{"GET", bucket, "list-type", "", "ListObjectsV2"},
	{"GET", bucket, "", "", "ListObjects"},
	{"HEAD", bucket, "", "", "HeadBucket"},
	{"DELETE", bucket, "tagging", "", "DeleteBucketTagging"},
	{"DELETE", bucket, "cors", "", "DeleteBucketCors"},
	{"DELETE", bucket, "policy", "", "DeleteBucketPolicy"},
	{"DELETE", bucket, "lifecycle", "", "DeleteBucketLifecycle"},
	{"DELETE", bucket, "ownershipControls", "", "DeleteBucketOwnershipControls"},
	{"DELETE", bucket, "publicAccessBlock", "", "DeletePublicAccessBlock"},
	{"DELETE", bucket, "", "", "DeleteBucket"},
	{"POST", bucket, "delete", "", "DeleteObjects"},
	{"POST", bucket, "", "", "PostObject"},

	{"PUT", object, "tagging", "", "PutObjectTagging"},
	{"PUT", object, "uploadId", "X-Amz-Copy-Source", "UploadPartCopy"},
	{"PUT", object, "uploadId", "", "UploadPart"},
	{"PUT", object, "", "X-Amz-Copy-Source", "CopyObject"},
	{"PUT", object, "", "", "PutObject"},
	{"GET", object, "tagging", "", "GetObjectTagging"},
	{"GET", object, "attributes", "", "GetObjectAttributes"},
	{"GET", object, "uploadId", "", "ListParts"},
	{"GET", object, "", "", "GetObject"},
	{"HEAD", object, "", "", "HeadObject"},
	{"DELETE", object, "tagging", "", "DeleteObjectTagging"},
	{"DELETE", object, "uploadId", "", "AbortMultipartUpload"},
	{"DELETE", object, "", "", "DeleteObject"},
	{"POST", object, "uploads", "", "CreateMultipartUpload"},
	{"POST", object, "uploadId", "", "CompleteMultipartUpload"},
}

// unsupported are subresources of S3 that nubo does not serve; a request
// for one is NotImplemented rather than taken for the plain operation of
// its path (GET /bucket?website is not a listing).
var unsupported = map[string]bool{
	"accelerate": true, "acl": true, "analytics": true, "encryption": true, "intelligent-tiering": true,
	"inventory": true, "legal-hold": true, "logging": true, "metrics": true, "object-lock": true,
	"policyStatus": true, "replication": true, "requestPayment": true, "restore": true,
	"retention": true, "select": true, "torrent": true, "website": true, "session": true,
}

// Operations nubo answers for requests that name no S3 operation.
const (
	opPreflight   = "PreflightCORS" // OPTIONS, answered from the bucket's CORS rules
	opUnsupported = "Unsupported"   // a subresource nubo does not serve
)

// dispatch finds the operation of a request and its path labels.
func dispatch(r *http.Request) (string, map[string]string) {
	t := targetOf(r)
	if t.bucket == "" && t.key != "" {
		return "", nil // a path-style key with no bucket ("//key") is no operation, not ListBuckets
	}
	labels := map[string]string{"Bucket": t.bucket, "Key": t.key}
	if r.Method == http.MethodOptions && t.bucket != "" {
		return opPreflight, labels
	}
	q := r.URL.Query()
	for _, rt := range routes {
		if rt.method == r.Method && rt.level == t.level() &&
			(rt.query == "" || q.Has(rt.query)) && (rt.header == "" || r.Header.Get(rt.header) != "") {
			if rt.query == "" && hasUnsupported(q) {
				return opUnsupported, labels
			}
			return rt.op, labels
		}
	}
	return "", nil
}

func hasUnsupported(q map[string][]string) bool {
	for k := range q {
		if unsupported[k] {
			return true
		}
	}
	return false
}
