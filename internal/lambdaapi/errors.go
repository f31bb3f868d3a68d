package lambdaapi

import (
	"errors"
	"net/http"

	"github.com/nubo-dev/nubo/internal/api"
	"github.com/nubo-dev/nubo/internal/lambda"
	"github.com/nubo-dev/nubo/internal/store"
)

// statusOf is the one table from error class to HTTP status.
var statusOf = map[error]int{
	lambda.ErrResourceNotFound:      http.StatusNotFound,
	lambda.ErrResourceConflict:      http.StatusConflict,
	lambda.ErrInvalidParameterValue: http.StatusBadRequest,
	lambda.ErrValidation:            http.StatusBadRequest,
	lambda.ErrPreconditionFailed:    http.StatusPreconditionFailed,
	lambda.ErrTooManyRequests:       http.StatusTooManyRequests,
	lambda.ErrRequestTooLarge:       http.StatusRequestEntityTooLarge,
	lambda.ErrRequestEntityTooLarge: http.StatusRequestEntityTooLarge,
	lambda.ErrInvalidRequestContent: http.StatusBadRequest,
	lambda.ErrUnsupportedMediaType:  http.StatusUnsupportedMediaType,
	lambda.ErrCodeStorageExceeded:   http.StatusBadRequest,
	lambda.ErrResourceNotReady:      http.StatusBadGateway,
	lambda.ErrService:               http.StatusInternalServerError,
}

// toAPIError maps any error to the AWS error the caller sees; errors
// without a class are internal and become ServiceException.
func toAPIError(err error) *api.Error {
	var le *lambda.Error
	if errors.As(err, &le) {
		status, ok := statusOf[le.Class]
		if !ok {
			status = http.StatusInternalServerError
		}
		e := &api.Error{Status: status, Code: le.Class.Error(), Message: le.Message}
		if le.Reason != "" {
			e.Fields = map[string]any{"Reason": le.Reason}
			e.Header = map[string]string{"Retry-After": "1"}
		}
		return e
	}
	if errors.Is(err, store.ErrUnavailable) {
		// A full disk: nothing was changed and the caller may retry.
		return &api.Error{Status: http.StatusServiceUnavailable, Code: "ServiceUnavailableException", Message: "Service is unavailable: " + err.Error()}
	}
	return &api.Error{Status: http.StatusInternalServerError, Code: "ServiceException", Message: "An internal error occurred: " + err.Error()}
}

func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := toAPIError(err)
	if e.Status >= 500 {
		h.log.Error("lambda api", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	api.WriteRESTJSON(w, e)
}
