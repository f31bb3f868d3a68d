package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

var goFn struct {
	once sync.Once
	zip  []byte
	err  error
}

// goFunctionZip is internal/engine/testdata/fn, a real aws-lambda-go
// function, built once and zipped as a custom runtime's bootstrap.
func goFunctionZip(t *testing.T) []byte {
	t.Helper()
	goFn.once.Do(func() {
		dir, err := os.MkdirTemp("", "nubo-gofn-")
		if err != nil {
			goFn.err = err
			return
		}
		defer os.RemoveAll(dir)
		cmd := exec.Command("go", "build", "-ldflags=-s -w", "-o", filepath.Join(dir, "bootstrap"), "./internal/engine/testdata/fn")
		cmd.Dir = "../.."
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			goFn.err = fmt.Errorf("build: %v\n%s", err, out)
			return
		}
		bin, err := os.ReadFile(filepath.Join(dir, "bootstrap"))
		if err != nil {
			goFn.err = err
			return
		}
		goFn.zip = storedZip(t, "bootstrap", bin)
	})
	if goFn.err != nil {
		t.Fatal(goFn.err)
	}
	return goFn.zip
}

// storedZip zips one executable without compression: inflating a 5 MB
// binary under the race detector would dominate the tests' time.
func storedZip(t testing.TB, name string, data []byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	hdr := &zip.FileHeader{Name: name, Method: zip.Store}
	hdr.SetMode(0o755)
	w, err := zw.CreateHeader(hdr)
	if err == nil {
		_, err = w.Write(data)
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// createGo creates a function running the Go test function.
func (n *nubo) createGo(t *testing.T, name string, tweak func(*lambda.CreateFunctionInput)) {
	t.Helper()
	in := createInput(t, name)
	in.Code.ZipFile = goFunctionZip(t)
	if tweak != nil {
		tweak(in)
	}
	n.create(t, in)
}

type fnResult struct {
	Value     string `json:"value"`
	RequestID string `json:"requestId"`
	ARN       string `json:"arn"`
	Client    string `json:"client"`
	PID       int    `json:"pid"`
}

func (n *nubo) invokeJSON(t *testing.T, in *lambda.InvokeInput) (*lambda.InvokeOutput, fnResult) {
	t.Helper()
	out, err := n.client.Invoke(context.Background(), in)
	if err != nil {
		t.Fatalf("Invoke %s: %v", aws.ToString(in.FunctionName), err)
	}
	var r fnResult
	if out.FunctionError == nil {
		if err := json.Unmarshal(out.Payload, &r); err != nil {
			t.Fatalf("decode %q: %v", out.Payload, err)
		}
	}
	return out, r
}

func TestInvokeGoFunction(t *testing.T) {
	n := startNubo(t, "")
	n.createGo(t, "hello", nil)
	clientContext := base64.StdEncoding.EncodeToString([]byte(`{"custom":{"k":"from-client"}}`))
	out, r := n.invokeJSON(t, &lambda.InvokeInput{FunctionName: aws.String("hello"),
		Payload: []byte(`{"value":"hi"}`), LogType: types.LogTypeTail, ClientContext: aws.String(clientContext)})
	if out.StatusCode != 200 || aws.ToString(out.ExecutedVersion) != "$LATEST" || out.FunctionError != nil {
		t.Fatalf("status %d version %q error %v", out.StatusCode, aws.ToString(out.ExecutedVersion), out.FunctionError)
	}
	if r.Value != "hi" || r.ARN != fnARN("hello") || r.Client != "from-client" || r.RequestID == "" {
		t.Fatalf("result %+v", r)
	}
	tail, err := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"INIT_START Runtime Version:", "START RequestId: " + r.RequestID + " Version: $LATEST",
		"END RequestId: " + r.RequestID, "REPORT RequestId: " + r.RequestID, "Init Duration: "} {
		if !strings.Contains(string(tail), want) {
			t.Errorf("log tail lacks %q:\n%s", want, tail)
		}
	}

	dry, err := n.client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("hello"), InvocationType: types.InvocationTypeDryRun})
	if err != nil || dry.StatusCode != 204 {
		t.Fatalf("DryRun: %v %+v", err, dry)
	}
}

func TestInvokeFunctionError(t *testing.T) {
	n := startNubo(t, "")
	n.createGo(t, "fails", nil)
	out, _ := n.invokeJSON(t, &lambda.InvokeInput{FunctionName: aws.String("fails"), Payload: []byte(`{"op":"error","value":"v"}`)})
	if out.StatusCode != 200 || aws.ToString(out.FunctionError) != "Unhandled" {
		t.Fatalf("status %d error %v", out.StatusCode, out.FunctionError)
	}
	if string(out.Payload) != `{"errorMessage":"boom: v","errorType":"errorString"}` {
		t.Fatalf("payload %s", out.Payload)
	}
}

func TestInvokeRequestErrors(t *testing.T) {
	n := startNubo(t, "")
	n.createGo(t, "limits", nil)
	ctx := context.Background()

	_, err := n.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("nope")})
	isErr[*types.ResourceNotFoundException](t, err)
	checkError(t, err, notFound("Function not found: "+fnARN("nope")))

	big := make([]byte, 6*1024*1024+1)
	_, err = n.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("limits"), Payload: big})
	isErr[*types.RequestTooLargeException](t, err)
	checkError(t, err, apiError{code: "RequestTooLargeException", status: 413,
		message: "Request must be smaller than 6291456 bytes for the InvokeFunction operation"})

	_, err = n.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("limits"), Qualifier: aws.String("7")})
	checkError(t, err, notFound("Function not found: "+fnARN("limits")+":7"))
}

