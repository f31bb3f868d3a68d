package frontdoor_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nubo-dev/nubo/internal/frontdoor"
)

func TestHTTPStreamPrelude(t *testing.T) {
	w := httptest.NewRecorder()
	s := frontdoor.NewHTTPStream(w)
	s.Prepare = func(h http.Header) { h.Set("X-Amzn-Requestid", "id") }
	s.Begin(frontdoor.HTTPIntegrationResponse)
	prelude := `{"statusCode":201,"headers":{"content-type":"text/plain","server":"mine"},"cookies":["a=1"]}` + strings.Repeat("\x00", 8)
	// The prelude arrives split across writes, the body with its end.
	for _, chunk := range []string{prelude[:10], prelude[10 : len(prelude)-3], prelude[len(prelude)-3:] + "first ", "second"} {
		if _, err := s.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	if !s.Sent() || w.Code != 201 || w.Body.String() != "first second" {
		t.Errorf("got %d %q", w.Code, w.Body)
	}
	h := w.Header()
	if h.Get("Content-Type") != "text/plain" || h.Get("Set-Cookie") != "a=1" || h.Get("X-Amzn-Remapped-Server") != "mine" || h.Get("X-Amzn-Requestid") != "id" {
		t.Errorf("headers %v", h)
	}
	if !w.Flushed {
		t.Error("not flushed")
	}
}

func TestHTTPStreamRaw(t *testing.T) {
	w := httptest.NewRecorder()
	s := frontdoor.NewHTTPStream(w)
	s.Begin("text/event-stream")
	s.Write([]byte("data: 1\n\n"))
	if w.Code != 200 || w.Header().Get("Content-Type") != "text/event-stream" || w.Body.String() != "data: 1\n\n" {
		t.Errorf("got %d %v %q", w.Code, w.Header(), w.Body)
	}
}

// A 204 or 304 goes out without the body the function streamed after
// it, as HTTP requires; an informational status is no response.
func TestHTTPStreamStatusWithoutBody(t *testing.T) {
	for _, status := range []int{204, 304} {
		w := httptest.NewRecorder()
		s := frontdoor.NewHTTPStream(w)
		s.Begin(frontdoor.HTTPIntegrationResponse)
		if _, err := s.Write([]byte(fmt.Sprintf(`{"statusCode":%d}`, status) + strings.Repeat("\x00", 8) + "body")); err != nil {
			t.Fatalf("%d: %v", status, err)
		}
		if _, err := s.Write([]byte("more")); err != nil {
			t.Fatalf("%d: %v", status, err)
		}
		if w.Code != status || w.Body.Len() != 0 {
			t.Errorf("got %d %q, want %d and no body", w.Code, w.Body, status)
		}
	}
	s := frontdoor.NewHTTPStream(httptest.NewRecorder())
	s.Begin(frontdoor.HTTPIntegrationResponse)
	if _, err := s.Write([]byte(`{"statusCode":100}` + strings.Repeat("\x00", 8))); !frontdoor.IsMalformed(err) || s.Sent() {
		t.Errorf("status 100: %v, sent %v; want malformed, not sent", err, s.Sent())
	}
}

func FuzzHTTPStream(f *testing.F) {
	f.Add(`{"statusCode":200}`, "body", 3)
	f.Add(`{"headers":{"a":1}}`, "", 1)
	f.Add(`{`, "x", 0)
	f.Fuzz(func(t *testing.T, prelude, body string, split int) {
		w := httptest.NewRecorder()
		s := frontdoor.NewHTTPStream(w)
		s.Begin(frontdoor.HTTPIntegrationResponse)
		data := prelude + strings.Repeat("\x00", 8) + body
		if split < 0 || split > len(data) {
			split = len(data) / 2
		}
		_, err1 := s.Write([]byte(data[:split]))
		_, err2 := s.Write([]byte(data[split:]))
		if err1 != nil || err2 != nil {
			if s.Sent() && !strings.Contains(prelude, "\x00\x00\x00\x00\x00\x00\x00\x00") {
				t.Fatalf("failed after sending: %v %v", err1, err2)
			}
			return
		}
		if !s.Sent() || w.Code < 100 || w.Code > 599 {
			t.Fatalf("%q: sent %v, status %d", prelude, s.Sent(), w.Code)
		}
	})
}
