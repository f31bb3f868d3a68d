package s3

import (
	"net/http"
	"strconv"

	"github.com/nubo-dev/nubo/internal/awserr"
)

// S3's error codes: the <Code> of its REST-XML error bodies, with the
// status AWS sends each with. Extra members of an error body (BucketName,
// Key, RangeRequested, ActualObjectSize, ArgumentName, ...) travel in
// awserr.Error.Fields; extra headers (x-amz-delete-marker) in Header.
var (
	ErrAccessDenied               = code("AccessDenied", http.StatusForbidden)
	ErrAccessForbidden            = code("AccessForbidden", http.StatusForbidden)
	ErrACLNotSupported            = code("AccessControlListNotSupported", http.StatusBadRequest)
	ErrBadDigest                  = code("BadDigest", http.StatusBadRequest)
	ErrBadRequest                 = code("BadRequest", http.StatusBadRequest)
	ErrBucketAlreadyExists        = code("BucketAlreadyExists", http.StatusConflict)
	ErrBucketAlreadyOwnedByYou    = code("BucketAlreadyOwnedByYou", http.StatusConflict)
	ErrBucketNotEmpty             = code("BucketNotEmpty", http.StatusConflict)
	ErrConditionalRequestConflict = code("ConditionalRequestConflict", http.StatusConflict)
	ErrEntityTooLarge             = code("EntityTooLarge", http.StatusBadRequest)
	ErrEntityTooSmall             = code("EntityTooSmall", http.StatusBadRequest)
	ErrIllegalLocationConstraint  = code("IllegalLocationConstraintException", http.StatusBadRequest)
	ErrIncompleteBody             = code("IncompleteBody", http.StatusBadRequest)
	// ErrInternalError is the shape of errors that are not *awserr.Error
	// (a disk or store failure): the wire layer logs those and answers this.
	ErrInternalError                = code("InternalError", http.StatusInternalServerError)
	ErrInvalidArgument              = code("InvalidArgument", http.StatusBadRequest)
	ErrInvalidBucketACLOwnership    = code("InvalidBucketAclWithObjectOwnership", http.StatusBadRequest)
	ErrInvalidBucketName            = code("InvalidBucketName", http.StatusBadRequest)
	ErrInvalidDigest                = code("InvalidDigest", http.StatusBadRequest)
	ErrInvalidLocationConstraint    = code("InvalidLocationConstraint", http.StatusBadRequest)
	ErrInvalidPart                  = code("InvalidPart", http.StatusBadRequest)
	ErrInvalidPartOrder             = code("InvalidPartOrder", http.StatusBadRequest)
	ErrInvalidRange                 = code("InvalidRange", http.StatusRequestedRangeNotSatisfiable)
	ErrInvalidRequest               = code("InvalidRequest", http.StatusBadRequest)
	ErrInvalidStorageClass          = code("InvalidStorageClass", http.StatusBadRequest)
	ErrInvalidPolicyDocument        = code("InvalidPolicyDocument", http.StatusBadRequest)
	ErrInvalidTag                   = code("InvalidTag", http.StatusBadRequest)
	ErrKeyTooLong                   = code("KeyTooLongError", http.StatusBadRequest)
	ErrMalformedPolicy              = code("MalformedPolicy", http.StatusBadRequest)
	ErrMalformedPOSTRequest         = code("MalformedPOSTRequest", http.StatusBadRequest)
	ErrMalformedXML                 = code("MalformedXML", http.StatusBadRequest)
	ErrMetadataTooLarge             = code("MetadataTooLarge", http.StatusBadRequest)
	ErrMethodNotAllowed             = code("MethodNotAllowed", http.StatusMethodNotAllowed)
	ErrMissingContentLength         = code("MissingContentLength", http.StatusLengthRequired)
	ErrNoSuchBucket                 = code("NoSuchBucket", http.StatusNotFound)
	ErrNoSuchBucketPolicy           = code("NoSuchBucketPolicy", http.StatusNotFound)
	ErrNoSuchCORSConfiguration      = code("NoSuchCORSConfiguration", http.StatusNotFound)
	ErrNoSuchKey                    = code("NoSuchKey", http.StatusNotFound)
	ErrNoSuchLifecycleConfiguration = code("NoSuchLifecycleConfiguration", http.StatusNotFound)
	ErrNoSuchPublicAccessBlock      = code("NoSuchPublicAccessBlockConfiguration", http.StatusNotFound)
	ErrNoSuchTagSet                 = code("NoSuchTagSet", http.StatusNotFound)
	ErrNoSuchUpload                 = code("NoSuchUpload", http.StatusNotFound)
	ErrNoSuchVersion                = code("NoSuchVersion", http.StatusNotFound)
	ErrNotImplemented               = code("NotImplemented", http.StatusNotImplemented)
	ErrNotModified                  = code("NotModified", http.StatusNotModified)
	ErrOwnershipControlsNotFound    = code("OwnershipControlsNotFoundError", http.StatusNotFound)
	ErrPreconditionFailed           = code("PreconditionFailed", http.StatusPreconditionFailed)
	ErrXAmzContentSHA256Mismatch    = code("XAmzContentSHA256Mismatch", http.StatusBadRequest)
)