func TestInvokeVersionsAndAliasWeights(t *testing.T) {
	n := startNubo(t, "")
	ctx := context.Background()
	n.createGo(t, "routed", func(in *lambda.CreateFunctionInput) {
		in.Environment = &types.Environment{Variables: map[string]string{"VER": "1"}}
		in.Publish = true
	})
	if _, err := n.client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("routed"), Description: aws.String("second")}); err != nil {
		t.Fatal(err)
	}
	n.waitUpdated(t, "routed")
	if _, err := n.client.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("routed")}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("routed"), Name: aws.String("live"),
		FunctionVersion: aws.String("1"), RoutingConfig: &types.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"2": 0.3}}}); err != nil {
		t.Fatal(err)
	}
	out, r := n.invokeJSON(t, &lambda.InvokeInput{FunctionName: aws.String("routed"), Qualifier: aws.String("1")})
	if aws.ToString(out.ExecutedVersion) != "1" || r.ARN != fnARN("routed")+":1" {
		t.Fatalf("version 1: executed %q arn %q", aws.ToString(out.ExecutedVersion), r.ARN)
	}
	counts := map[string]int{}
	const calls = 300
	for i := 0; i < calls; i++ {
		out, r := n.invokeJSON(t, &lambda.InvokeInput{FunctionName: aws.String("routed:live")})
		counts[aws.ToString(out.ExecutedVersion)]++
		if r.ARN != fnARN("routed")+":live" {
			t.Fatalf("invoked ARN %q, want the alias ARN", r.ARN)
		}
	}
	// 30% of 300 is 90; a binomial's standard deviation here is about 8, so
	// 50..130 fails only for a broken router.
	if counts["1"]+counts["2"] != calls || counts["2"] < 50 || counts["2"] > 130 {
		t.Fatalf("alias routing counts %v, want about 210/90", counts)
	}
}

func TestInvokeThrottledByReservedConcurrency(t *testing.T) {
	n := startNubo(t, "")
	ctx := context.Background()
	n.createGo(t, "one-at-a-time", nil)
	if _, err := n.client.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{
		FunctionName: aws.String("one-at-a-time"), ReservedConcurrentExecutions: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	// Warm first: a probe that took the one environment while it started
	// (seconds under -race on a busy machine) outlasted the sleeper.
	n.invokeJSON(t, &lambda.InvokeInput{FunctionName: aws.String("one-at-a-time")})
	done := make(chan error, 1)
	go func() {
		// The sleeper asks again at once when a probe holds the one
		// environment; with the SDK's own retries, it once lost to the
		// probes three times on a busy machine and never ran.
		for {
			_, err := n.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("one-at-a-time"), Payload: []byte(`{"op":"sleep","ms":3000}`)},
				func(o *lambda.Options) { o.RetryMaxAttempts = 1 })
			if !errors.As(err, new(*types.TooManyRequestsException)) {
				done <- err
				return
			}
		}
	}()
	var throttle *types.TooManyRequestsException
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := n.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("one-at-a-time")},
			func(o *lambda.Options) { o.RetryMaxAttempts = 1 })
		if errors.As(err, &throttle) {
			checkError(t, err, apiError{code: "TooManyRequestsException", status: 429, message: "Rate Exceeded."})
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never throttled; last result %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if throttle.Reason != types.ThrottleReasonReservedFunctionConcurrentInvocationLimitExceeded {
		t.Fatalf("throttle reason %q", throttle.Reason)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentInvokesNeverCross runs 200 invokes at once across 10
// functions; every answer must be its own request's.
func TestConcurrentInvokesNeverCross(t *testing.T) {
	n := startNubo(t, "")
	const functions, invokes = 10, 200
	for i := 0; i < functions; i++ {
		n.createGo(t, fmt.Sprintf("stress-%d", i), nil)
	}
	var wg sync.WaitGroup
	errs := make(chan error, invokes)
	for i := 0; i < invokes; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			name := fmt.Sprintf("stress-%d", i%functions)
			value := fmt.Sprintf("request-%d", i)
			out, err := n.client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String(name),
				Payload: []byte(`{"op":"sleep","ms":20,"value":"` + value + `"}`)})
			if err != nil {
				errs <- err
				return
			}
			var r fnResult
			if err := json.Unmarshal(out.Payload, &r); err != nil || r.Value != value || r.ARN != fnARN(name) {
				errs <- fmt.Errorf("invoke %d of %s got %s", i, name, out.Payload)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestShellBootstrap runs a custom runtime written in shell with curl, as in
// AWS's own tutorial.
func TestShellBootstrap(t *testing.T) {
	n := startNubo(t, "")
	in := createInput(t, "shell")
	in.Code.ZipFile = makeZip(t, "bootstrap", shellBootstrap)
	n.create(t, in)
	for i := 0; i < 2; i++ {
		out, err := n.client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("shell"), Payload: []byte(fmt.Sprintf(`{"n":%d}`, i))})
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf(`{"echo": {"n":%d}}`, i); string(out.Payload) != want {
			t.Fatalf("got %s, want %s", out.Payload, want)
		}
	}
}

const shellBootstrap = `#!/bin/sh
set -eu
while true; do
  HEADERS="$(mktemp)"
  EVENT=$(curl -sS -LD "$HEADERS" "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  curl -sS -o /dev/null "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$REQUEST_ID/response" -d "{\"echo\": $EVENT}"
done
`
