package sqs

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/store"
)

// code declares an SQS error shape: its name (the JSON protocol's
// __type, qualified with SQS's namespace) and the code of the query
// protocol and of the JSON protocol's x-amzn-query-error header, which the
// SDKs read first.
func code(name, query string, status int) *awserr.Code {
	return &awserr.Code{Name: name, Query: query, Status: status, Namespace: "com.amazonaws.sqs"}
}

// Error codes, as AWS names them.
var (
	ErrQueueDoesNotExist        = code("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", 400)
	ErrQueueNameExists          = code("QueueNameExists", "QueueAlreadyExists", 400)
	ErrQueueDeletedRecently     = code("QueueDeletedRecently", "AWS.SimpleQueueService.QueueDeletedRecently", 400)
	ErrInvalidAttributeName     = code("InvalidAttributeName", "", 400)
	ErrInvalidAttributeValue    = code("InvalidAttributeValue", "", 400)
	ErrInvalidParameterValue    = code("InvalidParameterValue", "", 400)
	ErrMissingParameter         = code("MissingParameter", "", 400)
	ErrInvalidMessageContents   = code("InvalidMessageContents", "", 400)
	ErrReceiptHandleIsInvalid   = code("ReceiptHandleIsInvalid", "", 400)
	ErrMessageNotInflight       = code("MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight", 400)
	ErrEmptyBatchRequest        = code("EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest", 400)
	ErrTooManyEntries           = code("TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400)
	ErrBatchEntryIdsNotDistinct = code("BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400)
	ErrInvalidBatchEntryID      = code("InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId", 400)
	ErrBatchRequestTooLong      = code("BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong", 400)
	ErrPurgeQueueInProgress     = code("PurgeQueueInProgress", "AWS.SimpleQueueService.PurgeQueueInProgress", 403)
	ErrResourceNotFound         = code("ResourceNotFoundException", "", 404)
	ErrUnsupportedOperation     = code("UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", 400)
	ErrInternal                 = code("InternalError", "", http.StatusInternalServerError)
)

func queueDoesNotExist() error {
	return awserr.New(ErrQueueDoesNotExist, "The specified queue does not exist.")
}

// invalidParameter is AWS's wording for a parameter out of its range.
func invalidParameter(name string, value any, reason string) error {
	return awserr.New(ErrInvalidParameterValue, "Value %v for parameter %s is invalid. Reason: %s", value, name, reason)
}

// storeError turns a failed write into the error the caller sees: a store
// that cannot take writes (a full disk) is ServiceUnavailable.
func storeError(what string, err error) error {
	if errors.Is(err, store.ErrUnavailable) {
		return awserr.New(awserr.ServiceUnavailable, "Service is unavailable: %s could not be stored (%v). Nothing was changed; try again later.", what, err)
	}
	return fmt.Errorf("store %s: %w", what, err)
}
