package dynamodb

import (
	"errors"
	"net/http"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/dynamodb/expr"
)

// namespace qualifies DynamoDB's (and DynamoDB Streams') error shapes in
// the awsJson1_0 __type.
const namespace = "com.amazonaws.dynamodb.v20120810"

func code(name string, status int) *awserr.Code {
	return &awserr.Code{Name: name, Status: status, Namespace: namespace}
}

// The error shapes of DynamoDB and DynamoDB Streams, one table.
var (
	ErrValidation                  = code("ValidationException", http.StatusBadRequest)
	ErrConditionalCheckFailed      = code("ConditionalCheckFailedException", http.StatusBadRequest)
	ErrResourceNotFound            = code("ResourceNotFoundException", http.StatusBadRequest)
	ErrResourceInUse               = code("ResourceInUseException", http.StatusBadRequest)
	ErrTransactionCanceled         = code("TransactionCanceledException", http.StatusBadRequest)
	ErrTransactionConflict         = code("TransactionConflictException", http.StatusBadRequest)
	ErrTransactionInProgress       = code("TransactionInProgressException", http.StatusBadRequest)
	ErrIdempotentParameterMismatch = code("IdempotentParameterMismatchException", http.StatusBadRequest)
	ErrItemCollectionSizeLimit     = code("ItemCollectionSizeLimitExceededException", http.StatusBadRequest)
	ErrProvisionedThroughput       = code("ProvisionedThroughputExceededException", http.StatusBadRequest)
	ErrRequestLimitExceeded        = code("RequestLimitExceeded", http.StatusBadRequest)
	ErrLimitExceeded               = code("LimitExceededException", http.StatusBadRequest)
	ErrDuplicateItem               = code("DuplicateItemException", http.StatusBadRequest)
	ErrInternalServer              = code("InternalServerError", http.StatusInternalServerError)
	// DynamoDB Streams.
	ErrExpiredIterator   = code("ExpiredIteratorException", http.StatusBadRequest)
	ErrTrimmedDataAccess = code("TrimmedDataAccessException", http.StatusBadRequest)
)

func validation(format string, args ...any) *awserr.Error {
	return awserr.New(ErrValidation, format, args...)
}

// asValidation turns an expression error into a ValidationException.
func asValidation(err error) error {
	var e *expr.Error
	if errors.As(err, &e) {
		return invalid(e.Message)
	}
	return err
}

func tableNotFound() *awserr.Error {
	return awserr.New(ErrResourceNotFound, "Requested resource not found")
}

func conditionFailed(item Item) *awserr.Error {
	e := awserr.New(ErrConditionalCheckFailed, "The conditional request failed")
	if item != nil {
		return e.With("Item", item)
	}
	return e
}

// invalid is a ValidationException with a message made elsewhere.
func invalid(msg string) *awserr.Error { return &awserr.Error{Code: ErrValidation, Message: msg} }
