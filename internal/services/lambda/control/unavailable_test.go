package control_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/lambda/control"
	"github.com/nubo-dev/nubo/internal/store"
)

// failingKV answers unavailable to reads of the keys that contain part,
// once fail is set.
type failingKV struct {
	store.KV
	part string
	fail atomic.Bool
}

func (f *failingKV) Get(ctx context.Context, key string) (store.Entry, error) {
	if f.fail.Load() && strings.Contains(key, f.part) {
		return store.Entry{}, store.Unavailable("no leader")
	}
	return f.KV.Get(ctx, key)
}

// TestDestinationOnUnavailableStore: a destination function the store
// cannot read is not an invalid destination: the caller gets the store's
// unavailable error, to try again.
func TestDestinationOnUnavailableStore(t *testing.T) {
	kv := &failingKV{part: "other"}
	s := newServiceOver(t, func(inner store.KV) store.KV { kv.KV = inner; return kv })
	create(t, s, "f")
	create(t, s, "other")
	kv.fail.Store(true)
	in := &control.EventInvokeConfigInput{DestinationConfig: &lambda.DestinationConfig{
		OnSuccess: lambda.OnDestination{Destination: "arn:aws:lambda:us-east-1:000000000000:function:other"}}}
	if _, err := s.PutEventInvokeConfig(context.Background(), scope, lambda.FunctionRef{Name: "f"}, in, false); !store.Unchanged(err) {
		t.Fatalf("PutEventInvokeConfig with its destination unreadable: %v", err)
	}
	kv.fail.Store(false)
	if _, err := s.PutEventInvokeConfig(context.Background(), scope, lambda.FunctionRef{Name: "f"}, in, false); err != nil {
		t.Fatalf("PutEventInvokeConfig: %v", err)
	}
}
