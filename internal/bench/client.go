package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// client invokes over plain keep-alive HTTP, as an SDK would, without the
// SDK's own overhead in the measurement.
type client struct {
	base string
	http *http.Client
	sdk  *lambda.Client
	// memoryMB is the MemorySize of the functions it deploys (0: Lambda's
	// default, 128 MB).
	memoryMB int
}

func newClient(base string, conns int) *client {
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: time.Minute}
	return &client{
		base: base,
		http: &http.Client{Transport: tr},
		sdk: lambda.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(base),
			Credentials: credentials.StaticCredentialsProvider{Value: Credentials}}),
	}
}

var payload = []byte(`{}`)

// connect opens the client's connection ahead of a timed request, as the
// invokes of nubo's cold starts find theirs open: any answer will do.
func (c *client) connect(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/", nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

func (c *client) invoke(ctx context.Context, fn string) error {
	return c.post(ctx, fn, "RequestResponse", http.StatusOK)
}

// enqueue invokes asynchronously: nubo answers once the event is stored.
func (c *client) enqueue(ctx context.Context, fn string) error {
	return c.post(ctx, fn, "Event", http.StatusAccepted)
}

func (c *client) post(ctx context.Context, fn, invocationType string, want int) error {
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+"/2015-03-31/functions/"+fn+"/invocations", bytes.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header.Set("X-Amz-Invocation-Type", invocationType)
	if err := Sign(req, payload, "lambda"); err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want || resp.Header.Get("X-Amz-Function-Error") != "" {
		return fmt.Errorf("invoke %s: %s %s", fn, resp.Status, body)
	}
	return nil
}

// reserve gives fn a reserved concurrency of n; unreserve removes it.
func (c *client) reserve(ctx context.Context, fn string, n int) error {
	_, err := c.sdk.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{
		FunctionName: aws.String(fn), ReservedConcurrentExecutions: aws.Int32(int32(n)),
	})
	return err
}

func (c *client) unreserve(ctx context.Context, fn string) error {
	_, err := c.sdk.DeleteFunctionConcurrency(ctx, &lambda.DeleteFunctionConcurrencyInput{FunctionName: aws.String(fn)})
	return err
}

func memorySize(mb int) *int32 {
	if mb == 0 {
		return nil
	}
	return aws.Int32(int32(mb))
}

// deploy creates a provided.al2023 function and waits until it is Active.
func (c *client) deploy(ctx context.Context, name string, zipped []byte) error {
	return c.deployRuntime(ctx, name, string(types.RuntimeProvidedal2023), "bootstrap", zipped)
}

// deployRuntime creates a function of any runtime and waits until it is
// Active.
func (c *client) deployRuntime(ctx context.Context, name, runtime, handler string, zipped []byte) error {
	_, err := c.sdk.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String(name), Runtime: types.Runtime(runtime), Handler: aws.String(handler),
		Role: aws.String(Role), Code: &types.FunctionCode{ZipFile: zipped},
		MemorySize: memorySize(c.memoryMB),
	})
	if err != nil {
		return err
	}
	w := lambda.NewFunctionActiveV2Waiter(c.sdk, func(o *lambda.FunctionActiveV2WaiterOptions) { o.MinDelay = 10 * time.Millisecond })
	return w.Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)}, time.Minute)
}
