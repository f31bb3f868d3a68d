package frontdoor_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/nubo-dev/nubo/internal/frontdoor"
)

func preflight(origin string) *http.Request {
	r := httptest.NewRequest("OPTIONS", "/x", nil)
	r.Header.Set("Origin", origin)
	r.Header.Set("Access-Control-Request-Method", "PUT")
	return r
}

func TestCORSPreflight(t *testing.T) {
	c := &frontdoor.CORS{AllowOrigins: []string{"https://app.example.com"}, AllowMethods: []string{"GET", "PUT"},
		AllowHeaders: []string{"content-type", "x-api-key"}, MaxAge: 300, AllowCredentials: true}
	if !frontdoor.IsPreflight(preflight("https://app.example.com")) || frontdoor.IsPreflight(httptest.NewRequest("OPTIONS", "/", nil)) {
		t.Fatal("IsPreflight")
	}
	w := httptest.NewRecorder()
	c.Preflight(w, preflight("https://APP.example.com"))
	want := map[string]string{"Access-Control-Allow-Origin": "https://APP.example.com", "Access-Control-Allow-Methods": "GET,PUT",
		"Access-Control-Allow-Headers": "content-type,x-api-key", "Access-Control-Max-Age": "300", "Access-Control-Allow-Credentials": "true"}
	if w.Code != 204 {
		t.Errorf("status %d", w.Code)
	}
	for k, v := range want {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	w = httptest.NewRecorder()
	c.Preflight(w, preflight("https://evil.example.com"))
	if w.Header().Get("Access-Control-Allow-Origin") != "" || w.Header().Get("Access-Control-Allow-Methods") != "" {
		t.Errorf("an origin not allowed got %v", w.Header())
	}
	star := &frontdoor.CORS{AllowOrigins: []string{"*"}, PreflightStatus: 200}
	w = httptest.NewRecorder()
	star.Preflight(w, preflight("http://localhost:3000"))
	if w.Code != 200 || w.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("star: %d %v", w.Code, w.Header())
	}
}

func TestCORSApply(t *testing.T) {
	c := &frontdoor.CORS{AllowOrigins: []string{"*"}, ExposeHeaders: []string{"x-total"}}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Origin", "http://localhost:3000")
	h := http.Header{"Access-Control-Allow-Origin": {"https://from-the-function"}, "Access-Control-Max-Age": {"1"}, "X-Other": {"kept"}}
	c.Apply(h, r)
	if h.Get("Access-Control-Allow-Origin") != "*" || h.Get("Access-Control-Expose-Headers") != "x-total" || h.Get("Access-Control-Max-Age") != "" || h.Get("X-Other") != "kept" {
		t.Errorf("headers %v", h)
	}
	h = http.Header{}
	c.Apply(h, httptest.NewRequest("GET", "/", nil)) // no Origin: not a CORS request
	if len(h) != 0 {
		t.Errorf("without an origin: %v", h)
	}
}