func code(name string, status int) *awserr.Code { return &awserr.Code{Name: name, Status: status} }

// AWS's messages, for errors whose message never varies.
const (
	msgNoSuchBucket      = "The specified bucket does not exist"
	msgNoSuchKey         = "The specified key does not exist."
	msgNoSuchVersion     = "The specified version does not exist."
	msgNoSuchUpload      = "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."
	msgPrecondition      = "At least one of the pre-conditions you specified did not hold"
	msgConditionalWrite  = "The conditional request cannot succeed due to a conflicting operation against this resource."
	msgMalformedXML      = "The XML you provided was not well-formed or did not validate against our published schema"
	msgMethodNotAllowed  = "The specified method is not allowed against this resource."
	msgInvalidPart       = "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."
	msgInvalidPartOrder  = "The list of parts was not in ascending order. The parts list must be specified in order by part number."
	msgEntityTooSmall    = "Your proposed upload is smaller than the minimum allowed object size."
	msgEntityTooLarge    = "Your proposed upload exceeds the maximum allowed object size."
	msgBadDigest         = "The Content-MD5 you specified did not match what we received."
	msgInvalidDigest     = "The Content-MD5 you specified was not valid."
	msgSHA256Mismatch    = "The provided 'x-amz-content-sha256' header does not match what was computed."
	msgIncompleteBody    = "You did not provide the number of bytes specified by the Content-Length HTTP header."
	msgInvalidRange      = "The requested range is not satisfiable"
	msgNoSuchTagSet      = "The TagSet does not exist"
	msgNoSuchCORS        = "The CORS configuration does not exist"
	msgNoSuchLifecycle   = "The lifecycle configuration does not exist"
	msgNoSuchPolicy      = "The bucket policy does not exist"
	msgNoSuchOwnership   = "The bucket ownership controls were not found"
	msgNoSuchPAB         = "The public access block configuration was not found"
	msgBucketNotEmpty    = "The bucket you tried to delete is not empty"
	msgBucketOwnedByYou  = "Your previous request to create the named bucket succeeded and you already own it."
	msgBucketExists      = "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again."
	msgInvalidBucketName = "The specified bucket is not valid."
	msgMetadataTooLarge  = "Your metadata headers exceed the maximum allowed metadata size."
	msgKeyTooLong        = "Your key is too long"
	msgNotModified       = "Not Modified"
)

func noSuchBucket(bucket string) error {
	return awserr.New(ErrNoSuchBucket, msgNoSuchBucket).With("BucketName", bucket)
}

func noSuchKey(key string) error {
	return awserr.New(ErrNoSuchKey, msgNoSuchKey).With("Key", key)
}

func noSuchVersion(key, version string) error {
	return awserr.New(ErrNoSuchVersion, msgNoSuchVersion).With("Key", key).With("VersionId", version)
}

func noSuchUpload(id string) error {
	return awserr.New(ErrNoSuchUpload, msgNoSuchUpload).With("UploadId", id)
}

func preconditionFailed(condition string) error {
	return awserr.New(ErrPreconditionFailed, msgPrecondition).With("Condition", condition)
}

func malformedXML() error { return awserr.New(ErrMalformedXML, msgMalformedXML) }

// invalidArgument is AWS's InvalidArgument, which names the argument and
// the value it refused.
func invalidArgument(msg, name, value string) error {
	return (&awserr.Error{Code: ErrInvalidArgument, Message: msg}).With("ArgumentName", name).With("ArgumentValue", value)
}

func invalidRequest(format string, args ...any) error {
	return awserr.New(ErrInvalidRequest, format, args...)
}

func invalidRange(requested string, size int64) error {
	return awserr.New(ErrInvalidRange, msgInvalidRange).
		With("RangeRequested", requested).
		With("ActualObjectSize", strconv.FormatInt(size, 10))
}

// deleteMarkerError is what GET and HEAD answer for a delete marker: 404
// NoSuchKey for the current version, 405 for one named by its version id,
// with headers saying it is a delete marker.
func deleteMarkerError(key, versionID string, named bool) error {
	var e *awserr.Error
	if named {
		e = awserr.New(ErrMethodNotAllowed, msgMethodNotAllowed).With("Method", "GET").With("ResourceType", "DeleteMarker")
		e.Header = map[string]string{"Allow": "DELETE"}
	} else {
		e = awserr.New(ErrNoSuchKey, msgNoSuchKey).With("Key", key)
		e.Header = map[string]string{}
	}
	e.Header["x-amz-delete-marker"] = "true"
	if versionID != "" {
		e.Header["x-amz-version-id"] = versionID
	}
	return e
}
