package process

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/nubo-dev/nubo/internal/sandbox"
	"github.com/nubo-dev/nubo/internal/sandbox/sandboxtest"
)

func TestConformance(t *testing.T) {
	d, err := New(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	sandboxtest.Run(t, d)
}

// TestRuntimeAPIRefusesOthers checks the answer a process outside the
// environment gets: 403, before and after Start.
func TestRuntimeAPIRefusesOthers(t *testing.T) {
	d, err := New(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := d.Create(context.Background(), sandbox.Spec{ID: "a", TaskRoot: t.TempDir(), MemoryMB: 128, EphemeralMB: 512})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop(0)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "served") })}
	go srv.Serve(sb.Listener())
	defer srv.Close()
	get := func() int {
		resp, err := http.Get("http://" + sb.RuntimeAPI() + "/2018-06-01/runtime/invocation/next")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get(); code != http.StatusForbidden {
		t.Fatalf("before Start: %d, want 403", code)
	}
	if err := sb.Start([]string{"sleep", "30"}, nil); err != nil {
		t.Fatal(err)
	}
	if code := get(); code != http.StatusForbidden {
		t.Fatalf("after Start: %d, want 403", code)
	}
}
