package cluster

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/store"
)

// A 503 from another node reaches the client with the message it was
// given there (not the store's full-disk one), and still retries as one.
func TestUnavailableTravelsWithItsMessage(t *testing.T) {
	c := &Cluster{}
	for _, e := range []error{errFenced, ErrNodeGone} {
		err := c.DecodeError(c.EncodeError(fmt.Errorf("sqs.Send: %w", e)))
		var ae *awserr.Error
		if !errors.Is(err, store.ErrUnavailable) || !errors.As(err, &ae) {
			t.Fatalf("%v: decoded as %v, not ErrUnavailable", e, err)
		}
		var want *awserr.Error
		errors.As(e, &want)
		if ae.Code.Status != 503 || ae.Message != want.Message || strings.Contains(ae.Message, "disk") {
			t.Errorf("%v: decoded with %d %q, want 503 %q", e, ae.Code.Status, ae.Message, want.Message)
		}
	}
}
