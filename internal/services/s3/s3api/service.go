// Package s3api is S3's wire layer: it declares every operation of the s3
// domain to the wire layer as restXml, with S3's routing (path-style and
// virtual-hosted buckets, raw keys, operations told apart by query
// subresources and headers), its headers and XML documents, CORS
// preflights and headers, browser POST uploads under a policy, aws-chunked
// bodies with trailing checksums, and per-bucket request metrics.
package s3api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/s3"
	"github.com/nubo-dev/nubo/internal/sigv4"
	"github.com/nubo-dev/nubo/internal/wire"
)

// Namespace is the xmlns of S3's documents.
const Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

// Metrics receives one record per request (nil: none).
type Metrics interface {
	Request(r Request)
}

// Options configures the wire service.
type Options struct {
	Metrics Metrics
	// Now is the clock POST policies expire by (time.Now when nil).
	Now    func() time.Time
	Logger *slog.Logger
}

type api struct {
	s3      *s3.Service
	metrics Metrics
	now     func() time.Time
	log     *slog.Logger
}

// New returns S3's service for the wire layer, serving svc.
func New(svc *s3.Service, opts Options) *wire.Service {
	a := &api{s3: svc, metrics: opts.Metrics, now: opts.Now, log: opts.Logger}
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.now == nil {
		a.now = time.Now
	}
	return &wire.Service{
		Name:  "s3",
		REST:  &wire.RESTProtocol{XML: true, Namespace: Namespace, Dispatch: dispatch, NotFound: notFound},
		Claim: a.claim,
		Wrap:  a.wrap,
		Ops:   a.ops(),
		// Access (access.go): unsigned requests act anonymously, as bucket
		// policies allow; the buckets are nubo's account's.
		Anonymous:      true,
		Browsers:       a.browsers,
		ResourcePolicy: a.policy,
		Home:           svc.Account(),
		Errors: wire.Errors{
			Internal: s3.ErrInternalError, InternalMessage: "We encountered an internal error. Please try again.",
			BadRequest: s3.ErrMalformedXML, MaxBody: 16 << 20, Translate: translate,
		},
		Log: a.log,
	}
}

// ops is S3's operation table; routes (route.go) says which request is
// which.
func (a *api) ops() []wire.Op {
	return []wire.Op{
		wire.Operation("ListBuckets", a.listBuckets).Action("s3:ListAllMyBuckets").AnyResource(),
		onBucket(wire.Operation("CreateBucket", a.createBucket), "s3:CreateBucket"),
		onBucket(wire.Operation("HeadBucket", a.headBucket), "s3:ListBucket"),
		onBucket(withStatus(wire.NoOutput("DeleteBucket", a.deleteBucket), http.StatusNoContent), "s3:DeleteBucket"),
		onBucket(wire.Operation("GetBucketLocation", a.getBucketLocation), "s3:GetBucketLocation"),
		onBucket(wire.NoOutput("PutBucketVersioning", a.putBucketVersioning), "s3:PutBucketVersioning"),
		onBucket(wire.Operation("GetBucketVersioning", get(a.s3.GetBucketVersioning)), "s3:GetBucketVersioning"),
		onBucket(withStatus(wire.NoOutput("PutBucketTagging", a.putBucketTagging), http.StatusNoContent), "s3:PutBucketTagging"),
		onBucket(wire.Operation("GetBucketTagging", get(a.s3.GetBucketTagging)), "s3:GetBucketTagging"),
		onBucket(withStatus(wire.NoOutput("DeleteBucketTagging", del(a.s3.DeleteBucketTagging)), http.StatusNoContent), "s3:PutBucketTagging"),
		onBucket(wire.NoOutput("PutBucketCors", a.putBucketCors), "s3:PutBucketCORS"),
		onBucket(wire.Operation("GetBucketCors", get(a.s3.GetBucketCors)), "s3:GetBucketCORS"),
		onBucket(withStatus(wire.NoOutput("DeleteBucketCors", del(a.s3.DeleteBucketCors)), http.StatusNoContent), "s3:PutBucketCORS"),
		onBucket(withStatus(wire.NoOutput("PutBucketPolicy", a.putBucketPolicy), http.StatusNoContent), "s3:PutBucketPolicy"),
		onBucket(wire.Operation("GetBucketPolicy", a.getBucketPolicy), "s3:GetBucketPolicy"),
		onBucket(withStatus(wire.NoOutput("DeleteBucketPolicy", del(a.s3.DeleteBucketPolicy)), http.StatusNoContent), "s3:DeleteBucketPolicy"),
		onBucket(wire.NoOutput("PutBucketLifecycleConfiguration", a.putBucketLifecycle), "s3:PutLifecycleConfiguration"),
		onBucket(wire.Operation("GetBucketLifecycleConfiguration", a.getBucketLifecycle), "s3:GetLifecycleConfiguration"),
		onBucket(withStatus(wire.NoOutput("DeleteBucketLifecycle", del(a.s3.DeleteBucketLifecycle)), http.StatusNoContent), "s3:PutLifecycleConfiguration"),
		onBucket(wire.NoOutput("PutBucketNotificationConfiguration", a.putBucketNotification), "s3:PutBucketNotification"),
		onBucket(wire.Operation("GetBucketNotificationConfiguration", get(a.s3.GetBucketNotificationConfiguration)), "s3:GetBucketNotification"),
		onBucket(wire.NoOutput("PutBucketOwnershipControls", a.putBucketOwnershipControls), "s3:PutBucketOwnershipControls"),
		onBucket(wire.Operation("GetBucketOwnershipControls", get(a.s3.GetBucketOwnershipControls)), "s3:GetBucketOwnershipControls"),
		onBucket(withStatus(wire.NoOutput("DeleteBucketOwnershipControls", del(a.s3.DeleteBucketOwnershipControls)), http.StatusNoContent), "s3:PutBucketOwnershipControls"),
		onBucket(wire.NoOutput("PutPublicAccessBlock", a.putPublicAccessBlock), "s3:PutBucketPublicAccessBlock"),
		onBucket(wire.Operation("GetPublicAccessBlock", get(a.s3.GetPublicAccessBlock)), "s3:GetBucketPublicAccessBlock"),
		onBucket(withStatus(wire.NoOutput("DeletePublicAccessBlock", del(a.s3.DeletePublicAccessBlock)), http.StatusNoContent), "s3:PutBucketPublicAccessBlock"),
		onBucket(wire.Operation("ListObjects", a.listObjects), "s3:ListBucket"),
		onBucket(wire.Operation("ListObjectsV2", a.listObjectsV2), "s3:ListBucket"),
		onBucket(wire.Operation("ListObjectVersions", a.listObjectVersions), "s3:ListBucketVersions"),
		onBucket(wire.Operation("ListMultipartUploads", a.listMultipartUploads), "s3:ListBucketMultipartUploads"),
		wire.Operation("DeleteObjects", a.deleteObjects).Action("s3:DeleteObject").SelfAuthorized(),
		wire.Operation("PostObject", a.postObject).Action("s3:PutObject").SelfAuthorized(),
		onUpload(wire.Operation("PutObject", a.putObject)),
		onObject(wire.Operation("GetObject", a.getObject), "s3:GetObject", "s3:GetObjectVersion"),
		onObject(wire.Operation("HeadObject", a.headObject), "s3:GetObject", "s3:GetObjectVersion"),
		onObject(withStatus(wire.Operation("DeleteObject", a.deleteObject), http.StatusNoContent), "s3:DeleteObject", "s3:DeleteObjectVersion"),
		onUpload(wire.Operation("CopyObject", a.copyObject)),
		onObject(wire.Operation("GetObjectTagging", a.getObjectTagging), "s3:GetObjectTagging", "s3:GetObjectVersionTagging"),
		onObject(wire.Operation("PutObjectTagging", a.putObjectTagging), "s3:PutObjectTagging", "s3:PutObjectVersionTagging"),
		onObject(withStatus(wire.Operation("DeleteObjectTagging", a.deleteObjectTagging), http.StatusNoContent), "s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging"),
		onObject(wire.Operation("GetObjectAttributes", a.getObjectAttributes), "s3:GetObjectAttributes", "s3:GetObjectVersionAttributes"),
		onUpload(wire.Operation("CreateMultipartUpload", a.createMultipartUpload)),
		onUpload(wire.Operation("UploadPart", a.uploadPart)),
		onUpload(wire.Operation("UploadPartCopy", a.uploadPartCopy)),
		onUpload(wire.Operation("CompleteMultipartUpload", a.completeMultipartUpload)),
		onObject(withStatus(wire.NoOutput("AbortMultipartUpload", a.abortMultipartUpload), http.StatusNoContent), "s3:AbortMultipartUpload", ""),
		onObject(wire.Operation("ListParts", a.listParts), "s3:ListMultipartUploadParts", ""),
		// A preflight is answered from the bucket's CORS rules to anyone,
		// and an unsupported subresource is NotImplemented to anyone.
		wire.Operation(opPreflight, a.preflight).SelfAuthorized(),
		wire.NoOutput(opUnsupported, a.unsupported).SelfAuthorized(),
	}
}

