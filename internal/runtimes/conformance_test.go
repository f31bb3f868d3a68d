package runtimes

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// suite is one runtime's handler fixture and what AWS's runtime of that
// language reports for the same situations. Every runtime's fixture
// implements the same operations, selected by the event's "op":
//
//	echo, env, tmp_write, tmp_read, ctx, remaining, big, count, log, fail, custom
type suite struct {
	runtime  string
	handler  string
	files    map[string]string
	taskRoot func(t *testing.T) string // instead of files, for compiled code
	forks    *ForkServers              // environments are forked, when set

	fail     errWant // an unhandled exception from the handler
	custom   errWant // a user-defined error class
	failLog  string  // what the log shows for fail
	logLine  func(requestID, msg string) *regexp.Regexp
	initCase []initCase
}

type errWant struct {
	errorType string
	message   string
	header    string // Lambda-Runtime-Function-Error-Type
	traceKey  string // "stackTrace" or "trace"
	traceHas  string // a stack entry contains this (the user's file)
}

// initCase is a handler that cannot be loaded.
type initCase struct {
	name      string
	handler   string
	files     map[string]string // added to the suite's files
	atInvoke  bool              // reported on the first invocation, as AWS's Java and Ruby runtimes do
	exits     bool              // the environment ends after that invocation
	errorType string            // "" means absent
	message   string
	match     string // "exact" (default), "prefix" or "contains"
}

const unicodeText = "héllo wörld ✓ 日本語 🚀 \"quoted\" \\ tab\t"

// TestConformance runs every language's suite.
func TestConformance(t *testing.T) {
	for _, s := range []suite{pythonSuite(), nodeSuite(), rubySuite(), javaSuite()} {
		t.Run(s.runtime, func(t *testing.T) {
			t.Parallel()
			runConformance(t, s)
		})
	}
}

func runConformance(t *testing.T, s suite) {
	cat := runtimeCatalogue(t, s.runtime)
	t.Run("invocations", func(t *testing.T) {
		t.Parallel()
		s.invocations(t, cat)
	})
	for _, c := range s.initCase {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s.runInitCase(t, cat, c)
		})
	}
}

func (s suite) spec(t *testing.T, handler string, extra map[string]string) envSpec {
	spec := envSpec{runtime: s.runtime, handler: handler, env: map[string]string{"MY_VAR": "wörld ✓"}, forks: s.forks}
	if s.taskRoot != nil {
		spec.taskRoot = s.taskRoot(t)
		return spec
	}
	spec.files = map[string]string{}
	for k, v := range s.files {
		spec.files[k] = v
	}
	for k, v := range extra {
		spec.files[k] = v
	}
	return spec
}

