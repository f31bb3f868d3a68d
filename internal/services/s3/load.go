package s3

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/nubo-dev/nubo/internal/store"
)

// load rebuilds the in-memory indexes from the KV store and reconciles
// what a crash can leave half done: records of a deleted bucket, an upload
// whose object was committed but whose records were not yet removed, and
// blob files that no record names.
func (s *Service) load(ctx context.Context) error {
	live := map[string]bool{}
	if err := s.loadBuckets(ctx); err != nil {
		return err
	}
	completed, err := s.loadVersions(ctx, live)
	if err != nil {
		return err
	}
	if err := s.loadUploads(ctx, completed, live); err != nil {
		return err
	}
	n, err := s.blobs.sweep(ctx, live)
	if err != nil {
		return fmt.Errorf("sweep blobs: %w", err)
	}
	if n > 0 {
		s.log.Info("s3: removed orphan blobs", "count", n)
	}
	return s.shareLocal(ctx, live)
}

// sharedMark is the file (under Options.Dir) that says every blob file
// of this node is in the object store: written once shareLocal has run,
// since in a cluster every blob is stored there before it is committed.
const sharedMark = "shared"

// shareLocal stores in the object store the live blob files it lacks:
// those of a node that ran alone before its first start in a cluster
// (whose metadata the store's migration copied). Other nodes fill their
// copies from the object store, so until then they could not read them.
func (s *Service) shareLocal(ctx context.Context, live map[string]bool) error {
	mark := filepath.Join(s.opts.Dir, sharedMark)
	if s.opts.Objects == nil {
		return nil
	}
	if _, err := os.Stat(mark); err == nil {
		return nil
	}
	files, err := s.blobs.fileNames()
	if err != nil {
		return err
	}
	if len(files) == 0 { // a new node: nothing to share, nothing to list
		return s.markShared(mark)
	}
	names, err := s.opts.Objects.Names(ctx)
	if err != nil {
		return err
	}
	shared := make(map[string]bool, len(names))
	for _, n := range names {
		shared[n] = true
	}
	count := 0
	for _, id := range files {
		if !live[id] || shared[id] {
			continue
		}
		if err := s.blobs.share(ctx, id); err != nil {
			return err
		}
		count++
	}
	if count > 0 {
		s.log.Info("s3: stored this node's blobs in the cluster's object store", "count", count)
	}
	return s.markShared(mark)
}

// markShared records that this node's blobs are in the object store.
func (s *Service) markShared(mark string) error {
	if err := os.WriteFile(mark, nil, 0o640); err != nil {
		return fmt.Errorf("mark blobs shared: %w", err)
	}
	return syncDir(s.opts.Dir)
}

// reconcile removes a record that a crash left behind. In a cluster it
// stays: what looks left behind may be another node's write in progress
// (a version of a bucket created since the buckets were read, a part of
// an upload created since the uploads were), and a stray record names no
// blob the shared sweep keeps.
func (s *Service) reconcile(ctx context.Context, key string) error {
	if s.opts.Objects != nil {
		return nil
	}
	return s.kv.Delete(ctx, key)
}

// each calls fn with every entry under prefix.
func (s *Service) each(ctx context.Context, prefix string, fn func(e store.Entry) error) error {
	keys, err := s.kv.Keys(ctx, store.Key(prefix))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	for _, k := range keys {
		e, err := s.kv.Get(ctx, k)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	return nil
}

func (s *Service) loadBuckets(ctx context.Context) error {
	return s.each(ctx, "b", func(e store.Entry) error {
		var rec bucketRecord
		if err := json.Unmarshal(e.Value, &rec); err != nil {
			return err
		}
		b := newBucket(rec, s.opts.Objects != nil)
		b.rev = e.Revision
		s.buckets[rec.Name] = b
		return nil
	})
}

// loadVersions indexes every version; it returns the uploads that a
// version was completed from.
func (s *Service) loadVersions(ctx context.Context, live map[string]bool) (map[string]bool, error) {
	completed := map[string]bool{}
	err := s.each(ctx, "o", func(e store.Entry) error {
		var ver version
		if err := json.Unmarshal(e.Value, &ver); err != nil {
			return err
		}
		ver.rev = e.Revision
		b := s.buckets[store.SplitKey(e.Key)[1]]
		if b == nil {
			return s.reconcile(ctx, e.Key) // its bucket's deletion was interrupted
		}
		b.insertLoadedLocked(&ver)
		s.seenSeq(ver.Seq)
		for _, seg := range ver.Segments {
			live[seg.Blob] = true
		}
		if ver.UploadID != "" {
			completed[ver.UploadID] = true
		}
		return nil
	})
	return completed, err
}

func (s *Service) loadUploads(ctx context.Context, completed, live map[string]bool) error {
	uploads := map[string]*upload{}
	err := s.each(ctx, "u", func(e store.Entry) error {
		var rec uploadRecord
		if err := json.Unmarshal(e.Value, &rec); err != nil {
			return err
		}
		b := s.buckets[store.SplitKey(e.Key)[1]]
		if b == nil || completed[rec.ID] {
			return s.reconcile(ctx, e.Key)
		}
		u := &upload{rec: rec, bucket: b.name, parts: map[int]*partRecord{}}
		b.uploads.ReplaceOrInsert(u)
		uploads[rec.ID] = u
		s.seenSeq(rec.Seq)
		return nil
	})
	if err != nil {
		return err
	}
	return s.each(ctx, "p", func(e store.Entry) error {
		tokens := store.SplitKey(e.Key)
		u := uploads[tokens[2]]
		if u == nil {
			// An upload completed or aborted before its parts' records
			// were removed; a completed one's blobs are the object's.
			return s.reconcile(ctx, e.Key)
		}
		var p partRecord
		if err := json.Unmarshal(e.Value, &p); err != nil {
			return err
		}
		p.rev = e.Revision
		if n, _ := strconv.Atoi(tokens[3]); n != p.Number {
			return fmt.Errorf("part record %d under number %s", p.Number, tokens[3])
		}
		u.parts[p.Number] = &p
		live[p.Blob] = true
		return nil
	})
}
