package lambdaapi

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

type onePackage struct{}

func (onePackage) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader("zip of " + key)), nil
}

// Code.Location links work for ten minutes, for their package only.
func TestCodeLinks(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	links := Links{MAC: func(msg []byte) []byte { return append([]byte("mac:"), msg...) }, Now: func() time.Time { return now }}
	key := strings.Repeat("a", 64)
	h := CodeHandler(onePackage{}, links)
	get := func(link string) *httptest.ResponseRecorder {
		u, err := url.Parse(link)
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, u.RequestURI(), nil))
		return w
	}
	link := links.URL("http://127.0.0.1:4566", key)
	if w := get(link); w.Code != 200 || !bytes.Equal(w.Body.Bytes(), []byte("zip of "+key)) {
		t.Fatalf("a fresh link: %d %s", w.Code, w.Body)
	}
	other := strings.Replace(link, key, strings.Repeat("b", 64), 1)
	if w := get(other); w.Code != http.StatusForbidden {
		t.Errorf("another package with the link's signature: %d", w.Code)
	}
	now = now.Add(linkLifetime + time.Second)
	if w := get(link); w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "<Code>AccessDenied</Code>") {
		t.Errorf("an expired link: %d %s", w.Code, w.Body)
	}
}
