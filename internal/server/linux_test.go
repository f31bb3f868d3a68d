package server_test

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
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

// sandboxCaller is a shell function that calls nubo's API at
// AWS_ENDPOINT_URL, the endpoint nubo serves inside its sandbox, with curl:
// unsigned, signed with the root's well-known credentials, and signed with
// the credentials of its role; it answers each call's status and error.
const sandboxCaller = `#!/bin/sh
set -u
call() {
  name=$1; shift
  code=$(curl -s -o /tmp/body -D /tmp/headers -w '%{http_code}' "$@")
  type=$(grep -i '^x-amzn-errortype:' /tmp/headers | cut -d: -f2 | tr -d '[:space:]')
  printf '"%s":"%s%s",' "$name" "$code" "${type:+ $type}"
}
while true; do
  HEADERS="$(mktemp)"
  curl -sS -LD "$HEADERS" -o /dev/null "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next"
  ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  SIGN="aws:amz:${AWS_REGION}:lambda"
  OUT="{$(call unsigned "$AWS_ENDPOINT_URL/2015-03-31/functions")"
  OUT="$OUT$(call root --aws-sigv4 "$SIGN" --user test:test "$AWS_ENDPOINT_URL/2015-03-31/functions")"
  if [ -n "${AWS_ACCESS_KEY_ID:-}" ]; then
    ROLE="--aws-sigv4 $SIGN --user $AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY -H X-Amz-Security-Token:$AWS_SESSION_TOKEN"
  else
    ROLE=""
  fi
  OUT="$OUT$(call list $ROLE "$AWS_ENDPOINT_URL/2015-03-31/functions")"
  OUT="$OUT$(call victim $ROLE "$AWS_ENDPOINT_URL/2015-03-31/functions/victim/configuration")"
  printf '%s}' "${OUT%,}" > /tmp/out.json
  curl -sS -o /dev/null "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$ID/response" --data-binary @/tmp/out.json
done
`

// callFromSandbox creates the caller with a role allowed to list functions
// and invokes it.
func (n *nubo) callFromSandbox(t *testing.T) map[string]string {
	t.Helper()
	if err := ensureRole(context.Background(), n.addr, "lister", allow("lambda:ListFunctions", "*")); err != nil {
		t.Fatal(err)
	}
	n.createNamed(t, "victim")
	in := createInput(t, "caller")
	in.Role = aws.String("arn:aws:iam::" + account + ":role/lister")
	in.Code.ZipFile = makeZip(t, "bootstrap", sandboxCaller)
	// A shell runtime forks some twenty processes per event, on 128 MB's
	// share of a CPU: Lambda's default 3 s ran out at a load average of
	// 10 under -race.
	in.Timeout = aws.Int32(30)
	n.create(t, in)
	out, err := n.client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("caller")})
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	if out.FunctionError != nil {
		t.Fatalf("invoke: %s", out.Payload)
	}
	var got map[string]string
	if err := json.Unmarshal(out.Payload, &got); err != nil {
		t.Fatalf("the caller answered %s", out.Payload)
	}
	return got
}

// From inside a sandbox, nubo's API serves only the function's role, as its
// policy allows: not unsigned requests, not the root's credentials (issue
// 14 #4).
func TestLinuxSandboxAPIActsAsTheRole(t *testing.T) {
	n := startLinux(t)
	want := map[string]string{"unsigned": "403 MissingAuthenticationTokenException", "root": "403 AccessDeniedException",
		"list": "200", "victim": "403 AccessDeniedException"}
	if got := n.callFromSandbox(t); !reflect.DeepEqual(got, want) {
		t.Errorf("calls from the sandbox: %v, want %v", got, want)
	}
}

// Without verification (--auth none) a sandbox's requests act as the
// function's role whatever they carry: what its policy allows, and nothing
// else.
func TestLinuxSandboxUnverifiedActsAsTheRole(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the linux sandbox driver needs root (CI runs as root)")
	}
	n := startNuboWith(t, "", func(c *server.Config) { c.Sandbox, c.Auth = "linux", server.AuthNone })
	want := map[string]string{"unsigned": "200", "root": "200", "list": "200", "victim": "403 AccessDeniedException"}
	if got := n.callFromSandbox(t); !reflect.DeepEqual(got, want) {
		t.Errorf("calls from the sandbox: %v, want %v", got, want)
	}
}

// The Go function of TestFunctionsActAsTheirRole, isolated: its SDK reaches
// nubo inside the sandbox and acts as its role.
func TestLinuxFunctionActsAsItsRole(t *testing.T) {
	n := startLinux(t)
	w := n.roleWorld(t)
	in := createInput(t, "role-go")
	in.Code.ZipFile = roleFunctionZip(t)
	if got := n.tryAsRole(t, w, in); !reflect.DeepEqual(got, wantOutcomes) {
		t.Errorf("outcomes %v, want %v", got, wantOutcomes)
	}
}
