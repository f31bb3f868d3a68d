package iam

import (
	"net/http"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/iam/policy"
	"github.com/nubo-dev/nubo/internal/sigv4"
)

// IAM's and STS's error codes (both are query-protocol services; these are
// their <Code>s and statuses).
var (
	ErrNoSuchEntity            = &awserr.Code{Name: "NoSuchEntity", Status: http.StatusNotFound}
	ErrEntityAlreadyExists     = &awserr.Code{Name: "EntityAlreadyExists", Status: http.StatusConflict}
	ErrDeleteConflict          = &awserr.Code{Name: "DeleteConflict", Status: http.StatusConflict}
	ErrLimitExceeded           = &awserr.Code{Name: "LimitExceeded", Status: http.StatusConflict}
	ErrMalformedPolicyDocument = &awserr.Code{Name: "MalformedPolicyDocument", Status: http.StatusBadRequest}
	ErrValidation              = &awserr.Code{Name: "ValidationError", Status: http.StatusBadRequest}
	ErrInvalidInput            = &awserr.Code{Name: "InvalidInput", Status: http.StatusBadRequest}
	ErrAccessDenied            = &awserr.Code{Name: "AccessDenied", Status: http.StatusForbidden}
	ErrPackedPolicyTooLarge    = &awserr.Code{Name: "PackedPolicyTooLarge", Status: http.StatusBadRequest}
	ErrServiceFailure          = &awserr.Code{Name: "ServiceFailure", Status: http.StatusInternalServerError}
)

func noSuch(format string, args ...any) error {
	return awserr.New(ErrNoSuchEntity, format, args...)
}

func exists(format string, args ...any) error {
	return awserr.New(ErrEntityAlreadyExists, format, args...)
}

func conflict(msg string) error { return awserr.New(ErrDeleteConflict, "%s", msg) }

func limit(format string, args ...any) error { return awserr.New(ErrLimitExceeded, format, args...) }

func invalid(format string, args ...any) error { return awserr.New(ErrValidation, format, args...) }

// malformed turns a policy syntax error into MalformedPolicyDocument.
func malformed(err error) error {
	return awserr.New(ErrMalformedPolicyDocument, "%s", err.Error())
}

// Denied is a request the caller's policies do not allow. For renders it
// in a service family's AccessDenied code; services that word it their own
// way (SNS's "SNS:Publish", SQS's "sqs:sendmessage") reword it from Caller,
// Action and Resource with Decision.Message.
type Denied struct {
	Decision                 policy.Decision
	Message                  string
	Caller, Action, Resource string
	anonymous                bool
}

func (d *Denied) Error() string { return d.Message }

// accessDenied codes per family: the shape each service uses for a request
// its policies refuse.
var accessDenied = map[sigv4.Family]*awserr.Code{
	sigv4.S3:     sigv4.S3AccessDenied,
	sigv4.Query:  sigv4.QueryAccessDenied,
	sigv4.JSON:   sigv4.JSONAccessDenied,
	sigv4.Lambda: sigv4.LambdaAccessDenied,
}

// For renders the denial for a service of family f.
func (d *Denied) For(f sigv4.Family) *awserr.Error {
	if f == sigv4.S3 && d.anonymous {
		return &awserr.Error{Code: accessDenied[f], Message: "Access Denied"}
	}
	return &awserr.Error{Code: accessDenied[f], Message: d.Message}
}

func awsInvalidInput(msg string) error { return awserr.New(ErrInvalidInput, "%s", msg) }

func awsMalformed(msg string) error { return awserr.New(ErrMalformedPolicyDocument, "%s", msg) }
