package lambda

import (
	"errors"
	"net/http"

	"github.com/nubo-dev/nubo/internal/awserr"
)

// Error codes of the Lambda API, each with the HTTP status AWS sends it
// with: the one table the wire layer renders them from.
var (
	ErrResourceNotFound      = &awserr.Code{Name: "ResourceNotFoundException", Status: http.StatusNotFound}
	ErrResourceConflict      = &awserr.Code{Name: "ResourceConflictException", Status: http.StatusConflict}
	ErrInvalidParameterValue = &awserr.Code{Name: "InvalidParameterValueException", Status: http.StatusBadRequest}
	ErrValidation            = &awserr.Code{Name: "ValidationException", Status: http.StatusBadRequest}
	ErrPreconditionFailed    = &awserr.Code{Name: "PreconditionFailedException", Status: http.StatusPreconditionFailed}
	ErrTooManyRequests       = &awserr.Code{Name: "TooManyRequestsException", Status: http.StatusTooManyRequests}
	ErrRequestTooLarge       = &awserr.Code{Name: "RequestTooLargeException", Status: http.StatusRequestEntityTooLarge}
	ErrRequestEntityTooLarge = &awserr.Code{Name: "RequestEntityTooLargeException", Status: http.StatusRequestEntityTooLarge}
	ErrInvalidRequestContent = &awserr.Code{Name: "InvalidRequestContentException", Status: http.StatusBadRequest}
	ErrUnsupportedMediaType  = &awserr.Code{Name: "UnsupportedMediaTypeException", Status: http.StatusUnsupportedMediaType}
	ErrCodeStorageExceeded   = &awserr.Code{Name: "CodeStorageExceededException", Status: http.StatusBadRequest}
	ErrResourceNotReady      = &awserr.Code{Name: "ResourceNotReadyException", Status: http.StatusBadGateway}
	ErrService               = &awserr.Code{Name: "ServiceException", Status: http.StatusInternalServerError}
	ErrUnknownOperation      = &awserr.Code{Name: "UnknownOperationException", Status: http.StatusNotFound}
)

// Codes are the codes above, for whatever must know them by name (a
// cluster's calls between nodes).
var Codes = []*awserr.Code{ErrResourceNotFound, ErrResourceConflict, ErrInvalidParameterValue, ErrValidation,
	ErrPreconditionFailed, ErrTooManyRequests, ErrRequestTooLarge, ErrRequestEntityTooLarge, ErrInvalidRequestContent,
	ErrUnsupportedMediaType, ErrCodeStorageExceeded, ErrResourceNotReady, ErrService, ErrUnknownOperation}

// Throttle reasons carried by TooManyRequestsException.
const (
	ReasonConcurrentInvocationLimitExceeded                 = "ConcurrentInvocationLimitExceeded"
	ReasonReservedFunctionConcurrentInvocationLimitExceeded = "ReservedFunctionConcurrentInvocationLimitExceeded"
)

// Errorf returns an error of code c with AWS's message.
func Errorf(c *awserr.Code, format string, args ...any) error {
	return awserr.New(c, format, args...)
}

// Throttled returns a TooManyRequestsException with the given reason, and
// Retry-After as AWS sends it.
func Throttled(reason string) error {
	e := awserr.New(ErrTooManyRequests, "Rate Exceeded.").With("Reason", reason)
	e.Header = map[string]string{"Retry-After": "1"}
	return e
}

// ThrottleReason is the Reason of a TooManyRequestsException ("" for any
// other error).
func ThrottleReason(err error) string {
	var e *awserr.Error
	if errors.As(err, &e) && e.Code == ErrTooManyRequests {
		r, _ := e.Fields["Reason"].(string)
		return r
	}
	return ""
}

// FunctionNotFound is AWS's error for a missing function or version.
func FunctionNotFound(arn string) error {
	return Errorf(ErrResourceNotFound, "Function not found: %s", arn)
}