func (s suite) invocations(t *testing.T, cat *Catalogue) {
	p := startEnv(t, cat, s.spec(t, s.handler, nil))
	ok := func(t *testing.T, payload string, opts ...invokeOpts) []byte {
		t.Helper()
		r, _ := p.invoke(t, payload, opts...)
		if r.kind != "response" {
			t.Fatalf("got %s %s, want a response", r.kind, truncate(r.body))
		}
		return r.body
	}

	t.Run("echo", func(t *testing.T) {
		data := `{"a":1,"b":2.5,"s":"text","list":[1,"two",null,true],"nested":{"k":{"z":false}}}`
		jsonEqual(t, ok(t, `{"op":"echo","data":`+data+`}`), data)
	})
	t.Run("unicode", func(t *testing.T) {
		data, _ := json.Marshal(map[string]string{"text": unicodeText, unicodeText: "key"})
		jsonEqual(t, ok(t, `{"op":"echo","data":`+string(data)+`}`), string(data))
	})
	t.Run("environment", func(t *testing.T) {
		body := ok(t, `{"op":"env","names":["MY_VAR","AWS_EXECUTION_ENV","AWS_LAMBDA_FUNCTION_NAME","AWS_REGION","LAMBDA_TASK_ROOT"]}`,
			invokeOpts{headers: map[string]string{"Lambda-Runtime-Trace-Id": "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1"}})
		want := fmt.Sprintf(`{"MY_VAR":"wörld ✓","AWS_EXECUTION_ENV":"AWS_Lambda_%s","AWS_LAMBDA_FUNCTION_NAME":%q,"AWS_REGION":"us-east-1","LAMBDA_TASK_ROOT":%q,
			"trace":"Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1"}`, s.runtime, fnName, p.taskRoot)
		jsonEqual(t, body, want)
	})
	t.Run("tmp across invocations", func(t *testing.T) {
		file := "nubo-test-" + newRequestID() + ".txt"
		t.Cleanup(func() { os.Remove(filepath.Join("/tmp", file)) })
		jsonEqual(t, ok(t, fmt.Sprintf(`{"op":"tmp_write","file":%q,"content":"kept ✓"}`, file)), `"ok"`)
		jsonEqual(t, ok(t, fmt.Sprintf(`{"op":"tmp_read","file":%q}`, file)), `"kept ✓"`)
	})
	t.Run("context", func(t *testing.T) {
		arn := "arn:aws:lambda:us-east-1:123456789012:function:" + fnName + ":prod"
		body := ok(t, `{"op":"ctx"}`, invokeOpts{arn: arn, timeout: 10 * time.Second, headers: map[string]string{
			"Lambda-Runtime-Client-Context":   `{"client":{"installation_id":"inst-1","app_title":"nubo ✓ app","app_version_name":"1.0","app_version_code":"1","app_package_name":"dev.nubo"},"custom":{"k":"v"},"env":{"platform":"Android"}}`,
			"Lambda-Runtime-Cognito-Identity": `{"cognitoIdentityId":"us-east-1:id-1","cognitoIdentityPoolId":"us-east-1:pool-1"}`,
		}})
		var got map[string]any
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("context %s: %v", body, err)
		}
		want := map[string]string{
			"functionName":       fnName,
			"functionVersion":    "$LATEST",
			"invokedFunctionArn": arn,
			"memoryLimitInMB":    "256",
			"logGroupName":       "/aws/lambda/" + fnName,
			"logStreamName":      "2026/01/02/[$LATEST]0123456789abcdef0123456789abcdef",
			"identityId":         "us-east-1:id-1",
			"identityPoolId":     "us-east-1:pool-1",
			"appTitle":           "nubo ✓ app",
			"custom":             "v",
			"env":                "Android",
		}
		for k, v := range want {
			if g := fmt.Sprint(got[k]); g != v {
				t.Errorf("context %s = %q, want %q", k, g, v)
			}
		}
		if id, _ := got["requestId"].(string); len(id) != 36 {
			t.Errorf("context requestId = %v, want the invocation's UUID", got["requestId"])
		}
		if r, _ := got["remaining"].(float64); r <= 0 || r > 10000 {
			t.Errorf("remaining = %v, want in (0, 10000]", got["remaining"])
		}
	})
	t.Run("remaining time decreases", func(t *testing.T) {
		var r []float64
		// The deadline counts from the invoke: a loaded machine may take
		// seconds to hand it over.
		if err := json.Unmarshal(ok(t, `{"op":"remaining"}`, invokeOpts{timeout: 60 * time.Second}), &r); err != nil || len(r) != 2 {
			t.Fatalf("remaining: %v %v", r, err)
		}
		if r[0] > 60000 || r[0] < 30000 || r[0]-r[1] < 40 {
			t.Errorf("remaining = %v, want at most 60000 then at least 40 ms less", r)
		}
	})
	t.Run("6 MB response", func(t *testing.T) {
		const size = 6 << 20
		body := ok(t, fmt.Sprintf(`{"op":"big","n":%d}`, size-2))
		if len(body) != size || body[0] != '"' || body[size-1] != '"' || strings.Trim(string(body), `"x`) != "" {
			t.Errorf("response is %d bytes, want a %d-byte JSON string of x", len(body), size)
		}
	})
	t.Run("1 MB event", func(t *testing.T) {
		// Large enough that the fake API sends it chunked, as Go's server does.
		data, _ := json.Marshal(strings.Repeat("é✓", 1<<18))
		jsonEqual(t, ok(t, `{"op":"echo","data":`+string(data)+`}`), string(data))
	})
	t.Run("module state kept", func(t *testing.T) {
		jsonEqual(t, ok(t, `{"op":"count"}`), `1`)
		jsonEqual(t, ok(t, `{"op":"count"}`), `2`)
	})
	t.Run("log line", func(t *testing.T) {
		payload, _ := json.Marshal(map[string]string{"op": "log", "msg": "logged " + unicodeText})
		r, inv := p.invoke(t, string(payload))
		if r.kind != "response" {
			t.Fatalf("got %s %s", r.kind, r.body)
		}
		re := s.logLine(inv.id, "logged "+unicodeText)
		if _, found := p.logs.waitLine(re.MatchString); !found {
			t.Errorf("no log line matches %s in:\n%s", re, p.logs)
		}
	})
	t.Run("unhandled error", func(t *testing.T) {
		r, inv := p.invoke(t, `{"op":"fail"}`)
		s.fail.check(t, r, inv)
		if _, found := p.logs.waitLine(func(l string) bool { return strings.Contains(l, s.failLog) }); !found {
			t.Errorf("no log line contains %q in:\n%s", s.failLog, p.logs)
		}
	})
	t.Run("handled error object", func(t *testing.T) {
		r, inv := p.invoke(t, `{"op":"custom"}`)
		s.custom.check(t, r, inv)
	})
	t.Run("still serving after errors", func(t *testing.T) {
		jsonEqual(t, ok(t, `{"op":"echo","data":"again"}`), `"again"`)
	})
	t.Run("one keep-alive connection", func(t *testing.T) {
		if n := p.api.connections(); n != 1 {
			t.Errorf("runtime opened %d connections to the Runtime API, want 1", n)
		}
	})
}

