package runtimeapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/services/lambda"
)

type rig struct {
	t   *testing.T
	srv *Server
	ts  *httptest.Server
}

func newRig(t *testing.T) *rig {
	s := New(Info{FunctionName: "fn", FunctionVersion: "$LATEST", Handler: "h", AccountID: "000000000000"})
	ts := httptest.NewServer(s)
	t.Cleanup(func() {
		s.Close()
		ts.Close()
	})
	return &rig{t: t, srv: s, ts: ts}
}

func (r *rig) do(method, path string, body io.Reader, hdr map[string]string) (*http.Response, string) {
	r.t.Helper()
	req, _ := http.NewRequest(method, r.ts.URL+path, body)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// invokeAsync starts an Invoke and returns where its result arrives.
func (r *rig) invokeAsync(inv *Invocation) <-chan Result {
	ch := make(chan Result, 1)
	go func() {
		res, err := r.srv.Invoke(context.Background(), inv, nil)
		if err != nil {
			r.t.Errorf("invoke: %v", err)
		}
		ch <- res
	}()
	return ch
}

// invokeNext starts inv and has the runtime take it with /next, as the
// tests of its answers begin.
func (r *rig) invokeNext(inv *Invocation) <-chan Result {
	results := r.invokeAsync(inv)
	r.do("GET", "/2018-06-01/runtime/invocation/next", nil, nil)
	return results
}

func errorTypeOf(t *testing.T, body string) string {
	var e struct{ ErrorType, ErrorMessage string }
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.ErrorMessage == "" {
		t.Fatalf("not a Runtime API error body: %q", body)
	}
	return e.ErrorType
}

func TestNextDeliversEveryHeader(t *testing.T) {
	r := newRig(t)
	deadline := time.Now().Add(3 * time.Second)
	results := r.invokeAsync(&Invocation{Invocation: &lambda.Invocation{RequestID: "req-1",
		Target:  &lambda.Target{InvokedARN: "arn:aws:lambda:us-east-1:000000000000:function:fn:live"},
		TraceID: "Root=1-a-b;Parent=c;Sampled=0", ClientContext: `{"custom":{"k":"v"}}`, Payload: []byte(`{"a":1}`)}, Deadline: deadline})
	resp, body := r.do("GET", "/2018-06-01/runtime/invocation/next", nil, nil)
	if resp.StatusCode != 200 || body != `{"a":1}` {
		t.Fatalf("next: %d %q", resp.StatusCode, body)
	}
	want := map[string]string{
		"Lambda-Runtime-Aws-Request-Id":       "req-1",
		"Lambda-Runtime-Deadline-Ms":          strconv.FormatInt(deadline.UnixMilli(), 10),
		"Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:000000000000:function:fn:live",
		"Lambda-Runtime-Trace-Id":             "Root=1-a-b;Parent=c;Sampled=0",
		"Lambda-Runtime-Client-Context":       `{"custom":{"k":"v"}}`,
		"Content-Type":                        "application/json",
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if resp.Header.Get("Lambda-Runtime-Cognito-Identity") != "" {
		t.Error("empty optional header was sent")
	}
	resp, body = r.do("POST", "/2018-06-01/runtime/invocation/req-1/response", strings.NewReader(`{"ok":true}`), map[string]string{"Content-Type": "application/json"})
	if resp.StatusCode != 202 || strings.TrimSpace(body) != `{"status":"OK"}` {
		t.Fatalf("response: %d %q", resp.StatusCode, body)
	}
	res := <-results
	if res.Outcome != Success || string(res.Payload) != `{"ok":true}` || res.ContentType != "application/json" {
		t.Fatalf("result %+v", res)
	}
	select {
	case <-r.srv.InitDone():
	default:
		t.Fatal("InitDone not closed after the first /next")
	}
}

func TestWrongRequestIDAndStates(t *testing.T) {
	r := newRig(t)
	resp, body := r.do("POST", "/2018-06-01/runtime/invocation/nope/response", strings.NewReader("x"), nil)
	if resp.StatusCode != 403 || errorTypeOf(t, body) != "InvalidStateTransition" {
		t.Fatalf("response before next: %d %s", resp.StatusCode, body)
	}
	results := r.invokeNext(invocation("req-1", time.Second))
	resp, body = r.do("POST", "/2018-06-01/runtime/invocation/other/response", strings.NewReader("x"), nil)
	if resp.StatusCode != 400 || errorTypeOf(t, body) != "InvalidRequestID" {
		t.Fatalf("wrong id: %d %s", resp.StatusCode, body)
	}
	resp, _ = r.do("POST", "/2018-06-01/runtime/invocation/req-1/error", strings.NewReader(`{"errorMessage":"m","errorType":"T"}`),
		map[string]string{"Lambda-Runtime-Function-Error-Type": "Runtime.Oops"})
	if resp.StatusCode != 202 {
		t.Fatalf("error: %d", resp.StatusCode)
	}
	res := <-results
	if res.Outcome != FunctionError || res.ErrorType != "Runtime.Oops" || string(res.Payload) != `{"errorMessage":"m","errorType":"T"}` {
		t.Fatalf("result %+v", res)
	}
	resp, body = r.do("POST", "/2018-06-01/runtime/invocation/req-1/response", strings.NewReader("x"), nil)
	if resp.StatusCode != 403 || errorTypeOf(t, body) != "InvalidStateTransition" {
		t.Fatalf("second answer: %d %s", resp.StatusCode, body)
	}
	resp, body = r.do("POST", "/2018-06-01/runtime/init/error", strings.NewReader("{}"), nil)
	if resp.StatusCode != 403 || errorTypeOf(t, body) != "InvalidStateTransition" {
		t.Fatalf("init error after init: %d %s", resp.StatusCode, body)
	}
}

func TestInitError(t *testing.T) {
	r := newRig(t)
	resp, _ := r.do("POST", "/2018-06-01/runtime/init/error", strings.NewReader(`{"errorMessage":"bad import","errorType":"Runtime.ImportModuleError"}`),
		map[string]string{"Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError"})
	if resp.StatusCode != 202 {
		t.Fatalf("init error: %d", resp.StatusCode)
	}
	rep := r.srv.InitError()
	if rep == nil || rep.ErrorType != "Runtime.ImportModuleError" || !strings.Contains(string(rep.Payload), "bad import") {
		t.Fatalf("report %+v", rep)
	}
}

// TestChunkedResponseWithErrorTrailers sends what aws-lambda-go sends for a
// failed streamed body: chunked encoding and error trailers.
func TestChunkedResponseWithErrorTrailers(t *testing.T) {
	r := newRig(t)
	results := r.invokeNext(invocation("req-1", time.Second))
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", r.ts.URL+"/2018-06-01/runtime/invocation/req-1/response", pr)
	req.Header.Set("Lambda-Runtime-Function-Response-Mode", "streaming")
	req.Trailer = http.Header{"Lambda-Runtime-Function-Error-Type": nil, "Lambda-Runtime-Function-Error-Body": nil}
	go func() {
		pw.Write([]byte("partial "))
		pw.Write([]byte("body"))
		req.Trailer.Set("Lambda-Runtime-Function-Error-Type", "Runtime.StreamError")
		req.Trailer.Set("Lambda-Runtime-Function-Error-Body", base64.StdEncoding.EncodeToString([]byte(`{"errorMessage":"mid-stream"}`)))
		pw.Close()
	}()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 202 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	res := <-results
	if res.Outcome != FunctionError || res.ErrorType != "Runtime.StreamError" || string(res.Payload) != `{"errorMessage":"mid-stream"}` {
		t.Fatalf("result %+v", res)
	}
}

func TestChunkedResponse(t *testing.T) {
	r := newRig(t)
	results := r.invokeNext(invocation("req-1", time.Second))
	pr, pw := io.Pipe()
	go func() {
		for i := 0; i < 3; i++ {
			pw.Write([]byte("chunk"))
		}
		pw.Close()
	}()
	resp, _ := r.do("POST", "/2018-06-01/runtime/invocation/req-1/response", pr, nil)
	if resp.StatusCode != 202 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if res := <-results; res.Outcome != Success || string(res.Payload) != "chunkchunkchunk" {
		t.Fatalf("result %+v", res)
	}
}

func TestOversizedResponse(t *testing.T) {
	r := newRig(t)
	results := r.invokeNext(invocation("req-1", time.Second))
	resp, body := r.do("POST", "/2018-06-01/runtime/invocation/req-1/response", bytes.NewReader(make([]byte, MaxPayload+1)), nil)
	if resp.StatusCode != 413 || errorTypeOf(t, body) != "RequestEntityTooLarge" ||
		!strings.Contains(body, "Exceeded maximum allowed payload size (6291556 bytes).") {
		t.Fatalf("oversized: %d %s", resp.StatusCode, body)
	}
	if res := <-results; res.Outcome != ResponseTooLarge || res.Size != MaxPayload+1 {
		t.Fatalf("result %+v", res)
	}
}

func TestInvalidResponseMode(t *testing.T) {
	r := newRig(t)
	results := r.invokeNext(invocation("req-1", time.Second))
	resp, body := r.do("POST", "/2018-06-01/runtime/invocation/req-1/response", strings.NewReader("x"),
		map[string]string{"Lambda-Runtime-Function-Response-Mode": "bogus"})
	if resp.StatusCode != 400 || errorTypeOf(t, body) != "InvalidFunctionResponseMode" {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if res := <-results; res.Outcome != InvalidResponseMode {
		t.Fatalf("result %+v", res)
	}
}

// TestExtensionHoldsInit registers an extension as aws-lambda-go does for
// SIGTERM handling: Init ends only when both it and the runtime wait.
func TestExtensionHoldsInit(t *testing.T) {
	r := newRig(t)
	resp, body := r.do("POST", "/2020-01-01/extension/register", strings.NewReader(`{"events":[]}`),
		map[string]string{"Lambda-Extension-Name": "GoLangEnableSIGTERM"})
	id := resp.Header.Get("Lambda-Extension-Identifier")
	if resp.StatusCode != 200 || id == "" || !strings.Contains(body, `"functionName":"fn"`) {
		t.Fatalf("register: %d %q %q", resp.StatusCode, id, body)
	}
	go func() {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", r.ts.URL+"/2018-06-01/runtime/invocation/next", nil)
		http.DefaultClient.Do(req)
	}()
	time.Sleep(100 * time.Millisecond)
	select {
	case <-r.srv.InitDone():
		t.Fatal("Init done before the extension called /next")
	default:
	}
	go func() {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", r.ts.URL+"/2020-01-01/extension/event/next", nil)
		req.Header.Set("Lambda-Extension-Identifier", id)
		http.DefaultClient.Do(req)
	}()
	select {
	case <-r.srv.InitDone():
	case <-time.After(30 * time.Second):
		t.Fatal("Init not done after runtime and extension called /next")
	}
	resp, body = r.do("POST", "/2020-01-01/extension/register", nil, map[string]string{"Lambda-Extension-Name": "late"})
	if resp.StatusCode != 403 || errorTypeOf(t, body) != "Extension.RegistrationClosed" {
		t.Fatalf("late register: %d %s", resp.StatusCode, body)
	}
	resp, body = r.do("GET", "/2020-01-01/extension/event/next", nil, map[string]string{"Lambda-Extension-Identifier": "nope"})
	if resp.StatusCode != 403 || errorTypeOf(t, body) != "Extension.InvalidExtensionIdentifier" {
		t.Fatalf("bad id: %d %s", resp.StatusCode, body)
	}
}

func invocation(id string, timeout time.Duration) *Invocation {
	return &Invocation{Invocation: &lambda.Invocation{RequestID: id, Target: &lambda.Target{}}, Deadline: time.Now().Add(timeout)}
}

// TestParked checks that Parked waits for the runtime's /next after an
// invocation, and gives up when the runtime exits.
func TestParked(t *testing.T) {
	r := newRig(t)
	results := r.invokeNext(invocation("req-1", time.Minute))
	r.do("POST", "/2018-06-01/runtime/invocation/req-1/response", strings.NewReader(`"ok"`), nil)
	<-results
	parked := make(chan error, 1)
	go func() { parked <- r.srv.Parked(context.Background(), nil) }()
	select {
	case err := <-parked:
		t.Fatalf("Parked returned %v before the runtime's /next", err)
	case <-time.After(50 * time.Millisecond):
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "GET", r.ts.URL+"/2018-06-01/runtime/invocation/next", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	if err := <-parked; err != nil {
		t.Fatalf("Parked: %v", err)
	}
	exited := make(chan struct{})
	close(exited)
	r.srv.mu.Lock()
	r.srv.state = stateInvoke // as if an event were in progress
	r.srv.mu.Unlock()
	if err := r.srv.Parked(context.Background(), exited); err == nil {
		t.Fatal("Parked succeeded for a runtime that exited mid-invocation")
	}
}
