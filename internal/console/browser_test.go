package console_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/nubo-dev/nubo/internal/server"
)

// browser is a headless Chromium on a nubo of its own, recording every
// error the page logs or throws and every request that fails.
type browser struct {
	t        *testing.T
	ctx      context.Context
	base     string
	addr     string
	shots    string
	mu       sync.Mutex
	problems []string
}

func chromium(t *testing.T) string {
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("CI must provide Chromium (scripts/test installs Debian's chromium)")
	}
	t.Skip("skipping: no Chromium")
	return ""
}

func startNubo(t *testing.T) string {
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Account: "000000000000", Region: "us-east-1",
		MaxConcurrency: 100, Sandbox: "process", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return srv.Addr()
}

func newBrowser(t *testing.T) *browser {
	exe := chromium(t)
	addr := startNubo(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancel()
		cancelAlloc()
	})
	shots := os.Getenv("NUBO_SCREENSHOTS")
	if shots == "" {
		shots = filepath.Join(os.TempDir(), "nubo-console-screenshots")
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, ctx: ctx, base: "http://" + addr + "/_nubo/console", addr: addr, shots: shots}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			b.problem("exception: " + ev.ExceptionDetails.Text + " " + exceptionText(ev.ExceptionDetails))
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				b.problem("console error: " + strings.Join(args, " "))
			}
		case *network.EventLoadingFailed:
			b.problem("request failed: " + ev.ErrorText)
		case *network.EventResponseReceived:
			if ev.Response.Status >= 400 {
				b.problem(fmt.Sprintf("HTTP %d for %s", int(ev.Response.Status), ev.Response.URL))
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *browser) problem(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, s)
}

func (b *browser) run(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.shot("failure")
		b.t.Fatal(err)
	}
}

// shot saves a screenshot of the page under the screenshots folder.
func (b *browser) shot(name string) {
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(90))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(b.shots, name+".png")
	if err := os.WriteFile(path, png, 0o644); err == nil {
		b.t.Logf("screenshot: %s", path)
	}
}

// clean fails the test if the page logged an error or a request failed.
func (b *browser) clean() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.problems) > 0 {
		b.t.Errorf("the page had problems:\n%s", strings.Join(b.problems, "\n"))
	}
	b.problems = nil
}

func (b *browser) visit(path, waitFor string) {
	b.t.Helper()
	b.run(chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS(waitFor)))
}

func awsConfig(addr string) aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String("http://" + addr)}
}

func pythonZip(t *testing.T) []byte {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	w, _ := z.Create("app.py")
	io.WriteString(w, "def handler(event, context):\n    print('hello from the console test')\n    return {'echo': event}\n")
	z.Close()
	return buf.Bytes()
}

func deploy(t *testing.T, addr, name string) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("skipping: no python3")
	}
	ctx := context.Background()
	c := lambda.NewFromConfig(awsConfig(addr))
	_, err := c.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(name), Runtime: types.RuntimePython312,
		Handler: aws.String("app.handler"), Role: aws.String("arn:aws:iam::000000000000:role/console"),
		Code: &types.FunctionCode{ZipFile: pythonZip(t)}})
	if err != nil {
		t.Fatal(err)
	}
	w := lambda.NewFunctionActiveV2Waiter(c)
	if err := w.Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)}, time.Minute); err != nil {
		t.Fatal(err)
	}
}

func createQueue(t *testing.T, addr, name string) {
	c := sqs.NewFromConfig(awsConfig(addr))
	if _, err := c.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d.Exception != nil {
		return d.Exception.Description
	}
	return ""
}
