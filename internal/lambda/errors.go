package lambda

import (
	"errors"
	"fmt"
)

// Error classes. Each sentinel's text is the AWS error type it stands for; the
// API layer maps classes to HTTP statuses from one table.
var (
	ErrResourceNotFound      = errors.New("ResourceNotFoundException")
	ErrResourceConflict      = errors.New("ResourceConflictException")
	ErrInvalidParameterValue = errors.New("InvalidParameterValueException")
	ErrValidation            = errors.New("ValidationException")
	ErrPreconditionFailed    = errors.New("PreconditionFailedException")
	ErrTooManyRequests       = errors.New("TooManyRequestsException")
	ErrRequestTooLarge       = errors.New("RequestTooLargeException")
	ErrRequestEntityTooLarge = errors.New("RequestEntityTooLargeException")
	ErrInvalidRequestContent = errors.New("InvalidRequestContentException")
	ErrUnsupportedMediaType  = errors.New("UnsupportedMediaTypeException")
	ErrCodeStorageExceeded   = errors.New("CodeStorageExceededException")
	ErrResourceNotReady      = errors.New("ResourceNotReadyException")
	ErrService               = errors.New("ServiceException")
)

// Throttle reasons carried by TooManyRequestsException.
const (
	ReasonConcurrentInvocationLimitExceeded                 = "ConcurrentInvocationLimitExceeded"
	ReasonReservedFunctionConcurrentInvocationLimitExceeded = "ReservedFunctionConcurrentInvocationLimitExceeded"
)

// Error is a Lambda API error: its class and the message AWS would give.
type Error struct {
	Class   error
	Message string
	// Reason is set on TooManyRequestsException.
	Reason string
}

func (e *Error) Error() string { return e.Class.Error() + ": " + e.Message }
func (e *Error) Unwrap() error { return e.Class }

// Errorf returns an *Error of the given class.
func Errorf(class error, format string, args ...any) error {
	return &Error{Class: class, Message: fmt.Sprintf(format, args...)}
}

// Throttled returns a TooManyRequestsException with the given reason.
func Throttled(reason string) error {
	return &Error{Class: ErrTooManyRequests, Message: "Rate Exceeded.", Reason: reason}
}

// FunctionNotFound is AWS's error for a missing function or version.
func FunctionNotFound(arn string) error {
	return Errorf(ErrResourceNotFound, "Function not found: %s", arn)
}
