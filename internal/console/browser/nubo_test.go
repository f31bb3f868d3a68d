package browser_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"log/slog"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/nubo-dev/nubo/internal/server"
)

// nubo is a server of the test's own, on a free port of loopback.
type nubo struct {
	addr string
	cfg  aws.Config
}

// startNubo starts a nubo whose requests are authenticated as auth says
// (server.AuthSigV4 or server.AuthNone), with the root key test/test and
// the execution role the test's functions use.
func startNubo(t *testing.T, auth string) *nubo {
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Account: "000000000000", Region: "us-east-1",
		MaxConcurrency: 100, Sandbox: "process", Auth: auth,
		Logger: slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("nubo stopped: %v", err)
		}
	})
	addr := srv.Addr()
	n := &nubo{addr: addr, cfg: aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String("http://" + addr)}}
	_, err = iam.NewFromConfig(n.cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("console"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// testLog writes nubo's warnings and errors to the test's log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// console is the console's URL on n.
func (n *nubo) console() string { return "http://" + n.addr + "/_nubo/console" }

// pythonZip is a function that prints a line and answers with its event.
func pythonZip() []byte {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	w, _ := z.Create("app.py")
	io.WriteString(w, "def handler(event, context):\n    print('hello from the console test')\n    return {'echo': event}\n")
	z.Close()
	return buf.Bytes()
}

func needPython(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("skipping: no python3")
	}
}

// deploy creates a function through the API and waits until it is active.
func (n *nubo) deploy(t *testing.T, name string, env map[string]string) {
	t.Helper()
	ctx := context.Background()
	c := lambda.NewFromConfig(n.cfg)
	in := &lambda.CreateFunctionInput{FunctionName: aws.String(name), Runtime: types.RuntimePython312,
		Handler: aws.String("app.handler"), Role: aws.String("arn:aws:iam::000000000000:role/console"),
		Code: &types.FunctionCode{ZipFile: pythonZip()}}
	if env != nil {
		in.Environment = &types.Environment{Variables: env}
	}
	if _, err := c.CreateFunction(ctx, in); err != nil {
		t.Fatal(err)
	}
	w := lambda.NewFunctionActiveV2Waiter(c)
	if err := w.Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)}, time.Minute); err != nil {
		t.Fatal(err)
	}
}

// invoke invokes a function through the API.
func (n *nubo) invoke(t *testing.T, name, payload string) {
	t.Helper()
	out, err := lambda.NewFromConfig(n.cfg).Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String(name), Payload: []byte(payload)})
	if err != nil {
		t.Fatal(err)
	}
	if out.FunctionError != nil {
		t.Fatalf("%s failed: %s", name, out.Payload)
	}
}
