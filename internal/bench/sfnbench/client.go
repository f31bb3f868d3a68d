package sfnbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/nubo-dev/nubo/internal/services/sfn"
)

const input = `{"in": "x"}`

// client speaks AWS JSON 1.0 to Step Functions over plain keep-alive HTTP.
type client struct {
	base string
	http *http.Client
}

func newClient(base string, conns int) *client {
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: time.Minute}
	return &client{base: base, http: &http.Client{Transport: tr}}
}

func (c *client) call(ctx context.Context, op string, in, out any) error {
	body, _ := json.Marshal(in)
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/states/aws4_request, SignedHeaders=host, Signature=0")
	req.Header.Set("X-Amz-Target", "AWSStepFunctions."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s: %s", op, resp.Status, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func (c *client) createMachine(ctx context.Context, name, typ, definition string) (string, error) {
	var out struct{ StateMachineArn string }
	err := c.call(ctx, "CreateStateMachine", map[string]any{"name": name, "type": typ, "definition": definition,
		"roleArn": "arn:aws:iam::000000000000:role/bench"}, &out)
	return out.StateMachineArn, err
}

func (c *client) start(ctx context.Context, machine string) error {
	return c.call(ctx, "StartExecution", map[string]any{"stateMachineArn": machine, "input": input}, nil)
}

func (c *client) startSync(ctx context.Context, machine string) error {
	var out struct{ Status string }
	if err := c.call(ctx, "StartSyncExecution", map[string]any{"stateMachineArn": machine, "input": input}, &out); err != nil {
		return err
	}
	return succeeded(out.Status)
}

func (c *client) count(ctx context.Context, machine, status string) (int, error) {
	n := 0
	token := ""
	for {
		var out struct {
			Executions []struct{}
			NextToken  string
		}
		in := map[string]any{"stateMachineArn": machine, "statusFilter": status, "maxResults": 1000}
		if token != "" {
			in["nextToken"] = token
		}
		if err := c.call(ctx, "ListExecutions", in, &out); err != nil {
			return 0, err
		}
		n += len(out.Executions)
		if token = out.NextToken; token == "" {
			return n, nil
		}
	}
}

// floorClient runs the same executions through the domain's Go API.
type floorClient struct{ svc *sfn.Service }

var scope = sfn.Scope{Account: "000000000000", Region: "us-east-1"}

func (f *floorClient) start(ctx context.Context, machine string) error {
	in := input
	_, err := f.svc.StartExecution(ctx, scope, &sfn.StartExecutionInput{StateMachineArn: machine, Input: &in})
	return err
}

func (f *floorClient) startSync(ctx context.Context, machine string) error {
	in := input
	out, err := f.svc.StartSyncExecution(ctx, scope, &sfn.StartExecutionInput{StateMachineArn: machine, Input: &in})
	if err != nil {
		return err
	}
	return succeeded(out.Status)
}

func (f *floorClient) count(ctx context.Context, machine, status string) (int, error) {
	n := 0
	in := &sfn.ListExecutionsInput{StateMachineArn: machine, StatusFilter: status, ListInput: sfn.ListInput{MaxResults: 1000}}
	for {
		out, err := f.svc.ListExecutions(ctx, scope, in)
		if err != nil {
			return 0, err
		}
		n += len(out.Executions)
		if in.NextToken = out.NextToken; in.NextToken == "" {
			return n, nil
		}
	}
}

func succeeded(status string) error {
	if status != sfn.StatusSucceeded {
		return fmt.Errorf("execution ended %s", status)
	}
	return nil
}

// deploy creates the no-op function and waits until it is Active.
func (c *client) deploy(ctx context.Context, name string, zipped []byte) error {
	sdk := lambda.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(c.base),
		Credentials: credentials.NewStaticCredentialsProvider("bench", "bench", "")})
	if _, err := sdk.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(name), Runtime: types.RuntimeProvidedal2023,
		Handler: aws.String("bootstrap"), Role: aws.String("arn:aws:iam::000000000000:role/bench"), Code: &types.FunctionCode{ZipFile: zipped}}); err != nil {
		return err
	}
	w := lambda.NewFunctionActiveV2Waiter(sdk, func(o *lambda.FunctionActiveV2WaiterOptions) { o.MinDelay = 10 * time.Millisecond })
	return w.Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)}, time.Minute)
}
