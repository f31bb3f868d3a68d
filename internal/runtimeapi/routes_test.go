package runtimeapi

import "testing"

// TestRoutes checks the answers that do not reach a handler's own logic:
// an unknown path, a known one asked with the wrong method, and ping
// (TestWrongRequestIDAndStates reaches the invocation routes' handlers).
func TestRoutes(t *testing.T) {
	r := newRig(t)
	for _, c := range []struct {
		method, path string
		status       int
		allow, body  string
	}{
		{"GET", "/2018-06-01/ping", 200, "", "pong"},
		{"HEAD", "/2018-06-01/ping", 200, "", ""},
		{"POST", "/2018-06-01/ping", 405, "GET", "Method Not Allowed\n"},
		{"GET", "/2018-06-01/runtime/invocation/id-1/response", 405, "POST", "Method Not Allowed\n"},
		{"POST", "/2018-06-01/runtime/invocation//response", 404, "", "404 page not found\n"},
		{"POST", "/2018-06-01/runtime/invocation/id-1/response/more", 404, "", "404 page not found\n"},
		{"POST", "/2018-06-01/runtime/invocation/id-1/other", 404, "", "404 page not found\n"},
		{"GET", "/2018-06-01/runtime/invocation", 404, "", "404 page not found\n"},
		{"GET", "/nothing", 404, "", "404 page not found\n"},
		{"PUT", "/2020-08-15/logs", 202, "", `{"errorMessage":"Logs API is not supported","errorType":"Logs.NotSupported"}` + "\n"},
	} {
		resp, body := r.do(c.method, c.path, nil, nil)
		if resp.StatusCode != c.status || resp.Header.Get("Allow") != c.allow || body != c.body {
			t.Errorf("%s %s: %d, Allow %q, %q; want %d, %q, %q", c.method, c.path, resp.StatusCode, resp.Header.Get("Allow"), body, c.status, c.allow, c.body)
		}
	}
}
