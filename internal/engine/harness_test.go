package engine

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/nubo-dev/nubo/internal/sandbox"
	"github.com/nubo-dev/nubo/internal/sandbox/process"
	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// fnDir holds testdata/fn built as a custom runtime's bootstrap.
var fnDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "engine-fn-")
	if err != nil {
		panic(err)
	}
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "bootstrap"), "./testdata/fn")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		panic(fmt.Sprintf("build test function: %v\n%s", err, out))
	}
	fnDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// bootstrapLauncher runs the package's bootstrap, as custom runtimes do.
type bootstrapLauncher struct{}

func (bootstrapLauncher) Launch(runtime string, p sandbox.Paths, taskRoot string, memoryMB int) ([]string, []string, error) {
	return []string{filepath.Join(p.TaskRoot, "bootstrap")}, nil, nil
}
func (bootstrapLauncher) RuntimeDir() string            { return "" }
func (bootstrapLauncher) Version(runtime string) string { return "provided:al2023.v1" }

// oneDir serves every package from the built test function.
type oneDir struct{}

func (oneDir) Extract(ctx context.Context, key string) (string, error) { return fnDir, nil }

// memorySink keeps every log event by stream.
type memorySink struct {
	mu      sync.Mutex
	streams map[string][]lambda.LogEvent
	order   []string
}

func (s *memorySink) Append(group, stream string, events []lambda.LogEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.streams == nil {
		s.streams = map[string][]lambda.LogEvent{}
	}
	if _, ok := s.streams[stream]; !ok {
		s.order = append(s.order, stream)
	}
	s.streams[stream] = append(s.streams[stream], events...)
}

// lines returns the messages of every stream, streams in order of creation.
func (s *memorySink) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, name := range s.order {
		for _, e := range s.streams[name] {
			out = append(out, e.Message)
		}
	}
	return out
}

type harness struct {
	t    *testing.T
	eng  *Engine
	sink *memorySink
}

func newHarness(t *testing.T, tweak func(*Options)) *harness {
	t.Helper()
	d, err := process.New(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, sink: &memorySink{}}
	opts := Options{Driver: d, Launcher: bootstrapLauncher{}, Packages: oneDir{}, Logs: h.sink,
		KeepAlive: time.Minute, ShutdownGrace: 500 * time.Millisecond}
	if tweak != nil {
		tweak(&opts)
	}
	h.eng = New(opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		h.eng.Run(ctx)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return h
}

var fakeSha = func() string {
	sum := sha256.Sum256([]byte("fn"))
	return base64.StdEncoding.EncodeToString(sum[:])
}()

// function returns a $LATEST configuration of the test function.
func function(name string) *lambda.FunctionConfiguration {
	return &lambda.FunctionConfiguration{
		FunctionName: name, Runtime: "provided.al2023", Handler: "bootstrap", Version: lambda.Latest,
		MemorySize: 128, Timeout: 3, CodeSha256: fakeSha, RevisionId: "rev-1", State: lambda.StateActive,
	}
}

var scope = lambda.Scope{Account: "000000000000", Region: "us-east-1"}

func request(cfg *lambda.FunctionConfiguration, event any) *lambda.Invocation {
	payload, _ := json.Marshal(event)
	return &lambda.Invocation{Scope: scope, Function: lambda.FunctionRef{Name: cfg.FunctionName},
		Target:    &lambda.Target{Config: cfg, InvokedARN: scope.FunctionARN(cfg.FunctionName)},
		RequestID: uuid.NewString(), Payload: payload}
}

// result is what testdata/fn answers.
type result struct {
	Value     string            `json:"value"`
	RequestID string            `json:"requestId"`
	ARN       string            `json:"arn"`
	Env       map[string]string `json:"env"`
	Remaining int64             `json:"remainingMs"`
	Client    string            `json:"client"`
	PID       int               `json:"pid"`
}

// invoke runs req and decodes a successful answer.
func (h *harness) invoke(req *lambda.Invocation) (*lambda.Result, result) {
	h.t.Helper()
	resp, err := h.eng.Invoke(context.Background(), req)
	if err != nil {
		h.t.Fatalf("invoke: %v", err)
	}
	var r result
	if resp.FunctionError == "" {
		if err := json.Unmarshal(resp.Payload, &r); err != nil {
			h.t.Fatalf("decode %q: %v", resp.Payload, err)
		}
	}
	return resp, r
}

// errorOf decodes a function error payload.
func errorOf(t *testing.T, resp *lambda.Result) (errorType, message string) {
	t.Helper()
	if resp.FunctionError != "Unhandled" {
		t.Fatalf("FunctionError = %q, payload %s", resp.FunctionError, resp.Payload)
	}
	var e struct{ ErrorType, ErrorMessage string }
	if err := json.Unmarshal(resp.Payload, &e); err != nil {
		t.Fatalf("decode error %q: %v", resp.Payload, err)
	}
	return e.ErrorType, e.ErrorMessage
}

// waitFor polls cond for up to 30 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func hasLine(lines []string, prefix string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}
