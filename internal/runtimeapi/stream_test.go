package runtimeapi

import (
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// recorder is a lambda.ResponseStream that tells each write as it comes.
type recorder struct {
	contentType string
	writes      chan string
}

func (r *recorder) Begin(ct string) { r.contentType = ct }
func (r *recorder) Write(p []byte) (int, error) {
	r.writes <- string(p)
	return len(p), nil
}

// A streamed response reaches the caller's stream piece by piece while
// the runtime is still sending, and error trailers fail the invocation.
func TestStreamedResponse(t *testing.T) {
	for _, withError := range []bool{false, true} {
		r := newRig(t)
		rec := &recorder{writes: make(chan string, 1)}
		results := r.invokeAsync(&Invocation{Invocation: &lambda.Invocation{RequestID: "req-s", Target: &lambda.Target{}, Stream: rec},
			Deadline: time.Now().Add(time.Minute)})
		r.do("GET", "/2018-06-01/runtime/invocation/next", nil, nil)
		pr, pw := io.Pipe()
		req, _ := http.NewRequest("POST", r.ts.URL+"/2018-06-01/runtime/invocation/req-s/response", pr)
		req.Header.Set("Lambda-Runtime-Function-Response-Mode", "streaming")
		req.Header.Set("Content-Type", "text/plain")
		req.Trailer = http.Header{"Lambda-Runtime-Function-Error-Type": nil, "Lambda-Runtime-Function-Error-Body": nil}
		posted := make(chan *http.Response, 1)
		go func() {
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
			}
			posted <- resp
		}()
		io.WriteString(pw, "first")
		if got := <-rec.writes; got != "first" { // before the runtime has finished
			t.Fatalf("first write %q", got)
		}
		io.WriteString(pw, "second")
		if got := <-rec.writes; got != "second" {
			t.Fatalf("second write %q", got)
		}
		if withError {
			req.Trailer.Set("Lambda-Runtime-Function-Error-Type", "Runtime.Boom")
			req.Trailer.Set("Lambda-Runtime-Function-Error-Body", base64.StdEncoding.EncodeToString([]byte(`{"errorType":"Runtime.Boom"}`)))
		}
		pw.Close()
		if resp := <-posted; resp.StatusCode != http.StatusAccepted {
			t.Errorf("post: %d", resp.StatusCode)
		}
		res := <-results
		if rec.contentType != "text/plain" || !res.Streamed || res.Size != int64(len("firstsecond")) {
			t.Errorf("result %+v, content type %q", res, rec.contentType)
		}
		if withError && (res.Outcome != FunctionError || res.ErrorType != "Runtime.Boom" || string(res.Payload) != `{"errorType":"Runtime.Boom"}`) {
			t.Errorf("error trailers: %+v", res)
		}
		if !withError && res.Outcome != Success {
			t.Errorf("outcome %v", res.Outcome)
		}
	}
}

// A buffered response to an invocation that takes a stream stays a
// payload.
func TestStreamNotUsedForBufferedResponse(t *testing.T) {
	r := newRig(t)
	rec := &recorder{writes: make(chan string, 1)}
	results := r.invokeAsync(&Invocation{Invocation: &lambda.Invocation{RequestID: "req-b", Target: &lambda.Target{}, Stream: rec},
		Deadline: time.Now().Add(time.Minute)})
	r.do("GET", "/2018-06-01/runtime/invocation/next", nil, nil)
	r.do("POST", "/2018-06-01/runtime/invocation/req-b/response", strings.NewReader(`"ok"`), nil)
	if res := <-results; res.Streamed || string(res.Payload) != `"ok"` || rec.contentType != "" {
		t.Errorf("result %+v", res)
	}
}

// counter is a lambda.ResponseStream that counts what reaches it.
type counter struct{ n int64 }

func (c *counter) Begin(string) {}
func (c *counter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// A streamed response stops reaching the caller at 20 MiB and fails as
// too large.
func TestStreamedResponseLimit(t *testing.T) {
	r := newRig(t)
	c := &counter{}
	results := r.invokeAsync(&Invocation{Invocation: &lambda.Invocation{RequestID: "req-big", Target: &lambda.Target{}, Stream: c},
		Deadline: time.Now().Add(time.Minute)})
	r.do("GET", "/2018-06-01/runtime/invocation/next", nil, nil)
	body := io.LimitReader(zeros{}, MaxStreamPayload+1)
	resp, _ := r.do("POST", "/2018-06-01/runtime/invocation/req-big/response", io.MultiReader(body), map[string]string{"Lambda-Runtime-Function-Response-Mode": "streaming"})
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("post: %d", resp.StatusCode)
	}
	res := <-results
	if res.Outcome != ResponseTooLarge || res.Size != MaxStreamPayload+1 || c.n > MaxStreamPayload {
		t.Errorf("result %+v, %d bytes relayed", res, c.n)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
