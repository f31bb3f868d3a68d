package s3api

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/s3"
	"github.com/nubo-dev/nubo/internal/wire"
)

type deleteObjectsInput struct {
	Bucket     string `json:"-" wire:"path=Bucket"`
	Body       []byte `json:"-" wire:"payload"`
	ContentMD5 string `json:"-" wire:"header=Content-MD5"`
}

// deleteObjects reads the Delete document itself, so that its
// Content-MD5 can be checked against the bytes sent.
func (a *api) deleteObjects(ctx context.Context, in *deleteObjectsInput) (*s3.DeleteObjectsOutput, error) {
	if in.ContentMD5 != "" {
		sum := md5.Sum(in.Body)
		if base64.StdEncoding.EncodeToString(sum[:]) != in.ContentMD5 {
			return nil, awserr.New(s3.ErrBadDigest, "The Content-MD5 you specified did not match what we received.")
		}
	}
	var doc s3.Delete
	if err := xml.Unmarshal(in.Body, &doc); err != nil {
		return nil, awserr.New(s3.ErrMalformedXML, "The XML you provided was not well-formed or did not validate against our published schema")
	}
	return a.s3.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: in.Bucket, Delete: &doc, Check: func(o s3.ObjectIdentifier) error {
		return mayDelete(ctx, in.Bucket, o)
	}})
}

// mayDelete authorises the deletion of one object of a DeleteObjects (a
// version of it when one is named): a refusal is that object's error, as
// S3 reports it, and the others are deleted.
func mayDelete(ctx context.Context, bucket string, o s3.ObjectIdentifier) error {
	action := "s3:DeleteObject"
	if o.VersionId != "" {
		action = "s3:DeleteObjectVersion"
	}
	if err := wire.AuthorizeAction(ctx, action, s3ARN(bucket, o.Key)); err != nil {
		var ae *awserr.Error
		if errors.As(err, &ae) && ae.Code.Status == http.StatusForbidden {
			return awserr.New(s3.ErrAccessDenied, "Access Denied")
		}
		return err
	}
	return nil
}

// cannedPrivate reports whether a canned ACL grants nothing beyond the
// bucket owner, the only ACLs a bucket whose ownership is enforced takes.
func cannedPrivate(acl string) bool {
	return acl == "" || acl == "private" || acl == "bucket-owner-full-control"
}

func aclNotSupported() error {
	return awserr.New(s3.ErrACLNotSupported, "The bucket does not allow ACLs")
}

// checkACL refuses an x-amz-acl that would grant access: buckets enforce
// their owner's ownership (AWS's default since 2023), where such ACLs are
// AccessControlListNotSupported; nubo keeps no ACLs in other buckets
// either.
func (a *api) checkACL(ctx context.Context, bucket, acl string) error {
	if cannedPrivate(acl) {
		return nil
	}
	oc, err := a.s3.GetBucketOwnershipControls(ctx, &s3.BucketInput{Bucket: bucket})
	if err == nil && len(oc.Rules) > 0 && oc.Rules[0].ObjectOwnership == "BucketOwnerEnforced" {
		return aclNotSupported()
	}
	return notImplemented("x-amz-acl")
}

// objectURL is an object's URL as S3 gives it in Location: on the host and
// in the style the client used.
func objectURL(ctx context.Context, bucket, key string) string {
	base := wire.BaseURL(ctx)
	escaped := strings.ReplaceAll(url.PathEscape(key), "%2F", "/")
	if r := wire.CallOf(ctx).Request; r != nil && virtualBucket(r.Host) != "" {
		return base + "/" + escaped
	}
	return base + "/" + bucket + "/" + escaped
}
