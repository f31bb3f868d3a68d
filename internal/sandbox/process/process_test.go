package process

import (
	"testing"

	"github.com/nubo-dev/nubo/internal/sandbox/sandboxtest"
)

func TestConformance(t *testing.T) {
	d, err := New(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	sandboxtest.Run(t, d)
}
