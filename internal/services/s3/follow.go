package s3

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// In a cluster every node serves every bucket: each keeps its in-memory
// index in step with the KV store by following it (store.Watchable), and
// catches up before each operation (Follower.Sync in bucket), so that an
// object written through one node is read, listed, copied or deleted
// through any other. A followed change replaces what the index has only
// when its revision is newer: this node's own writes come back through
// the watch too, after the index already has them. Deletions carry no
// value to compare, so a key this node is deleting is a tombstone until
// the watch delivers the deletion, and older writes of it are skipped.
//
// Blobs are the writer's to remove: the node whose write or deletion drops
// a version removes its blobs everywhere (blobs.remove); the others drop
// only their local copies (blobs.dropLocal).

// follow starts the watch; the index, loaded by New, gets what changed
// since.
func (s *Service) follow(ctx context.Context) error {
	f, err := s.kv.(store.Watchable).Watch(ctx, "", s.apply)
	if err != nil {
		return fmt.Errorf("follow s3: %w", err)
	}
	s.following.Started(f)
	return nil
}

// sync returns once the index has every write acknowledged anywhere
// before the call (at once on a single node).
func (s *Service) sync(ctx context.Context) error {
	return s.following.Sync(ctx)
}

// deleteRecord deletes a record of the KV store, as a tombstone until the
// watch delivers the deletion.
func (s *Service) deleteRecord(ctx context.Context, key string) error {
	if !s.following.Running() { // no watch (yet): nothing comes back
		return s.kv.Delete(ctx, key)
	}
	s.tombMu.Lock()
	s.tombs[key]++
	s.tombMu.Unlock()
	err := s.kv.Delete(ctx, key)
	if err != nil {
		s.settle(key)
	}
	return err
}

func (s *Service) settle(key string) {
	s.tombMu.Lock()
	if s.tombs[key]--; s.tombs[key] <= 0 {
		delete(s.tombs, key)
	}
	s.tombMu.Unlock()
}

func (s *Service) tombstoned(key string) bool {
	s.tombMu.Lock()
	defer s.tombMu.Unlock()
	return s.tombs[key] > 0
}

// apply is one change of the KV store, from the watch's goroutine.
func (s *Service) apply(ch store.Change) {
	if ch.Deleted {
		s.settle(ch.Key)
	} else if s.tombstoned(ch.Key) {
		return
	}
	t := store.SplitKey(ch.Key)
	switch {
	case len(t) == 2 && t[0] == "b":
		s.applyBucket(t[1], ch)
	case len(t) == 4 && t[0] == "o":
		s.applyVersion(t[1], recordKey(t[2], t[3]), ch)
	case len(t) == 3 && t[0] == "u":
		s.applyUpload(t[1], t[2], ch)
	case len(t) == 4 && t[0] == "p" && !ch.Deleted:
		// A part's record goes with its upload: completed (its blob is
		// the object's) or aborted (its writer removes the blob).
		s.applyPart(t[1], t[2], ch)
	}
}

func (s *Service) applyBucket(name string, ch store.Change) {
	var rec bucketRecord
	if !ch.Deleted && json.Unmarshal(ch.Value, &rec) != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[name]
	switch {
	case b == nil && !ch.Deleted:
		nb := newBucket(rec, s.opts.Objects != nil)
		nb.rev = ch.Revision
		s.buckets[name] = nb
	case b != nil:
		b.mu.Lock()
		if b.rev < ch.Revision {
			b.rec, b.rev, b.deleted = rec, ch.Revision, ch.Deleted
		}
		if b.deleted {
			delete(s.buckets, name)
		}
		b.mu.Unlock()
	}
}

func (s *Service) followed(name string) *bucket {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.buckets[name]
}

