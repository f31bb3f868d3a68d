package async

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/targets"
)

// record is the invocation record sent to destinations, in AWS's shape.
type record struct {
	Version         string           `json:"version"`
	Timestamp       string           `json:"timestamp"`
	RequestContext  requestContext   `json:"requestContext"`
	RequestPayload  json.RawMessage  `json:"requestPayload"`
	ResponseContext *responseContext `json:"responseContext,omitempty"`
	ResponsePayload json.RawMessage  `json:"responsePayload,omitempty"`
}

type requestContext struct {
	RequestID              string `json:"requestId"`
	FunctionArn            string `json:"functionArn"`
	Condition              string `json:"condition"`
	ApproximateInvokeCount int    `json:"approximateInvokeCount"`
}

type responseContext struct {
	StatusCode      int    `json:"statusCode"`
	ExecutedVersion string `json:"executedVersion"`
	FunctionError   string `json:"functionError,omitempty"`
}

// newRecord builds the record of an event; res is nil when the function
// never ran (the event expired, or the function may not run).
func newRecord(ev *event, condition string, res *lambda.Result) *record {
	qualifier := ev.Qualifier
	if res != nil {
		qualifier = res.ExecutedVersion
	}
	if qualifier == "" {
		qualifier = lambda.Latest
	}
	r := &record{
		Version:   "1.0",
		Timestamp: time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		RequestContext: requestContext{RequestID: ev.RequestID, FunctionArn: ev.scope().QualifiedARN(ev.Function, qualifier),
			Condition: condition, ApproximateInvokeCount: ev.Attempts},
		RequestPayload: jsonOrString(ev.Payload),
	}
	if res != nil {
		r.ResponseContext = &responseContext{StatusCode: 200, ExecutedVersion: res.ExecutedVersion, FunctionError: res.FunctionError}
		r.ResponsePayload = jsonOrString(res.Payload)
	}
	return r
}

// jsonOrString is b itself when it is JSON, else b as a JSON string.
func jsonOrString(b []byte) json.RawMessage {
	if json.Valid(b) {
		return b
	}
	s, _ := json.Marshal(string(b))
	return s
}

// maxErrorMessage is how much of the error message a dead-letter message
// carries.
const maxErrorMessage = 1024

// deadLetterAttributes are the attributes of a dead-letter message: the
// request id, the status code (200 for function errors) and the start of
// the error message.
func deadLetterAttributes(ev *event, condition string, res *lambda.Result) map[string]targets.Attribute {
	msg := condition
	if res != nil {
		var e struct{ ErrorMessage string }
		if json.Unmarshal(res.Payload, &e) == nil && e.ErrorMessage != "" {
			msg = e.ErrorMessage
		} else {
			msg = string(res.Payload)
		}
	}
	if len(msg) > maxErrorMessage {
		msg = msg[:maxErrorMessage]
	}
	return map[string]targets.Attribute{
		"RequestID":    {DataType: "String", StringValue: ev.RequestID},
		"ErrorCode":    {DataType: "Number", StringValue: strconv.Itoa(200)},
		"ErrorMessage": {DataType: "String", StringValue: msg},
	}
}
