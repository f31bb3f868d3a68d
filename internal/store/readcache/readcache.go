// Package readcache keeps values read from a store.KV for the paths that
// read them far more often than anything writes them: every invoke reads its
// function, every request to a function URL or an API its configuration.
//
// Every write its owner makes to the store goes through the cache (Write,
// or a KV from Track), which drops the values as the write begins and again
// once it is stored; a read keeps what it read only when no write began or
// was in flight meanwhile. So once a write returns, no read through the
// cache gives what the store held before it, even a read that began before
// the write and ended after it. Other nodes' writes reach it through Drop,
// called from a watch of the store, a moment later.
package readcache

import (
	"context"
	"sync"

	"github.com/nubo-dev/nubo/internal/store"
)

// Cache holds values by key; callers must not modify what it gives. The
// zero Cache is empty and ready.
type Cache[V any] struct {
	mu      sync.Mutex
	values  map[string]V
	gen     uint64 // bumped by every drop
	writing int    // writes begun and not yet ended
}

// Get gives the value kept for key or, when there is none, what load reads,
// which it keeps unless load failed or a write began or was in flight
// meanwhile.
func (c *Cache[V]) Get(key string, load func() (V, error)) (V, error) {
	c.mu.Lock()
	v, ok := c.values[key]
	gen := c.gen
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.gen == gen && c.writing == 0 {
		if c.values == nil {
			c.values = map[string]V{}
		}
		c.values[key] = v
	}
	c.mu.Unlock()
	return v, nil
}

// Drop drops every value: another node wrote to the store.
func (c *Cache[V]) Drop() {
	c.mu.Lock()
	c.dropLocked()
	c.mu.Unlock()
}

func (c *Cache[V]) dropLocked() {
	c.gen++
	clear(c.values)
}

// Write runs do, a write of the store, dropping every value as it begins and
// again once it ends.
func (c *Cache[V]) Write(do func() error) error {
	c.mu.Lock()
	c.writing++
	c.dropLocked()
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.writing--
		c.dropLocked()
		c.mu.Unlock()
	}()
	return do()
}

// Track returns kv with each of its writes run through c's Write.
func (c *Cache[V]) Track(kv store.KV) store.KV {
	return trackedKV{KV: kv, write: c.Write}
}

type trackedKV struct {
	store.KV
	write func(do func() error) error
}

func (k trackedKV) Put(ctx context.Context, key string, value []byte) (rev uint64, err error) {
	err = k.write(func() error { rev, err = k.KV.Put(ctx, key, value); return err })
	return rev, err
}

func (k trackedKV) Create(ctx context.Context, key string, value []byte) (rev uint64, err error) {
	err = k.write(func() error { rev, err = k.KV.Create(ctx, key, value); return err })
	return rev, err
}

func (k trackedKV) Update(ctx context.Context, key string, value []byte, revision uint64) (rev uint64, err error) {
	err = k.write(func() error { rev, err = k.KV.Update(ctx, key, value, revision); return err })
	return rev, err
}

func (k trackedKV) Delete(ctx context.Context, key string) error {
	return k.write(func() error { return k.KV.Delete(ctx, key) })
}
