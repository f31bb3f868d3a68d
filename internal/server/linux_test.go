package server_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/nubo-dev/nubo/internal/server"
)

// startLinux starts nubo with the linux sandbox driver (root only).
func startLinux(t *testing.T) *nubo {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the linux sandbox driver needs root (CI runs as root)")
	}
	return startNuboWith(t, "", func(c *server.Config) { c.Sandbox = "linux" })
}

// TestLinuxSandboxRunsFunctions runs the Go function in the isolated
// driver: the Lambda layout, nubo's API reachable from inside at its
// sandbox address, and an out-of-memory kill reported as AWS does.
func TestLinuxSandboxRunsFunctions(t *testing.T) {
	n := startLinux(t)
	n.createGo(t, "isolated", func(in *lambda.CreateFunctionInput) { in.Timeout = aws.Int32(30) })
	out, err := n.client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("isolated"), Payload: []byte(`{"op":"env"}`)})
	if err != nil || out.FunctionError != nil {
		t.Fatalf("invoke: %v %s", err, out.Payload)
	}
	var r struct{ Env map[string]string }
	json.Unmarshal(out.Payload, &r)
	for k, want := range map[string]string{"LAMBDA_TASK_ROOT": "/var/task", "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
		"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "LAMBDA_RUNTIME_DIR": "/var/runtime"} {
		if r.Env[k] != want {
			t.Errorf("%s = %q, want %q", k, r.Env[k], want)
		}
	}
	if _, ok := r.Env["TMPDIR"]; ok {
		t.Errorf("TMPDIR set inside the sandbox (its /tmp is private): %q", r.Env["TMPDIR"])
	}

	out, err = n.client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("isolated"), Payload: []byte(`{"op":"alloc","n":400}`)})
	if err != nil {
		t.Fatal(err)
	}
	var e struct{ ErrorType, ErrorMessage string }
	json.Unmarshal(out.Payload, &e)
	if aws.ToString(out.FunctionError) != "Unhandled" || e.ErrorType != "Runtime.OutOfMemory" ||
		!strings.HasSuffix(e.ErrorMessage, "Error: Runtime exited with error: signal: killed") {
		t.Fatalf("out of memory: %s", out.Payload)
	}
	// The environment is replaced: the next invoke works.
	if out, err = n.client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("isolated")}); err != nil || out.FunctionError != nil {
		t.Fatalf("invoke after OOM: %v %s", err, out.Payload)
	}
}

// TestLinuxSandboxCallsNuboAPI has a shell function list the functions
// through AWS_ENDPOINT_URL, the API nubo serves inside the sandbox.
func TestLinuxSandboxCallsNuboAPI(t *testing.T) {
	n := startLinux(t)
	in := createInput(t, "caller")
	in.Code.ZipFile = makeZip(t, "bootstrap", `#!/bin/sh
set -eu
while true; do
  HEADERS="$(mktemp)"
  curl -sS -LD "$HEADERS" -o /dev/null "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next"
  ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  curl -sS "$AWS_ENDPOINT_URL/2015-03-31/functions" > /tmp/functions.json
  curl -sS -o /dev/null "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$ID/response" --data-binary @/tmp/functions.json
done
`)
	n.create(t, in)
	out, err := n.client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("caller")})
	if err != nil || out.FunctionError != nil {
		t.Fatalf("invoke: %v %s", err, out.Payload)
	}
	if !strings.Contains(string(out.Payload), `"FunctionName":"caller"`) {
		t.Fatalf("ListFunctions from inside the sandbox: %s", out.Payload)
	}
}
