// Package awserr is nubo's one AWS error type. A service's domain package
// declares its error codes (the error shapes of its AWS model, each with
// its HTTP status and, for query-compatible services, its query code) in one
// table, and returns *Error values of them; the wire layer (internal/wire)
// alone renders them in each protocol's shape. It has no HTTP of its own.
package awserr

import (
	"fmt"
	"net/http"
)

// Code is one error shape of a service's model: a kind of error.
type Code struct {
	// Name is the shape's name, as JSON protocols write it in __type and
	// X-Amzn-ErrorType ("ResourceNotFoundException").
	Name string
	// Status is the HTTP status the error is sent with.
	Status int
	// Query is the code the query protocol writes in <Code> (and
	// awsQueryCompatible JSON services in x-amzn-query-error) when it
	// differs from Name ("AWS.SimpleQueueService.NonExistentQueue").
	Query string
	// Namespace, when set, qualifies Name in an awsJson __type
	// ("com.amazonaws.sqs#QueueDoesNotExist"), as some services do.
	Namespace string
}

// Error makes a Code usable as a sentinel: errors.Is(err, code).
func (c *Code) Error() string { return c.Name }

// QueryCode is the code the query protocol writes.
func (c *Code) QueryCode() string {
	if c.Query != "" {
		return c.Query
	}
	return c.Name
}

// Fault is "Sender" or "Receiver", as the query protocol's <Type> says.
func (c *Code) Fault() string {
	if c.Status >= 500 {
		return "Receiver"
	}
	return "Sender"
}

// Error is an AWS API error: a code and the message AWS would give.
type Error struct {
	Code    *Code
	Message string
	// Fields are extra members of the error's body (Reason,
	// CancellationReasons, ...), by their wire names.
	Fields map[string]any
	// Header holds extra response headers (Retry-After).
	Header map[string]string
}

func (e *Error) Error() string { return e.Code.Name + ": " + e.Message }

// Unwrap lets errors.Is(err, code) find the code.
func (e *Error) Unwrap() error { return e.Code }

// New returns an *Error of code c with a formatted message.
func New(c *Code, format string, args ...any) *Error {
	if len(args) == 0 {
		return &Error{Code: c, Message: format}
	}
	return &Error{Code: c, Message: fmt.Sprintf(format, args...)}
}

// With returns a copy of e with an extra body member.
func (e *Error) With(field string, value any) *Error {
	c := *e
	c.Fields = make(map[string]any, len(e.Fields)+1)
	for k, v := range e.Fields {
		c.Fields[k] = v
	}
	c.Fields[field] = value
	return &c
}

// Codes every service shares.
var (
	// Internal is an error nubo did not expect; the wire layer logs it and
	// the client sees a 500 of the service's internal error shape.
	Internal = &Code{Name: "InternalFailure", Status: http.StatusInternalServerError}
	// UnknownOperation is a request for an operation the service lacks.
	UnknownOperation = &Code{Name: "UnknownOperationException", Status: http.StatusBadRequest}
	// Serialization is a body that does not decode.
	Serialization = &Code{Name: "SerializationException", Status: http.StatusBadRequest}
	// Validation is a request that breaks a constraint of the model.
	Validation = &Code{Name: "ValidationException", Status: http.StatusBadRequest}
	// AccessDenied is a request the caller's policies do not allow.
	AccessDenied = &Code{Name: "AccessDeniedException", Status: http.StatusForbidden}
	// ServiceUnavailable is a request nubo could not serve now (a full
	// disk, a store that does not answer); the client may retry.
	ServiceUnavailable = &Code{Name: "ServiceUnavailableException", Query: "ServiceUnavailable", Status: http.StatusServiceUnavailable}
)
