package sigv4

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
)

// Kind is why a request failed authentication, independent of the service
// that has to say it.
type Kind int

// The kinds of failure. Each maps to one error code per Family.
const (
	// Missing: the request carries no signature at all. S3 may serve such
	// a request anonymously (a public bucket); every other service refuses.
	Missing Kind = iota + 1
	// Incomplete: the Authorization header or presigned query is malformed.
	Incomplete
	// UnknownKey: no such access key id.
	UnknownKey
	// BadToken: the session token is missing, malformed or not the key's.
	BadToken
	// TokenExpired: the session token (temporary credentials) expired.
	TokenExpired
	// Mismatch: the signature (of the request, a chunk or the trailer) is
	// not the one we calculated.
	Mismatch
	// Skewed: the request time is more than 15 minutes from ours.
	Skewed
	// Expired: a presigned URL used after X-Amz-Date + X-Amz-Expires.
	Expired
	// ContentMismatch: x-amz-content-sha256 is not the body's hash.
	ContentMismatch
	// MissingContentSHA: S3 requires x-amz-content-sha256.
	MissingContentSHA
	// BadDigest: a trailing (or header) checksum is not the payload's.
	BadDigest
	// BadBody: an aws-chunked body is malformed or ends early.
	BadBody
	// HeadersNotSigned: S3 requires every x-amz-* header to be signed.
	HeadersNotSigned
)

// Family is a group of services that name authentication errors alike.
type Family int

// The families. The wire layer picks one per service; the zero Family is
// none, so that a service can leave it to be derived from its protocols.
const (
	// Query is the query protocol (SQS query, SNS, IAM, STS, CloudWatch).
	Query Family = iota + 1
	// JSON is the awsJson protocols (SQS JSON, DynamoDB, CloudWatch Logs,
	// EventBridge, Step Functions).
	JSON
	// Lambda is Lambda's rest-json, which answers 403 where JSON says 400.
	Lambda
	// S3 is S3's rest-xml.
	S3
)

