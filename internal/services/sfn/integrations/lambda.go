package integrations

import (
	"context"
	"encoding/base64"
	"encoding/json"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/sfn"
)

// Functions runs Lambda functions synchronously (the invoker).
type Functions interface {
	Invoke(ctx context.Context, inv *lambda.Invocation) (*lambda.Result, error)
	// Resolve checks that a function can be invoked (InvocationType DryRun).
	Resolve(ctx context.Context, inv *lambda.Invocation) error
}

// AsyncFunctions queues asynchronous invocations (InvocationType Event).
type AsyncFunctions interface {
	Enqueue(ctx context.Context, inv *lambda.Invocation) (string, error)
}

// invokeParams are lambda:invoke's parameters: Invoke's request.
type invokeParams struct {
	FunctionName   string          `json:"FunctionName"`
	Payload        json.RawMessage `json:"Payload"`
	InvocationType string          `json:"InvocationType"`
	Qualifier      string          `json:"Qualifier"`
	ClientContext  string          `json:"ClientContext"`
	LogType        string          `json:"LogType"`
}

// invokeOutput is Invoke's response as the task's result. The optimised
// integration gives the payload as JSON (it fails the task on a function
// error); the aws-sdk integration gives it as the string it is, with
// FunctionError.
type invokeOutput struct {
	ExecutedVersion string `json:"ExecutedVersion,omitempty"`
	Payload         any    `json:"Payload"`
	StatusCode      int    `json:"StatusCode"`
	FunctionError   string `json:"FunctionError,omitempty"`
	LogResult       string `json:"LogResult,omitempty"`
}

// invoke is lambda:invoke (and its .waitForTaskToken form, whose result
// the execution ignores) and aws-sdk:lambda:invoke.
func (s *Services) invoke(ctx context.Context, t *task) (json.RawMessage, error) {
	id := newRequestID()
	var p invokeParams
	if err := params(t, &p); err != nil {
		return nil, err
	}
	inv, err := invocation(t.TaskRequest, p.FunctionName, p.Qualifier, p.Payload)
	if err != nil {
		return nil, lambdaService.failure(t, id, err)
	}
	if err := s.allowInvoke(ctx, t, id, inv); err != nil {
		return nil, err
	}
	inv.RequestID, inv.Tail = id, p.LogType == "Tail"
	if p.ClientContext != "" {
		cc, err := base64.StdEncoding.DecodeString(p.ClientContext)
		if err != nil || !json.Valid(cc) {
			return nil, lambdaService.failure(t, id, lambda.Errorf(lambda.ErrInvalidRequestContent, "Client context must be a valid Base64-encoded JSON object."))
		}
		inv.ClientContext = string(cc)
	}
	switch p.InvocationType {
	case "", "RequestResponse":
	case "Event":
		if s.Async == nil {
			return nil, missing("asynchronous Lambda invocation")
		}
		if _, err := s.Async.Enqueue(ctx, inv); err != nil {
			return nil, lambdaService.failure(t, id, err)
		}
		return result(t, id, response{out: invokeOutput{Payload: "", StatusCode: 202}, status: 202, contentType: "application/json"})
	case "DryRun":
		if err := s.Functions.Resolve(ctx, inv); err != nil {
			return nil, lambdaService.failure(t, id, err)
		}
		return result(t, id, response{out: invokeOutput{Payload: "", StatusCode: 204}, status: 204, contentType: "application/json"})
	default:
		return nil, lambdaService.failure(t, id, lambda.Errorf(lambda.ErrValidation,
			"1 validation error detected: Value '%s' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]", p.InvocationType))
	}
	res, err := s.Functions.Invoke(ctx, inv)
	if err != nil {
		return nil, lambdaService.failure(t, id, err)
	}
	out := invokeOutput{ExecutedVersion: res.ExecutedVersion, StatusCode: 200, Payload: string(res.Payload)}
	if inv.Tail {
		out.LogResult = base64.StdEncoding.EncodeToString(res.LogTail)
	}
	switch {
	case t.sdk:
		out.FunctionError = res.FunctionError
	case res.FunctionError != "":
		return nil, functionError(res.Payload)
	case json.Valid(res.Payload):
		out.Payload = json.RawMessage(res.Payload)
	}
	return result(t, id, response{out: out, contentType: "application/json", headers: map[string]string{"X-Amz-Executed-Version": res.ExecutedVersion}})
}

// invokeFunction runs a Task whose Resource is a function's ARN: the
// effective parameters are the payload and the function's output is the
// result.
func (s *Services) invokeFunction(ctx context.Context, req *sfn.TaskRequest) (json.RawMessage, error) {
	t := &task{TaskRequest: req}
	id := newRequestID()
	inv, err := invocation(req, req.Resource, "", req.Input)
	if err != nil {
		return nil, lambdaService.failure(t, id, err)
	}
	if err := s.allowInvoke(ctx, t, id, inv); err != nil {
		return nil, err
	}
	inv.RequestID = id
	res, err := s.Functions.Invoke(ctx, inv)
	if err != nil {
		return nil, lambdaService.failure(t, id, err)
	}
	if res.FunctionError != "" {
		return nil, functionError(res.Payload)
	}
	if !json.Valid(res.Payload) {
		out, _ := json.Marshal(string(res.Payload))
		return out, nil
	}
	return json.RawMessage(res.Payload), nil
}

// allowInvoke authorises lambda:InvokeFunction of the function (with its
// qualifier) as the task's role.
func (s *Services) allowInvoke(ctx context.Context, t *task, requestID string, inv *lambda.Invocation) error {
	return s.allow(ctx, t, lambdaService, requestID, "lambda:InvokeFunction", inv.Scope.QualifiedARN(inv.Function.Name, inv.Function.Qualifier))
}

// invocation builds the invocation of a function named as Invoke's
// FunctionName (a name, a partial or a full ARN) in the execution's
// account and region.
func invocation(req *sfn.TaskRequest, name, qualifier string, payload json.RawMessage) (*lambda.Invocation, error) {
	if name == "" {
		return nil, lambda.Errorf(lambda.ErrValidation, "1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null")
	}
	ref, err := lambda.ParseFunctionRef(name, 170)
	if err != nil {
		return nil, err
	}
	if ref, err = ref.WithQualifier(qualifier); err != nil {
		return nil, err
	}
	scope := lambda.Scope{Account: req.Account, Region: req.Region}
	if ref.Region != "" {
		scope.Region = ref.Region
	}
	if ref.Account != "" && ref.Account != req.Account {
		return nil, lambda.FunctionNotFound(scope.QualifiedARN(ref.Name, ref.Qualifier))
	}
	body := []byte(payload)
	if len(body) == 0 {
		body = []byte("{}")
	}
	return &lambda.Invocation{Scope: scope, Function: ref, Payload: body}, nil
}

// functionError is the failure of a function that returned an error: its
// errorType names it (Lambda.Unknown without one) and the whole error
// payload is the cause.
func functionError(payload []byte) error {
	var e struct {
		ErrorType string `json:"errorType"`
	}
	json.Unmarshal(payload, &e)
	if e.ErrorType == "" {
		e.ErrorType = "Lambda.Unknown"
	}
	return &sfn.TaskError{Name: e.ErrorType, Cause: string(payload)}
}
