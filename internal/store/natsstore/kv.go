package natsstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/nubo-dev/nubo/internal/store"
)

// KV opens (creating if needed) the key-value bucket name.
func (s *Store) KV(ctx context.Context, name string) (store.KV, error) {
	b, err := placed(ctx, s, "kv "+name, func(ctx context.Context) (kvBucket, error) { return s.openKV(ctx, name) })
	if err != nil {
		return nil, fmt.Errorf("open kv %s: %w", name, err)
	}
	return b, nil
}

func (s *Store) openKV(ctx context.Context, name string) (kvBucket, error) {
	cfg := jetstream.KeyValueConfig{Bucket: name, Storage: jetstream.FileStorage, History: 1, Replicas: s.replicas}
	kv, err := s.js.KeyValue(ctx, name)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = s.js.CreateKeyValue(ctx, cfg)
	}
	if err == nil && s.replicas > 1 {
		err = s.readFromLeader(ctx, "KV_"+name)
		if err == nil {
			kv, err = s.js.KeyValue(ctx, name)
		}
	}
	var st jetstream.Stream
	if err == nil {
		st, err = s.js.Stream(ctx, "KV_"+name)
	}
	if err != nil {
		return kvBucket{}, err
	}
	return kvBucket{kv: kv, space: s.space, js: s.js, st: st, prefix: "$KV." + name + ".", s: s}, nil
}

// readFromLeader makes the stream's reads go to its leader, and gives it
// this store's replicas. JetStream lets any replica answer a KV's or an
// object store's reads (direct gets), and a follower may not have applied
// a write that was acknowledged a moment ago on another node; the leader
// has, so a read after a write, anywhere, sees it.
func (s *Store) readFromLeader(ctx context.Context, name string) error {
	st, err := s.js.Stream(ctx, name)
	if err != nil {
		return err
	}
	cfg := st.CachedInfo().Config
	if !cfg.AllowDirect && cfg.Replicas == s.replicas {
		return nil
	}
	cfg.AllowDirect, cfg.Replicas = false, s.replicas
	_, err = s.js.UpdateStream(ctx, cfg)
	return err
}

type kvBucket struct {
	kv    jetstream.KeyValue
	space *space
	s     *Store
	// js, st and prefix (its subjects') serve Watch.
	js     jetstream.JetStream
	st     jetstream.Stream
	prefix string
}

func (b kvBucket) Get(ctx context.Context, key string) (store.Entry, error) {
	e, err := again(ctx, b.s, true, func() (jetstream.KeyValueEntry, error) { return b.kv.Get(ctx, key) })
	if err != nil {
		return store.Entry{}, kvError(err)
	}
	return store.Entry{Key: e.Key(), Value: e.Value(), Revision: e.Revision()}, nil
}

func (b kvBucket) Put(ctx context.Context, key string, value []byte) (uint64, error) {
	if err := b.space.room(); err != nil {
		return 0, err
	}
	rev, err := again(ctx, b.s, false, func() (uint64, error) { return b.kv.Put(ctx, key, value) })
	return rev, kvError(err)
}

func (b kvBucket) Create(ctx context.Context, key string, value []byte) (uint64, error) {
	if err := b.space.room(); err != nil {
		return 0, err
	}
	rev, err := again(ctx, b.s, false, func() (uint64, error) { return b.kv.Create(ctx, key, value) })
	return rev, createError(err)
}

// createError is the store's error for a failed Create. Creating a key
// whose last change is a deletion is an update of the deletion's
// revision, which another writer's create of the key fails as a revision
// mismatch (10164 on a replicated bucket), and nats.go passes that on as
// it is: the key exists.
func createError(err error) error {
	var api *jetstream.APIError
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.As(err, &api) &&
		(api.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence || api.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant) {
		return store.ErrExists
	}
	return kvError(err)
}

func (b kvBucket) Update(ctx context.Context, key string, value []byte, revision uint64) (uint64, error) {
	if err := b.space.room(); err != nil {
		return 0, err
	}
	rev, err := again(ctx, b.s, false, func() (uint64, error) { return b.kv.Update(ctx, key, value, revision) })
	return rev, updateError(err)
}

// updateError is the store's error for a failed Update: JetStream reports
// a stale revision as "key exists" (10071), and a replicated bucket's
// leader at times as "wrong last sequence" (10164), which nats.go maps to
// ErrKeyRevisionMismatch alone; both are ErrRevision.
func updateError(err error) error {
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return store.ErrRevision
	}
	return kvError(err)
}

func (b kvBucket) Delete(ctx context.Context, key string) error {
	_, err := again(ctx, b.s, false, func() (struct{}, error) { return struct{}{}, b.kv.Purge(ctx, key) })
	b.space.refresh()
	return kvError(err)
}

func (b kvBucket) Deleted(ctx context.Context, key string) (time.Time, error) {
	entries, err := again(ctx, b.s, true, func() ([]jetstream.KeyValueEntry, error) { return b.kv.History(ctx, key) })
	if err != nil {
		return time.Time{}, kvError(err)
	}
	last := entries[len(entries)-1]
	if op := last.Operation(); op != jetstream.KeyValueDelete && op != jetstream.KeyValuePurge {
		return time.Time{}, store.ErrNotFound
	}
	return last.Created(), nil
}

func kvError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		return store.ErrNotFound
	case errors.Is(err, jetstream.ErrKeyExists):
		return store.ErrExists
	}
	return unavailable(err)
}