// Codes, per family. Names, statuses and query codes are AWS's.
var (
	S3SignatureDoesNotMatch     = &awserr.Code{Name: "SignatureDoesNotMatch", Status: http.StatusForbidden}
	S3InvalidAccessKeyID        = &awserr.Code{Name: "InvalidAccessKeyId", Status: http.StatusForbidden}
	S3InvalidToken              = &awserr.Code{Name: "InvalidToken", Status: http.StatusBadRequest}
	S3ExpiredToken              = &awserr.Code{Name: "ExpiredToken", Status: http.StatusBadRequest}
	S3AccessDenied              = &awserr.Code{Name: "AccessDenied", Status: http.StatusForbidden}
	S3RequestTimeTooSkewed      = &awserr.Code{Name: "RequestTimeTooSkewed", Status: http.StatusForbidden}
	S3AuthorizationHeaderBad    = &awserr.Code{Name: "AuthorizationHeaderMalformed", Status: http.StatusBadRequest}
	S3AuthorizationQueryBad     = &awserr.Code{Name: "AuthorizationQueryParametersError", Status: http.StatusBadRequest}
	S3ContentSHA256Mismatch     = &awserr.Code{Name: "XAmzContentSHA256Mismatch", Status: http.StatusBadRequest}
	S3InvalidRequest            = &awserr.Code{Name: "InvalidRequest", Status: http.StatusBadRequest}
	S3BadDigest                 = &awserr.Code{Name: "BadDigest", Status: http.StatusBadRequest}
	S3IncompleteBody            = &awserr.Code{Name: "IncompleteBody", Status: http.StatusBadRequest}
	QuerySignatureDoesNotMatch  = &awserr.Code{Name: "SignatureDoesNotMatch", Status: http.StatusForbidden}
	QueryInvalidClientTokenID   = &awserr.Code{Name: "InvalidClientTokenId", Status: http.StatusForbidden}
	QueryExpiredToken           = &awserr.Code{Name: "ExpiredToken", Status: http.StatusForbidden}
	QueryMissingAuthentication  = &awserr.Code{Name: "MissingAuthenticationToken", Status: http.StatusForbidden}
	QueryIncompleteSignature    = &awserr.Code{Name: "IncompleteSignature", Status: http.StatusBadRequest}
	QueryAccessDenied           = &awserr.Code{Name: "AccessDenied", Status: http.StatusForbidden}
	JSONInvalidSignature        = &awserr.Code{Name: "InvalidSignatureException", Status: http.StatusBadRequest}
	JSONUnrecognizedClient      = &awserr.Code{Name: "UnrecognizedClientException", Status: http.StatusBadRequest}
	JSONExpiredToken            = &awserr.Code{Name: "ExpiredTokenException", Status: http.StatusBadRequest}
	JSONMissingAuthentication   = &awserr.Code{Name: "MissingAuthenticationTokenException", Status: http.StatusForbidden}
	JSONIncompleteSignature     = &awserr.Code{Name: "IncompleteSignatureException", Status: http.StatusBadRequest}
	JSONAccessDenied            = &awserr.Code{Name: "AccessDeniedException", Status: http.StatusBadRequest}
	LambdaInvalidSignature      = &awserr.Code{Name: "InvalidSignatureException", Status: http.StatusForbidden}
	LambdaUnrecognizedClient    = &awserr.Code{Name: "UnrecognizedClientException", Status: http.StatusForbidden}
	LambdaExpiredToken          = &awserr.Code{Name: "ExpiredTokenException", Status: http.StatusForbidden}
	LambdaMissingAuthentication = &awserr.Code{Name: "MissingAuthenticationTokenException", Status: http.StatusForbidden}
	LambdaIncompleteSignature   = &awserr.Code{Name: "IncompleteSignatureException", Status: http.StatusForbidden}
	LambdaAccessDenied          = &awserr.Code{Name: "AccessDeniedException", Status: http.StatusForbidden}
)

// codes is the one table: the code each family uses for each kind. Kinds
// a family never produces (S3-only body checks on a JSON service) fall back
// to the family's signature mismatch.
var codes = map[Family]map[Kind]*awserr.Code{
	S3: {
		Missing: S3AccessDenied, Incomplete: S3AuthorizationHeaderBad, UnknownKey: S3InvalidAccessKeyID,
		BadToken: S3InvalidToken, TokenExpired: S3ExpiredToken, Mismatch: S3SignatureDoesNotMatch,
		Skewed: S3RequestTimeTooSkewed, Expired: S3AccessDenied, ContentMismatch: S3ContentSHA256Mismatch,
		MissingContentSHA: S3InvalidRequest, BadDigest: S3BadDigest, BadBody: S3IncompleteBody,
		HeadersNotSigned: S3AccessDenied,
	},
	Query: {
		Missing: QueryMissingAuthentication, Incomplete: QueryIncompleteSignature, UnknownKey: QueryInvalidClientTokenID,
		BadToken: QueryInvalidClientTokenID, TokenExpired: QueryExpiredToken, Mismatch: QuerySignatureDoesNotMatch,
		Skewed: QuerySignatureDoesNotMatch, Expired: QueryAccessDenied,
	},
	JSON: {
		Missing: JSONMissingAuthentication, Incomplete: JSONIncompleteSignature, UnknownKey: JSONUnrecognizedClient,
		BadToken: JSONUnrecognizedClient, TokenExpired: JSONExpiredToken, Mismatch: JSONInvalidSignature,
		Skewed: JSONInvalidSignature, Expired: JSONAccessDenied,
	},
	Lambda: {
		Missing: LambdaMissingAuthentication, Incomplete: LambdaIncompleteSignature, UnknownKey: LambdaUnrecognizedClient,
		BadToken: LambdaUnrecognizedClient, TokenExpired: LambdaExpiredToken, Mismatch: LambdaInvalidSignature,
		Skewed: LambdaInvalidSignature, Expired: LambdaAccessDenied,
	},
}

