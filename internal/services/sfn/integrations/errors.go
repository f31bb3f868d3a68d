package integrations

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/sfn"
)

// service is how Step Functions names one service's failures.
type service struct {
	// name prefixes the optimised integration's errors ("DynamoDB"); java
	// is the Service its causes name ("AmazonDynamoDBv2"), and base the
	// error of codes the Java SDK v1 has no exception for.
	name, java, base string
	// sdk prefixes the aws-sdk integration's errors and is their causes'
	// Service ("DynamoDb"); codes without an exception are sdk+"Exception".
	sdk string
	// unmodelled are the codes without an exception class of their own.
	unmodelled map[string]bool
	// internal is the code of a failure that is not an AWS error.
	internal string
	// denied is the code of a call the task's role may not make.
	denied *awserr.Code
}

var (
	lambdaService = &service{name: "Lambda", java: "AWSLambda", base: "AWSLambdaException", sdk: "Lambda",
		unmodelled: map[string]bool{"ValidationException": true, "AccessDeniedException": true}, internal: "ServiceException",
		denied: &awserr.Code{Name: "AccessDeniedException", Status: 403}}
	sqsService = &service{name: "SQS", java: "AmazonSQS", base: "AmazonSQSException", sdk: "Sqs",
		unmodelled: map[string]bool{"MissingParameter": true, "InvalidParameterValue": true, "InvalidAttributeName": true,
			"InvalidAttributeValue": true, "InternalError": true, "ValidationException": true, "AccessDenied": true}, internal: "InternalError",
		denied: &awserr.Code{Name: "AccessDenied", Status: 403}}
	snsService = &service{name: "SNS", java: "AmazonSNS", base: "AmazonSNSException", sdk: "Sns",
		unmodelled: map[string]bool{"ValidationException": true}, internal: "InternalError",
		denied: &awserr.Code{Name: "AuthorizationError", Status: 403}}
	dynamoService = &service{name: "DynamoDB", java: "AmazonDynamoDBv2", base: "AmazonDynamoDBException", sdk: "DynamoDb",
		unmodelled: map[string]bool{"ValidationException": true, "AccessDeniedException": true}, internal: "InternalServerError",
		denied: accessDeniedException}
	eventsService = &service{name: "EventBridge", java: "AmazonEventBridge", base: "AmazonEventBridgeException", sdk: "EventBridge",
		unmodelled: map[string]bool{"ValidationException": true, "AccessDeniedException": true}, internal: "InternalException",
		denied: accessDeniedException}
	sfnService = &service{name: "StepFunctions", java: "AWSStepFunctions", base: "AWSStepFunctionsException", sdk: "Sfn",
		unmodelled: map[string]bool{"ValidationException": true, "AccessDeniedException": true}, internal: "InternalFailure",
		denied: accessDeniedException}

	accessDeniedException = &awserr.Code{Name: "AccessDeniedException", Status: 400}
)

// failure turns a service's error into the task's failure, named and
// caused as the optimised or the aws-sdk integration names it.
func (sv *service) failure(t *task, requestID string, err error) error {
	var te *sfn.TaskError
	if errors.As(err, &te) {
		return err
	}
	var ae *awserr.Error
	if !errors.As(err, &ae) {
		ae = &awserr.Error{Code: &awserr.Code{Name: sv.internal, Status: 500}, Message: err.Error()}
	}
	code := ae.Code.Name
	class := code
	if !strings.HasSuffix(class, "Exception") {
		class += "Exception"
	}
	if t.sdk {
		if sv.unmodelled[code] {
			class = sv.sdk + "Exception"
		}
		return &sfn.TaskError{Name: sv.sdk + "." + class,
			Cause: fmt.Sprintf("%s (Service: %s, Status Code: %d, Request ID: %s)", ae.Message, sv.sdk, ae.Code.Status, requestID), Err: err}
	}
	if sv.unmodelled[code] {
		class = sv.base
	}
	return &sfn.TaskError{Name: sv.name + "." + class,
		Cause: fmt.Sprintf("%s (Service: %s; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)", ae.Message, sv.java, ae.Code.Status, code, requestID), Err: err}
}

// response is a successful API answer: the output, and the headers the
// API sent with it.
type response struct {
	out         any
	status      int
	contentType string
	headers     map[string]string
}

// result renders an answer as the task's result: the API's output, with
// (optimised integrations) the SDK's metadata about the HTTP exchange.
func result(t *task, requestID string, r response) (json.RawMessage, error) {
	body, err := json.Marshal(r.out)
	if err != nil {
		return nil, err
	}
	if t.sdk {
		return body, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		fields = map[string]json.RawMessage{}
	}
	headers := map[string]string{"Content-Type": r.contentType, "Content-Length": strconv.Itoa(len(body)),
		"Date": time.Now().UTC().Format(http.TimeFormat), "x-amzn-RequestId": requestID}
	for k, v := range r.headers {
		headers[k] = v
	}
	all := make(map[string][]string, len(headers))
	for k, v := range headers {
		all[k] = []string{v}
	}
	status := r.status
	if status == 0 {
		status = 200
	}
	meta, _ := json.Marshal(map[string]any{"AllHttpHeaders": all, "HttpHeaders": headers, "HttpStatusCode": status})
	fields["SdkHttpMetadata"] = meta
	fields["SdkResponseMetadata"], _ = json.Marshal(map[string]string{"RequestId": requestID})
	return json.Marshal(fields)
}

func newRequestID() string { return uuid.NewString() }
