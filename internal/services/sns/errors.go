package sns

import "fmt"

// Class is a kind of SNS error: its query-protocol code and HTTP status.
type Class struct {
	Code   string
	Status int
}

// Error classes, as AWS names them.
var (
	ErrInvalidParameter     = &Class{"InvalidParameter", 400}
	ErrInvalidParameterVal  = &Class{"InvalidParameterValue", 400}
	ErrNotFound             = &Class{"NotFound", 404}
	ErrResourceNotFound     = &Class{"ResourceNotFound", 404}
	ErrEmptyBatch           = &Class{"EmptyBatchRequest", 400}
	ErrTooManyEntries       = &Class{"TooManyEntriesInBatchRequest", 400}
	ErrBatchIdsNotDistinct  = &Class{"BatchEntryIdsNotDistinct", 400}
	ErrInvalidBatchEntryID  = &Class{"InvalidBatchEntryId", 400}
	ErrBatchRequestTooLong  = &Class{"BatchRequestTooLong", 400}
	ErrTagLimitExceeded     = &Class{"TagLimitExceeded", 400}
	ErrInvalidAction        = &Class{"InvalidAction", 400}
	ErrInternal             = &Class{"InternalError", 500}
	ErrAuthorization        = &Class{"AuthorizationError", 403}
	ErrSubscriptionNotFound = ErrNotFound
)

// Error is an SNS API error.
type Error struct {
	Class   *Class
	Message string
}

func (e *Error) Error() string { return e.Class.Code + ": " + e.Message }

// Errorf returns an *Error of class c.
func Errorf(c *Class, format string, args ...any) error {
	return &Error{Class: c, Message: fmt.Sprintf(format, args...)}
}

func invalid(format string, args ...any) error {
	return Errorf(ErrInvalidParameter, "Invalid parameter: "+format, args...)
}

func topicNotFound() error { return Errorf(ErrNotFound, "Topic does not exist") }