func (w errWant) check(t *testing.T, r apiResult, inv *invocation) {
	t.Helper()
	if r.kind != "error" {
		t.Fatalf("got %s %s, want an error", r.kind, truncate(r.body))
	}
	e := decodeError(t, r)
	if str(e.ErrorType) != w.errorType || str(e.ErrorMessage) != w.message {
		t.Errorf("error = %s %q, want %s %q (body %s)", str(e.ErrorType), str(e.ErrorMessage), w.errorType, w.message, r.body)
	}
	if got := r.header.Get("Lambda-Runtime-Function-Error-Type"); got != w.header {
		t.Errorf("Lambda-Runtime-Function-Error-Type = %q, want %q", got, w.header)
	}
	trace := e.StackTrace
	if w.traceKey == "trace" {
		trace = e.Trace
		if e.StackTrace != nil {
			t.Errorf("body has stackTrace; this runtime sends trace")
		}
	}
	if !strings.Contains(strings.Join(trace, "\n"), w.traceHas) {
		t.Errorf("%s %q does not mention %q", w.traceKey, trace, w.traceHas)
	}
	if e.RequestID != nil && *e.RequestID != inv.id {
		t.Errorf("requestId = %q, want %q", *e.RequestID, inv.id)
	}
}

func (s suite) runInitCase(t *testing.T, cat *Catalogue, c initCase) {
	p := startEnv(t, cat, s.spec(t, c.handler, c.files))
	var r apiResult
	if c.atInvoke {
		r, _ = p.invoke(t, `{"op":"echo","data":1}`)
		if r.kind != "error" {
			t.Fatalf("got %s %s, want an error", r.kind, r.body)
		}
		if c.exits {
			p.waitExit(t)
		}
	} else {
		r = p.initError(t)
	}
	e := decodeError(t, r)
	wantType := c.errorType
	if wantType == "" {
		wantType = "<absent>"
	}
	if str(e.ErrorType) != wantType {
		t.Errorf("errorType = %s, want %s (body %s)", str(e.ErrorType), wantType, r.body)
	}
	msg := str(e.ErrorMessage)
	var matched bool
	switch c.match {
	case "prefix":
		matched = strings.HasPrefix(msg, c.message)
	case "contains":
		matched = strings.Contains(msg, c.message)
	default:
		matched = msg == c.message
	}
	if !matched {
		t.Errorf("errorMessage = %q, want (%s) %q", msg, c.match, c.message)
	}
}
