package control_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
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

// staleKV answers the next read of a key with the value stale holds for it,
// once: a read that took the record just before a write stored a newer one.
type staleKV struct {
	store.KV
	mu    sync.Mutex
	stale map[string][]byte
}

func (k *staleKV) Get(ctx context.Context, key string) (store.Entry, error) {
	k.mu.Lock()
	old, ok := k.stale[key]
	delete(k.stale, key)
	k.mu.Unlock()
	if ok {
		return store.Entry{Key: key, Value: old}, nil
	}
	return k.KV.Get(ctx, key)
}

// TestResolveAfterStaleRead: Resolve's cache took a function's record as
// it was before its activation was stored (a read that raced with the
// write); the function is Active in the store, as GetFunction says, so
// Resolve invokes it rather than answering that it is Pending.
func TestResolveAfterStaleRead(t *testing.T) {
	ctx := context.Background()
	kv := &staleKV{stale: map[string][]byte{}}
	s := newServiceOver(t, func(inner store.KV) store.KV { kv.KV = inner; return kv })
	create(t, s, "f")
	if err := s.TagResource(ctx, scope.FunctionARN("f"), map[string]string{"k": "v"}); err != nil { // a write: the cache is dropped
		t.Fatal(err)
	}
	key := store.Key("fn", scope.Region, "f")
	e, err := kv.KV.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]json.RawMessage
	var latest map[string]any
	if err := json.Unmarshal(e.Value, &rec); err != nil || json.Unmarshal(rec["latest"], &latest) != nil {
		t.Fatalf("%s: %v", e.Value, err)
	}
	latest["State"] = lambda.StatePending
	rec["latest"], _ = json.Marshal(latest)
	pending, _ := json.Marshal(rec)
	kv.mu.Lock()
	kv.stale[key] = pending
	kv.mu.Unlock()
	if _, err := s.Resolve(ctx, scope, lambda.FunctionRef{Name: "f"}); err != nil {
		t.Fatalf("Resolve of an Active function after a stale read: %v", err)
	}
}
