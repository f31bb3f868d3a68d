package sqs

import (
	"errors"
	"fmt"

	"github.com/nubo-dev/nubo/internal/store"
)

// Class is a kind of SQS error as both wire protocols name it: Type is the
// error shape of the JSON protocol, Code the code of the query protocol
// (and of the JSON protocol's x-amzn-query-error header, which the SDKs
// read first).
type Class struct {
	Type   string
	Code   string
	Status int
	// Receiver marks a server fault.
	Receiver bool
}

// Error classes. Types and codes are AWS's.
var (
	ErrQueueDoesNotExist        = &Class{Type: "QueueDoesNotExist", Code: "AWS.SimpleQueueService.NonExistentQueue", Status: 400}
	ErrQueueNameExists          = &Class{Type: "QueueNameExists", Code: "QueueAlreadyExists", Status: 400}
	ErrQueueDeletedRecently     = &Class{Type: "QueueDeletedRecently", Code: "AWS.SimpleQueueService.QueueDeletedRecently", Status: 400}
	ErrInvalidAttributeName     = &Class{Type: "InvalidAttributeName", Code: "InvalidAttributeName", Status: 400}
	ErrInvalidAttributeValue    = &Class{Type: "InvalidAttributeValue", Code: "InvalidAttributeValue", Status: 400}
	ErrInvalidParameterValue    = &Class{Type: "InvalidParameterValue", Code: "InvalidParameterValue", Status: 400}
	ErrMissingParameter         = &Class{Type: "MissingParameter", Code: "MissingParameter", Status: 400}
	ErrInvalidMessageContents   = &Class{Type: "InvalidMessageContents", Code: "InvalidMessageContents", Status: 400}
	ErrReceiptHandleIsInvalid   = &Class{Type: "ReceiptHandleIsInvalid", Code: "ReceiptHandleIsInvalid", Status: 400}
	ErrMessageNotInflight       = &Class{Type: "MessageNotInflight", Code: "AWS.SimpleQueueService.MessageNotInflight", Status: 400}
	ErrEmptyBatchRequest        = &Class{Type: "EmptyBatchRequest", Code: "AWS.SimpleQueueService.EmptyBatchRequest", Status: 400}
	ErrTooManyEntries           = &Class{Type: "TooManyEntriesInBatchRequest", Code: "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", Status: 400}
	ErrBatchEntryIdsNotDistinct = &Class{Type: "BatchEntryIdsNotDistinct", Code: "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", Status: 400}
	ErrInvalidBatchEntryID      = &Class{Type: "InvalidBatchEntryId", Code: "AWS.SimpleQueueService.InvalidBatchEntryId", Status: 400}
	ErrBatchRequestTooLong      = &Class{Type: "BatchRequestTooLong", Code: "AWS.SimpleQueueService.BatchRequestTooLong", Status: 400}
	ErrPurgeQueueInProgress     = &Class{Type: "PurgeQueueInProgress", Code: "AWS.SimpleQueueService.PurgeQueueInProgress", Status: 403}
	ErrResourceNotFound         = &Class{Type: "ResourceNotFoundException", Code: "ResourceNotFoundException", Status: 404}
	ErrUnsupportedOperation     = &Class{Type: "UnsupportedOperation", Code: "AWS.SimpleQueueService.UnsupportedOperation", Status: 400}
	ErrInvalidAction            = &Class{Type: "InvalidAction", Code: "InvalidAction", Status: 400}
	ErrInternal                 = &Class{Type: "InternalError", Code: "InternalError", Status: 500, Receiver: true}
	// ErrServiceUnavailable is AWS's common 503: the store cannot take the
	// write now (a full disk); nothing changed.
	ErrServiceUnavailable = &Class{Type: "ServiceUnavailable", Code: "ServiceUnavailable", Status: 503, Receiver: true}
)

// Error is an SQS API error: its class and AWS's message.
type Error struct {
	Class   *Class
	Message string
}

func (e *Error) Error() string { return e.Class.Code + ": " + e.Message }

// Errorf returns an *Error of class c.
func Errorf(c *Class, format string, args ...any) error {
	return &Error{Class: c, Message: fmt.Sprintf(format, args...)}
}

func queueDoesNotExist() error {
	return Errorf(ErrQueueDoesNotExist, "The specified queue does not exist.")
}

// invalidParameter is AWS's wording for a parameter out of its range.
func invalidParameter(name string, value any, reason string) error {
	return Errorf(ErrInvalidParameterValue, "Value %v for parameter %s is invalid. Reason: %s", value, name, reason)
}

// storeError turns a failed write into the error the caller sees: a store
// that cannot take writes (a full disk) is ServiceUnavailable.
func storeError(what string, err error) error {
	if errors.Is(err, store.ErrUnavailable) {
		return Errorf(ErrServiceUnavailable, "Service is unavailable: %s could not be stored (%v). Nothing was changed; try again later.", what, err)
	}
	return fmt.Errorf("store %s: %w", what, err)
}
