package dynamodb

import (
	"bytes"
	"slices"
	"sync"
)

// keyLocks serialise the read-check-write of each item: a write holds its
// items' locks from the read of the old item until its batch is stored
// (fsync included), so only writes to the same item wait for each other.
// (Striped locks made unrelated writes wait: ten-item transactions from 32
// clients met on a stripe most of the time, and then waited for each
// other's fsync.) A request takes its keys' locks in key order, so that
// two requests cannot wait for each other.
type keyLocks struct {
	mu   sync.Mutex
	held map[string]*keyLock
	free []*keyLock
}

// keyLock is one item's lock; refs counts the requests that hold it or
// wait for it, and the lock leaves the table with the last of them.
type keyLock struct {
	sync.Mutex
	refs int
}

// lock locks keys (storage keys of items, duplicates allowed) and returns
// the unlock.
func (l *keyLocks) lock(keys ...[]byte) func() {
	if len(keys) > 1 {
		keys = slices.Clone(keys)
		slices.SortFunc(keys, bytes.Compare)
		keys = slices.CompactFunc(keys, bytes.Equal)
	}
	locks := make([]*keyLock, len(keys))
	for i, k := range keys {
		locks[i] = l.ref(k)
		locks[i].Lock()
	}
	return func() {
		for i, k := range keys {
			locks[i].Unlock()
			l.unref(k, locks[i])
		}
	}
}

func (l *keyLocks) ref(k []byte) *keyLock {
	l.mu.Lock()
	defer l.mu.Unlock()
	kl := l.held[string(k)]
	if kl == nil {
		if n := len(l.free); n > 0 {
			kl, l.free = l.free[n-1], l.free[:n-1]
		} else {
			kl = &keyLock{}
		}
		if l.held == nil {
			l.held = map[string]*keyLock{}
		}
		l.held[string(k)] = kl
	}
	kl.refs++
	return kl
}

// freeLocks bounds the unused locks kept for reuse.
const freeLocks = 1024

func (l *keyLocks) unref(k []byte, kl *keyLock) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if kl.refs--; kl.refs == 0 {
		delete(l.held, string(k))
		if len(l.free) < freeLocks {
			l.free = append(l.free, kl)
		}
	}
}
