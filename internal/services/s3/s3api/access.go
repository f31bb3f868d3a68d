package s3api

import (
	"context"
	"net/http"
	"strings"

	"github.com/nubo-dev/nubo/internal/iam/policy"
	"github.com/nubo-dev/nubo/internal/services/s3"
	"github.com/nubo-dev/nubo/internal/wire"
)

// What each operation needs of its caller, in the names of AWS's Service
// Authorization Reference: an action on the bucket
// (arn:aws:s3:::BUCKET: s3:ListBucket for HeadBucket and the listings,
// s3:PutBucketCORS for DeleteBucketCors, ...) or on the object
// (arn:aws:s3:::BUCKET/KEY: s3:GetObject, and s3:GetObjectVersion when a
// versionId is named), with the bucket's policy weighed with the caller's
// own, and anonymous callers allowed only what a bucket policy grants.
// Copies also read their source; uploads that tag also need
// s3:PutObjectTagging. PostObject authenticates its form's signature and
// authorises the upload itself, DeleteObjects each key it deletes, and a
// CORS preflight needs nothing.

// s3ARN is the ARN of a bucket, or of an object in it.
func s3ARN(bucket, key string) string {
	if key == "" {
		return "arn:aws:s3:::" + bucket
	}
	return "arn:aws:s3:::" + bucket + "/" + key
}

// onBucket declares an operation's action on the bucket its request names.
func onBucket(o wire.Op, action string) wire.Op {
	return o.Action(action).RequestAccess(func(ctx context.Context, r *http.Request) []wire.Access {
		t := targetOf(r)
		return []wire.Access{{Resource: s3ARN(t.bucket, ""), Context: conditions(r, true)}}
	})
}

// onObject declares an operation's action on the object its request names,
// and its action on a version of it (versionId), when they differ.
func onObject(o wire.Op, action, versionAction string) wire.Op {
	return o.Action(action).RequestAccess(func(ctx context.Context, r *http.Request) []wire.Access {
		return []wire.Access{objectAccess(r, action, versionAction)}
	})
}

func objectAccess(r *http.Request, action, versionAction string) wire.Access {
	t := targetOf(r)
	if versionAction != "" && r.URL.Query().Get("versionId") != "" {
		action = versionAction
	}
	return wire.Access{Action: action, Resource: s3ARN(t.bucket, t.key), Context: conditions(r, false)}
}

// onUpload declares a write of the object its request names: s3:PutObject,
// s3:PutObjectTagging when it tags the object, and the read of its source
// when it copies.
func onUpload(o wire.Op) wire.Op {
	return o.Action("s3:PutObject").RequestAccess(func(ctx context.Context, r *http.Request) []wire.Access {
		out := []wire.Access{objectAccess(r, "s3:PutObject", "")}
		if r.Header.Get("X-Amz-Tagging") != "" {
			out = append(out, objectAccess(r, "s3:PutObjectTagging", ""))
		}
		if src := r.Header.Get("X-Amz-Copy-Source"); src != "" {
			bucket, key, version, ok := s3.ParseCopySource(src)
			action := "s3:GetObject"
			if version != "" {
				action = "s3:GetObjectVersion"
			}
			if !ok {
				bucket, key = "", ""
			}
			out = append(out, wire.Access{Action: action, Resource: copyARN(bucket, key)})
		}
		return out
	})
}

// copyARN is a copy source's ARN, "" (authorised on "*") for a source
// that does not parse, which the operation refuses.
func copyARN(bucket, key string) string {
	if bucket == "" {
		return ""
	}
	return s3ARN(bucket, key)
}

// conditions are the S3 condition keys a request sets: how it was signed,
// its payload hash, the canned ACL and storage class it asks for, and, for
// a listing, its prefix, delimiter and page size.
func conditions(r *http.Request, listing bool) policy.Context {
	c := policy.Context{}
	set := func(k, v string) {
		if v != "" {
			c.Set(k, v)
		}
	}
	q := r.URL.Query()
	switch {
	case r.Header.Get("Authorization") != "":
		set("s3:authType", "REST-HEADER")
		set("s3:signatureversion", "AWS4-HMAC-SHA256")
	case q.Has("X-Amz-Signature"):
		set("s3:authType", "REST-QUERY-STRING")
		set("s3:signatureversion", "AWS4-HMAC-SHA256")
	}
	set("s3:x-amz-content-sha256", r.Header.Get("X-Amz-Content-Sha256"))
	set("s3:x-amz-acl", r.Header.Get("X-Amz-Acl"))
	set("s3:x-amz-storage-class", r.Header.Get("X-Amz-Storage-Class"))
	set("s3:x-amz-server-side-encryption", r.Header.Get("X-Amz-Server-Side-Encryption"))
	set("s3:x-amz-copy-source", r.Header.Get("X-Amz-Copy-Source"))
	set("s3:x-amz-metadata-directive", r.Header.Get("X-Amz-Metadata-Directive"))
	if listing {
		for _, k := range []string{"prefix", "delimiter", "max-keys"} {
			if q.Has(k) {
				c.Set("s3:"+k, q.Get(k))
			}
		}
	}
	return c
}

// policy is the bucket policy of the bucket an S3 ARN names, and its
// owner.
func (a *api) policy(ctx context.Context, arn string) (*policy.Document, string, error) {
	return a.s3.Policy(arn)
}

// browsers admits the requests browsers send for web pages that S3 serves
// them: CORS preflights (answered from the bucket's rules), cross-origin
// requests the bucket's CORS rules allow, and, when signatures are
// verified, presigned GETs (an <img> of a presigned URL) and POST form
// uploads, which act only as their signer, or anonymously.
func (a *api) browsers(r *http.Request) bool {
	if r.Method == http.MethodOptions {
		return true
	}
	verified := wire.CallOf(r.Context()).Verified()
	switch {
	case verified && r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data"):
		return true
	case verified && (r.Method == http.MethodGet || r.Method == http.MethodHead) && r.URL.Query().Has("X-Amz-Signature"):
		return true
	}
	origin, bucket := r.Header.Get("Origin"), targetOf(r).bucket
	if origin == "" || bucket == "" {
		return false
	}
	res, err := a.s3.CORS(r.Context(), bucket, s3.CORSRequest{Origin: origin, Method: r.Method}, false)
	return err == nil && res != nil
}
