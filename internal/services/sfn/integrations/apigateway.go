package integrations

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/nubo-dev/nubo/internal/services/sfn"
)

// APIs calls API Gateway APIs. nubo's API Gateway is not part of nubo yet;
// until the composition root sets APIs, apigateway:invoke tasks fail
// saying so.
type APIs interface {
	Invoke(ctx context.Context, account, region string, req *APIRequest) (*APIResponse, error)
}

// APIRequest is apigateway:invoke's parameters.
type APIRequest struct {
	ApiEndpoint     string              `json:"ApiEndpoint"`
	Method          string              `json:"Method"`
	Stage           string              `json:"Stage"`
	Path            string              `json:"Path"`
	Headers         map[string][]string `json:"Headers"`
	QueryParameters map[string][]string `json:"QueryParameters"`
	RequestBody     json.RawMessage     `json:"RequestBody"`
	AuthType        string              `json:"AuthType"`
}

// APIResponse is an API's answer as the task's result: the body as JSON
// when it is JSON.
type APIResponse struct {
	ResponseBody any                 `json:"ResponseBody"`
	StatusCode   int                 `json:"StatusCode"`
	StatusText   string              `json:"StatusText"`
	Headers      map[string][]string `json:"Headers"`
}

// invokeAPI is apigateway:invoke. An answer of status 400 or more fails
// the task (ApiGateway.<status>, the body as the cause).
func (s *Services) invokeAPI(ctx context.Context, t *task) (json.RawMessage, error) {
	if s.APIs == nil {
		return nil, missing("API Gateway (apigateway:invoke)")
	}
	req := &APIRequest{}
	if err := params(t, req); err != nil {
		return nil, err
	}
	if req.ApiEndpoint == "" || req.Method == "" {
		return nil, runtimeError("apigateway:invoke needs ApiEndpoint and Method.")
	}
	res, err := s.APIs.Invoke(ctx, t.Account, t.Region, req)
	if err != nil {
		return nil, &sfn.TaskError{Name: "ApiGateway.SdkClientException", Cause: err.Error()}
	}
	if res.StatusCode >= 400 {
		cause, _ := json.Marshal(res.ResponseBody)
		if s, ok := res.ResponseBody.(string); ok {
			cause = []byte(s)
		}
		return nil, &sfn.TaskError{Name: "ApiGateway." + strconv.Itoa(res.StatusCode), Cause: string(cause)}
	}
	return json.Marshal(res)
}
