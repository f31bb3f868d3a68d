package s3

import (
	"strings"
	"sync"

	"github.com/google/btree"
)

// bucket is a bucket in memory: its record and an ordered index of its
// keys and uploads, rebuilt from the KV store at start. Listing reads the
// index only.
type bucket struct {
	name string

	// life is held shared by every operation that commits into the bucket
	// (from its KV write to its index update) and exclusively by
	// DeleteBucket, so that no object lands in a bucket being deleted.
	life sync.RWMutex

	mu      sync.RWMutex // guards what follows
	rec     bucketRecord
	rev     uint64 // rec's KV revision
	keys    *btree.BTreeG[*keyEntry]
	uploads *btree.BTreeG[*upload]
	// records are the versions by the tail of their KV key
	// (version.recordKey), for deletions followed from the store: in a
	// cluster only (nil on a single node, which follows nothing).
	records map[string]*version
	deleted bool
}

// keyEntry is one key and its versions, newest first. A key whose last
// version is deleted leaves the index.
type keyEntry struct {
	key      string
	versions []*version
}

func (e *keyEntry) current() *version {
	if len(e.versions) == 0 {
		return nil
	}
	return e.versions[0]
}

func newBucket(rec bucketRecord, followed bool) *bucket {
	var records map[string]*version
	if followed {
		records = map[string]*version{}
	}
	return &bucket{
		name:    rec.Name,
		rec:     rec,
		records: records,
		keys:    btree.NewG(32, func(a, b *keyEntry) bool { return a.key < b.key }),
		uploads: btree.NewG(32, func(a, b *upload) bool {
			if a.rec.Key != b.rec.Key {
				return a.rec.Key < b.rec.Key
			}
			if a.rec.Seq != b.rec.Seq {
				return a.rec.Seq < b.rec.Seq
			}
			return a.rec.ID < b.rec.ID
		}),
	}
}

// track and untrack keep records (in a cluster).
func (b *bucket) track(v *version) {
	if b.records != nil {
		b.records[v.recordKey()] = v
	}
}

func (b *bucket) untrack(v *version) {
	if b.records != nil {
		delete(b.records, v.recordKey())
	}
}

// entryLocked returns the key's entry, or nil.
func (b *bucket) entryLocked(key string) *keyEntry {
	e, _ := b.keys.Get(&keyEntry{key: key})
	return e
}

// currentLocked returns the key's current version (maybe a delete
// marker), or nil.
func (b *bucket) currentLocked(key string) *version {
	if e := b.entryLocked(key); e != nil {
		return e.current()
	}
	return nil
}

// findLocked returns the version id of key, or nil.
func (b *bucket) findLocked(key, id string) *version {
	e := b.entryLocked(key)
	if e == nil {
		return nil
	}
	for _, v := range e.versions {
		if v.ID == id {
			return v
		}
	}
	return nil
}

// addLocked makes v the key's newest version, replacing the version of
// the same id (the null version) if there is one, which it returns. In a
// cluster the one there may be newer (another node's write of the same
// null version, followed while v was being stored): then it stays, and v
// is what is returned; or v's own record, followed before v was added.
func (b *bucket) addLocked(v *version) (replaced *version) {
	e := b.entryLocked(v.Key)
	if e == nil {
		b.keys.ReplaceOrInsert(&keyEntry{key: v.Key, versions: []*version{v}})
		b.track(v)
		return nil
	}
	for i, old := range e.versions {
		if old.ID == v.ID {
			switch {
			case old.rev > v.rev:
				return v
			case old.rev == v.rev: // v itself, followed before it was added
				e.versions[i] = v
				b.track(v)
				return nil
			}
			replaced = old
			e.versions = append(e.versions[:i], e.versions[i+1:]...)
			break
		}
	}
	e.versions = append([]*version{v}, e.versions...)
	b.track(v)
	return replaced
}

// insertLoadedLocked puts a version read from the store in its place by
// sequence (loading sees versions in no order).
func (b *bucket) insertLoadedLocked(v *version) {
	b.track(v)
	e := b.entryLocked(v.Key)
	if e == nil {
		b.keys.ReplaceOrInsert(&keyEntry{key: v.Key, versions: []*version{v}})
		return
	}
	i := 0
	for i < len(e.versions) && e.versions[i].Seq > v.Seq {
		i++
	}
	e.versions = append(e.versions[:i], append([]*version{v}, e.versions[i:]...)...)
}

// removeLocked drops v from the index, if it is still there (in a
// cluster a newer write of its id may have replaced it).
func (b *bucket) removeLocked(v *version) {
	e := b.entryLocked(v.Key)
	if e == nil {
		return
	}
	for i, old := range e.versions {
		if old == v {
			e.versions = append(e.versions[:i], e.versions[i+1:]...)
			b.untrack(v)
			break
		}
	}
	if len(e.versions) == 0 {
		b.keys.Delete(e)
	}
}

// replaceLocked swaps a version for an updated copy (tags, storage
// class), keeping its place.
func (b *bucket) replaceLocked(v *version) {
	e := b.entryLocked(v.Key)
	if e == nil {
		return
	}
	for i, old := range e.versions {
		if old.ID == v.ID {
			if old.rev <= v.rev {
				e.versions[i] = v
				b.track(v)
			}
			return
		}
	}
}

// emptyLocked reports whether the bucket holds no version and no delete
// marker.
func (b *bucket) emptyLocked() bool { return b.keys.Len() == 0 }

// prefixEnd is the smallest string greater than every string that starts
// with p, or "" when there is none (p is all 0xff bytes).
func prefixEnd(p string) string {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return ""
}

// commonPrefix returns the common prefix key rolls up into under prefix
// and delimiter, or "" when it does not roll up.
func commonPrefix(key, prefix, delimiter string) string {
	if delimiter == "" {
		return ""
	}
	if i := strings.Index(key[len(prefix):], delimiter); i >= 0 {
		return key[:len(prefix)+i+len(delimiter)]
	}
	return ""
}