func (s *Service) applyVersion(bucket, record string, ch store.Change) {
	b := s.followed(bucket)
	if b == nil {
		return
	}
	var v *version
	var key string
	if ch.Deleted {
		b.mu.RLock()
		old := b.records[record]
		b.mu.RUnlock()
		if old == nil {
			return
		}
		key = old.Key
	} else {
		v = &version{rev: ch.Revision, record: record}
		if json.Unmarshal(ch.Value, v) != nil {
			return
		}
		s.seenSeq(v.Seq)
		key = v.Key
	}
	// This node's commit of the key, if one is under way, ends first: its
	// own record is then in the index (and skipped here), and the blobs a
	// write replaces are removed by the writer, everywhere.
	l := s.keyLock(bucket, key)
	l.Lock()
	defer l.Unlock()
	b.mu.Lock()
	old := b.records[record]
	if old != nil && old.rev >= ch.Revision {
		b.mu.Unlock()
		return
	}
	if old != nil {
		b.removeLocked(old)
	}
	if v != nil {
		b.insertLoadedLocked(v)
	}
	b.mu.Unlock()
	if old != nil {
		s.blobs.dropLocal(unshared(old, v))
	}
}

// unshared are the blobs of old that v (nil for none) does not name.
func unshared(old, v *version) []string {
	keep := map[string]bool{}
	if v != nil {
		for _, id := range v.blobs() {
			keep[id] = true
		}
	}
	var ids []string
	for _, id := range old.blobs() {
		if !keep[id] {
			ids = append(ids, id)
		}
	}
	return ids
}

// uploadByID finds an upload of the bucket by its id alone.
func (b *bucket) uploadByID(id string) *upload {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var found *upload
	b.uploads.Ascend(func(u *upload) bool {
		if u.rec.ID == id {
			found = u
		}
		return found == nil
	})
	return found
}

func (s *Service) applyUpload(bucket, id string, ch store.Change) {
	b := s.followed(bucket)
	if b == nil {
		return
	}
	u := b.uploadByID(id)
	switch {
	case ch.Deleted && u != nil:
		u.mu.Lock()
		u.done = true
		u.mu.Unlock()
		b.mu.Lock()
		b.uploads.Delete(u)
		b.mu.Unlock()
	case !ch.Deleted && u == nil:
		var rec uploadRecord
		if json.Unmarshal(ch.Value, &rec) != nil {
			return
		}
		s.seenSeq(rec.Seq)
		b.mu.Lock()
		b.uploads.ReplaceOrInsert(&upload{rec: rec, bucket: bucket, parts: map[int]*partRecord{}})
		b.mu.Unlock()
	}
}

func (s *Service) applyPart(bucket, id string, ch store.Change) {
	b := s.followed(bucket)
	if b == nil {
		return
	}
	u := b.uploadByID(id)
	p := &partRecord{rev: ch.Revision}
	if u == nil || json.Unmarshal(ch.Value, p) != nil {
		return
	}
	u.mu.Lock()
	old := u.parts[p.Number]
	if u.done || old != nil && old.rev >= p.rev {
		u.mu.Unlock()
		return
	}
	u.parts[p.Number] = p
	u.mu.Unlock()
	if old != nil && old.Blob != p.Blob {
		s.blobs.dropLocal([]string{old.Blob})
	}
}

// Claim reports whether this node does the periodic job kind (every
// every) this period: on a single node always; in a cluster the node that
// first creates the period's key does, so that a job meant to run once
// (applying the lifecycle rules: two nodes would both expire a version;
// billing storage: each node sees every bucket) runs on one node.
func (s *Service) Claim(ctx context.Context, kind string, every time.Duration) bool {
	if s.opts.Objects == nil {
		return true
	}
	period := strconv.FormatInt(s.opts.Now().Truncate(every).Unix(), 10)
	if _, err := s.kv.Create(ctx, store.Key("l", kind, period), nil); err != nil {
		return false
	}
	keys, _ := s.kv.Keys(ctx, store.Key("l", kind))
	for _, k := range keys {
		if t := store.SplitKey(k); len(t) == 3 && t[2] != period {
			s.kv.Delete(ctx, k)
		}
	}
	return true
}
