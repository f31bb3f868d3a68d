package frontdoor

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Failure is one of the door's own answers, sent instead of a function's:
// a status, an x-amzn-ErrorType and a JSON body with the message.
type Failure struct {
	Status  int
	Type    string
	Message string
}

// The answers of API Gateway HTTP APIs (and, with a capital "Message",
// of function URLs).
var (
	NotFound           = Failure{http.StatusNotFound, "NotFoundException", "Not Found"}
	Unauthorized       = Failure{http.StatusUnauthorized, "UnauthorizedException", "Unauthorized"}
	Forbidden          = Failure{http.StatusForbidden, "AccessDeniedException", "Forbidden"}
	TooLarge           = Failure{http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException", "Request Entity Too Large"}
	TooManyRequests    = Failure{http.StatusTooManyRequests, "TooManyRequestsException", "Too Many Requests"}
	InternalError      = Failure{http.StatusInternalServerError, "InternalServerErrorException", "Internal Server Error"}
	BadGateway         = Failure{http.StatusBadGateway, "BadGatewayException", "Internal Server Error"}
	ServiceUnavailable = Failure{http.StatusServiceUnavailable, "ServiceUnavailableException", "Service Unavailable"}
	Timeout            = Failure{http.StatusGatewayTimeout, "IntegrationTimeoutException", "Endpoint request timed out"}
)

// Write sends the failure with its message under key ("message" for
// HTTP APIs, "Message" for function URLs).
func (f Failure) Write(w http.ResponseWriter, key string) {
	body, _ := json.Marshal(map[string]string{key: f.Message})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("x-amzn-ErrorType", f.Type)
	w.WriteHeader(f.Status)
	w.Write(body)
}

// TimedOut reports whether a function's error payload says it ran out of
// time (Sandbox.Timedout), which the doors answer with a 504.
func TimedOut(payload []byte) bool {
	var e struct {
		ErrorType string `json:"errorType"`
	}
	return json.Unmarshal(payload, &e) == nil && e.ErrorType == "Sandbox.Timedout"
}
