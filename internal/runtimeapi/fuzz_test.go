package runtimeapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// FuzzRoutes sends arbitrary requests to a Runtime API with an invocation
// waiting: whatever a runtime sends, the server answers and never panics,
// and the invocation ends or times out.
func FuzzRoutes(f *testing.F) {
	f.Add("GET", "/2018-06-01/runtime/invocation/next", "", "")
	f.Add("POST", "/2018-06-01/runtime/invocation/id-1/response", "{}", "")
	f.Add("POST", "/2018-06-01/runtime/invocation/id-1/error", `{"errorType":"E","errorMessage":"m"}`, "Runtime.Unknown")
	f.Add("POST", "/2018-06-01/runtime/init/error", `{}`, "")
	f.Add("POST", "/2020-01-01/extension/register", `{"events":["INVOKE"]}`, "")
	f.Add("GET", "/2018-06-01/runtime/invocation/../next", "", "")
	f.Fuzz(func(t *testing.T, method, path, body, errorType string) {
		s := New(Info{FunctionName: "fn", FunctionVersion: "$LATEST", Handler: "h", AccountID: "000000000000"})
		defer s.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.Invoke(ctx, &Invocation{Invocation: &lambda.Invocation{RequestID: "id-1", Target: &lambda.Target{}}, Deadline: time.Now().Add(20 * time.Millisecond)}, nil)
		}()
		r, err := http.NewRequestWithContext(ctx, method, "http://127.0.0.1:9001/", strings.NewReader(body))
		if err != nil {
			return
		}
		r.URL.Path = path
		if errorType != "" {
			r.Header.Set("Lambda-Runtime-Function-Error-Type", errorType)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code == 0 {
			t.Fatalf("%s %s: no status", method, path)
		}
		cancel()
		<-done
	})
}