// withStatus sets an operation's success status.
func withStatus(op wire.Op, status int) wire.Op {
	op.Status = status
	return op
}

// claim recognises S3's unsigned requests: virtual-hosted buckets, CORS
// preflights, browser form uploads and paths whose first segment is an
// existing bucket.
func (a *api) claim(r *http.Request) bool {
	switch {
	case virtualBucket(r.Host) != "":
		return true
	case r.Method == http.MethodOptions && r.Header.Get("Origin") != "":
		return true
	case r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data"):
		return true
	}
	t := targetOf(r)
	if t.bucket == "" {
		return false
	}
	_, err := a.s3.HeadBucket(r.Context(), &s3.HeadBucketInput{Bucket: t.bucket})
	return err == nil
}

func notFound(r *http.Request) error {
	return awserr.New(s3.ErrMethodNotAllowed, "The specified method is not allowed against this resource.").
		With("Method", r.Method).With("ResourceType", resourceType(targetOf(r).level()))
}

func resourceType(l level) string {
	switch l {
	case service:
		return "SERVICE"
	case bucket:
		return "BUCKET"
	}
	return "OBJECT"
}

func (a *api) unsupported(ctx context.Context, in *struct{}) error {
	return notImplemented("")
}

// translate turns the errors S3's reading of a request can meet into S3's
// codes: an aws-chunked body's failures, and XML that does not decode.
func translate(err error) error {
	var se *sigv4.Error
	if errors.As(err, &se) {
		return se.For(sigv4.S3)
	}
	var ae *awserr.Error
	if errors.As(err, &ae) && ae.Code == s3.ErrMalformedXML {
		return awserr.New(s3.ErrMalformedXML, "The XML you provided was not well-formed or did not validate against our published schema")
	}
	return err
}

func invalidArgument(msg, name, value string) error {
	return (&awserr.Error{Code: s3.ErrInvalidArgument, Message: msg}).With("ArgumentName", name).With("ArgumentValue", value)
}

func notImplemented(header string) error {
	e := awserr.New(s3.ErrNotImplemented, "A header you provided implies functionality that is not implemented")
	if header != "" {
		e = e.With("Header", header)
	}
	return e
}