// AWS's messages.
const (
	msgMismatch   = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgMismatchS3 = "The request signature we calculated does not match the signature you provided. Check your key and signing method."
	msgBadToken   = "The security token included in the request is invalid."
	msgExpired    = "The security token included in the request is expired"
)

// Error is an authentication failure. For renders it for a service.
type Error struct {
	Kind Kind
	// Detail is the message where it does not depend on the family
	// (which parameter is missing, which checksum failed).
	Detail string
	// RequestTime and ServerTime are set for Skewed.
	RequestTime, ServerTime time.Time
	// Presigned marks a failure of a presigned URL (S3 words a malformed
	// query differently from a malformed header).
	Presigned bool
	// S3Fields are the extra members S3's error body carries to help a
	// client find its mistake (AWSAccessKeyId; for a mismatch,
	// StringToSign, CanonicalRequest and SignatureProvided; for skew,
	// RequestTime, ServerTime and MaxAllowedSkewMilliseconds).
	S3Fields map[string]any
}

func (e *Error) Error() string { return "sigv4: " + e.For(JSON).Message }

func fail(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Detail: fmt.Sprintf(format, args...)}
}

// For returns the AWS error a service of family f answers with.
func (e *Error) For(f Family) *awserr.Error {
	c := codes[f][e.Kind]
	if c == nil {
		c = codes[f][Mismatch]
	}
	if f == S3 && e.Kind == Incomplete && e.Presigned {
		c = S3AuthorizationQueryBad
	}
	out := &awserr.Error{Code: c, Message: e.message(f)}
	if f == S3 {
		out.Fields = e.S3Fields
		if e.Kind == Skewed {
			out.Fields = map[string]any{"RequestTime": e.RequestTime.UTC().Format(amzDateFormat),
				"ServerTime": e.ServerTime.UTC().Format(time.RFC3339), "MaxAllowedSkewMilliseconds": MaxSkew.Milliseconds()}
		}
	}
	return out
}

func (e *Error) message(f Family) string {
	s3 := f == S3
	switch e.Kind {
	case Missing:
		if s3 {
			return "Access Denied"
		}
		if f == Query {
			return "Request is missing Authentication Token"
		}
		return "Missing Authentication Token"
	case UnknownKey:
		if s3 {
			return "The AWS Access Key Id you provided does not exist in our records."
		}
		return msgBadToken
	case BadToken:
		if s3 {
			return "The provided token is malformed or otherwise invalid."
		}
		return msgBadToken
	case TokenExpired:
		if s3 {
			return "The provided token has expired."
		}
		return msgExpired
	case Mismatch:
		if s3 {
			return msgMismatchS3
		}
		return msgMismatch
	case Skewed:
		if s3 {
			return "The difference between the request time and the current time is too large."
		}
		return skewMessage(e.RequestTime, e.ServerTime)
	case Expired:
		return "Request has expired"
	}
	return e.Detail
}

// skewMessage is how the JSON and query services word a request time
// outside the 15 minutes.
func skewMessage(req, now time.Time) string {
	const f = "20060102T150405Z"
	if req.Before(now) {
		return fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)",
			req.UTC().Format(f), now.Add(-MaxSkew).UTC().Format(f), now.UTC().Format(f))
	}
	return fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 15 min.)",
		req.UTC().Format(f), now.Add(MaxSkew).UTC().Format(f), now.UTC().Format(f))
}

// incompleteHeader words a malformed Authorization header as the JSON and
// query services do: one sentence per missing part, then the header.
func incompleteHeader(missing []string, auth string) *Error {
	var b strings.Builder
	for _, m := range missing {
		b.WriteString("Authorization header requires '" + m + "' parameter. ")
	}
	b.WriteString("Authorization=" + auth)
	return fail(Incomplete, "%s", b.String())
}
