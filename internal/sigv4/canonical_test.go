package sigv4

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestCanonicalURI(t *testing.T) {
	tests := []struct {
		raw  string
		s3   bool
		want string
	}{
		{"/bucket/a%20b", true, "/bucket/a%20b"},
		{"/bucket/a+b", true, "/bucket/a%2Bb"},
		{"/bucket/%E2%82%AC", true, "/bucket/%E2%82%AC"},
		{"/bucket//x/./y", true, "/bucket//x/./y"},
		{"/functions/a%3Ab/invocations", false, "/functions/a%253Ab/invocations"},
		{"/a/b/../c/./d//", false, "/a/c/d/"},
		{"", false, "/"},
		{"/..", false, "/"},
	}
	for _, tt := range tests {
		if got := canonicalURI(tt.raw, tt.s3); got != tt.want {
			t.Errorf("canonicalURI(%q, s3 %v) = %q, want %q", tt.raw, tt.s3, got, tt.want)
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	tests := []struct {
		raw       string
		presigned bool
		want      string
	}{
		{"b=2&a=1", false, "a=1&b=2"},
		{"a=2&a=1&a=10", false, "a=1&a=10&a=2"},
		{"acl", false, "acl="},
		{"prefix=a+b&x=%2F", false, "prefix=a%20b&x=%2F"},
		{"k=~._-!*", false, "k=~._-%21%2A"},
		{"X-Amz-Signature=abc&X-Amz-Date=1", true, "X-Amz-Date=1"},
		{"X-Amz-Signature=abc", false, "X-Amz-Signature=abc"},
		{"&&a=1&", false, "a=1"},
	}
	for _, tt := range tests {
		if got := canonicalQuery(tt.raw, tt.presigned); got != tt.want {
			t.Errorf("canonicalQuery(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

func TestHeaderValue(t *testing.T) {
	r := httptest.NewRequest("PUT", "http://example.com:8080/x", nil)
	r.Header.Add("X-Multi", "  a   b  ")
	r.Header.Add("X-Multi", "c")
	r.Header.Set("Content-Length", "5")
	r.TransferEncoding = []string{"chunked"}
	tests := []struct{ name, want string }{
		{"host", "example.com:8080"},
		{"x-multi", "a b,c"},
		{"x-absent", ""},
		{"content-length", "5"},
		{"transfer-encoding", "chunked"},
	}
	for _, tt := range tests {
		if got := headerValue(r, tt.name); got != tt.want {
			t.Errorf("headerValue(%s) = %q, want %q", tt.name, got, tt.want)
		}
	}
	r = &http.Request{Header: http.Header{}, ContentLength: 12}
	if got := headerValue(r, "content-length"); got != "12" {
		t.Errorf("content-length moved out of the header = %q, want 12", got)
	}
}
