package sns

import (
	"net/http"

	"github.com/nubo-dev/nubo/internal/awserr"
)

// Error codes, as AWS names them in the query protocol.
var (
	ErrInvalidParameter    = &awserr.Code{Name: "InvalidParameter", Status: 400}
	ErrInvalidParameterVal = &awserr.Code{Name: "InvalidParameterValue", Status: 400}
	ErrNotFound            = &awserr.Code{Name: "NotFound", Status: 404}
	ErrResourceNotFound    = &awserr.Code{Name: "ResourceNotFound", Status: 404}
	ErrEmptyBatch          = &awserr.Code{Name: "EmptyBatchRequest", Status: 400}
	ErrTooManyEntries      = &awserr.Code{Name: "TooManyEntriesInBatchRequest", Status: 400}
	ErrBatchIdsNotDistinct = &awserr.Code{Name: "BatchEntryIdsNotDistinct", Status: 400}
	ErrInvalidBatchEntryID = &awserr.Code{Name: "InvalidBatchEntryId", Status: 400}
	ErrBatchRequestTooLong = &awserr.Code{Name: "BatchRequestTooLong", Status: 400}
	ErrTagLimitExceeded    = &awserr.Code{Name: "TagLimitExceeded", Status: 400}
	ErrInternal            = &awserr.Code{Name: "InternalError", Status: http.StatusInternalServerError}
	ErrAuthorization       = &awserr.Code{Name: "AuthorizationError", Status: 403}
)

func invalid(format string, args ...any) error {
	return awserr.New(ErrInvalidParameter, "Invalid parameter: "+format, args...)
}

func topicNotFound() error { return awserr.New(ErrNotFound, "Topic does not exist") }
