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
// once: the cache holds a record another node has replaced since.
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
// it was before its activation was stored (on another node, whose change
// Follow has not brought yet); the function is Active in the store, as
// GetFunction says, so Resolve invokes it rather than answering that it is
// Pending.
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

// racingKV holds the next read of key, once armed, until the next write of
// key has reached the store, and runs during (once) before that write
// returns to its writer: a read that began before a write and ended after
// it, and what other callers do in the meantime.
type racingKV struct {
	store.KV
	key     string
	armed   atomic.Bool
	taken   chan struct{} // closed when the held read has its value
	release chan struct{}
	during  atomic.Pointer[func()]
}

func (k *racingKV) Get(ctx context.Context, key string) (store.Entry, error) {
	if key != k.key || !k.armed.CompareAndSwap(true, false) {
		return k.KV.Get(ctx, key)
	}
	e, err := k.KV.Get(ctx, key)
	close(k.taken)
	<-k.release
	return e, err
}

func (k *racingKV) Update(ctx context.Context, key string, value []byte, revision uint64) (uint64, error) {
	rev, err := k.KV.Update(ctx, key, value, revision)
	if key == k.key {
		if during := k.during.Swap(nil); during != nil {
			(*during)()
		}
	}
	return rev, err
}

// TestResolveDuringWrite: a Resolve that read a function's record before
// UpdateFunctionConfiguration stored it, and returned after, must not
// leave that record for the Resolves that follow the write's storing (a
// client that saw the update through GetFunction invokes the new
// configuration).
func TestResolveDuringWrite(t *testing.T) {
	ctx := context.Background()
	kv := &racingKV{key: store.Key("fn", scope.Region, "f"), taken: make(chan struct{}), release: make(chan struct{})}
	s := newServiceOver(t, func(inner store.KV) store.KV { kv.KV = inner; return kv })
	create(t, s, "f")
	if err := s.TagResource(ctx, scope.FunctionARN("f"), map[string]string{"k": "v"}); err != nil { // a write: the cache is dropped
		t.Fatal(err)
	}
	ref := lambda.FunctionRef{Name: "f"}
	kv.armed.Store(true)
	first := make(chan error, 1)
	go func() {
		_, err := s.Resolve(ctx, scope, ref)
		first <- err
	}()
	<-kv.taken
	var inWindow *lambda.Target
	during := func() {
		close(kv.release)
		if err := <-first; err != nil {
			t.Errorf("Resolve begun before the write: %v", err)
		}
		var err error
		if inWindow, err = s.Resolve(ctx, scope, ref); err != nil {
			t.Errorf("Resolve after the write was stored: %v", err)
		}
	}
	kv.during.Store(&during)
	in := &lambda.UpdateFunctionConfigurationInput{FunctionSettings: lambda.FunctionSettings{
		Environment: &lambda.Environment{Variables: map[string]string{"VERSION": "new"}}}}
	if _, err := s.UpdateFunctionConfiguration(ctx, scope, ref, in); err != nil {
		t.Fatal(err)
	}
	after, err := s.Resolve(ctx, scope, ref)
	if err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]*lambda.Target{"after the write was stored": inWindow, "after UpdateFunctionConfiguration": after} {
		if target == nil || target.Config.Environment == nil || target.Config.Environment.Variables["VERSION"] != "new" {
			t.Errorf("Resolve %s gave the configuration before it", name)
		}
	}
}
