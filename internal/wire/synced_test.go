package wire

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Synced syncs before each request but those it skips, and serves even
// when the sync fails (with what the node has).
func TestSynced(t *testing.T) {
	syncs, served := 0, 0
	fail := false
	sync := func(ctx context.Context) error {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("a sync without a deadline")
		}
		syncs++
		if fail {
			return errors.New("no answer")
		}
		return nil
	}
	h := Synced(sync, slog.New(slog.DiscardHandler), func(r *http.Request) bool { return r.Header.Get("X-Skip") != "" })(
		http.HandlerFunc(func(http.ResponseWriter, *http.Request) { served++ }))
	get := func(skip bool) {
		r := httptest.NewRequest("GET", "/", nil)
		if skip {
			r.Header.Set("X-Skip", "1")
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	get(false)
	get(true)
	fail = true
	get(false)
	if syncs != 2 || served != 3 {
		t.Fatalf("%d syncs, %d served; want 2 and 3", syncs, served)
	}
}
