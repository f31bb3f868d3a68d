package s3

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	return nil
}

// each calls fn with the value of every key under prefix.
func (s *Service) each(ctx context.Context, prefix string, fn func(key string, value []byte) error) error {
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
		if err := fn(k, e.Value); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	return nil
}

func (s *Service) loadBuckets(ctx context.Context) error {
	return s.each(ctx, "b", func(_ string, v []byte) error {
		var rec bucketRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return err
		}
		s.buckets[rec.Name] = newBucket(rec)
		return nil
	})
}

// loadVersions indexes every version; it returns the uploads that a
// version was completed from.
func (s *Service) loadVersions(ctx context.Context, live map[string]bool) (map[string]bool, error) {
	completed := map[string]bool{}
	err := s.each(ctx, "o", func(k string, v []byte) error {
		var ver version
		if err := json.Unmarshal(v, &ver); err != nil {
			return err
		}
		b := s.buckets[store.SplitKey(k)[1]]
		if b == nil {
			return s.kv.Delete(ctx, k) // its bucket's deletion was interrupted
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
	err := s.each(ctx, "u", func(k string, v []byte) error {
		var rec uploadRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return err
		}
		b := s.buckets[store.SplitKey(k)[1]]
		if b == nil || completed[rec.ID] {
			return s.kv.Delete(ctx, k)
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
	return s.each(ctx, "p", func(k string, v []byte) error {
		tokens := store.SplitKey(k)
		u := uploads[tokens[2]]
		if u == nil {
			// An upload completed or aborted before its parts' records
			// were removed; a completed one's blobs are the object's.
			return s.kv.Delete(ctx, k)
		}
		var p partRecord
		if err := json.Unmarshal(v, &p); err != nil {
			return err
		}
		if n, _ := strconv.Atoi(tokens[3]); n != p.Number {
			return fmt.Errorf("part record %d under number %s", p.Number, tokens[3])
		}
		u.parts[p.Number] = &p
		live[p.Blob] = true
		return nil
	})
}
