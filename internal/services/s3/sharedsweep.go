package s3

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/nubo-dev/nubo/internal/store"
)

// suspects are the blobs that the last sweep of a cluster found unnamed by
// any version or part, by where they are.
type suspects struct {
	files, objects, inline map[string]bool
}

// sweepShared removes, in a cluster, the blobs that no version or part
// names: this node's files (copies of blobs another node removed while
// this one was down or reading them, parts of an upload completed or
// aborted elsewhere), and the object store's objects and inline values
// that a crash or a lost race left behind. A blob is written before the
// record that names it, so one unnamed now may be a write in progress on
// some node: only a blob found unnamed by two sweeps in a row, a sweep
// interval apart, is removed. Any number of nodes may run it at once; a
// blob is removed at most once.
func (s *Service) sweepShared(ctx context.Context) error {
	if s.opts.Objects == nil {
		return nil
	}
	files, err := s.blobs.fileNames()
	if err != nil {
		return err
	}
	objects, err := s.opts.Objects.Names(ctx)
	if err != nil {
		return err
	}
	keys, err := s.kv.Keys(ctx, store.Key("d"))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("list inline blobs: %w", err)
	}
	var inline []string
	for _, k := range keys {
		if t := store.SplitKey(k); len(t) == 2 {
			inline = append(inline, t[1])
		}
	}
	// Listed first, then the names: a blob named meanwhile is live.
	if err := s.sync(ctx); err != nil {
		return err
	}
	live := s.liveBlobs()
	sus := &s.suspects
	var gone []string
	sus.files, gone = suspect(files, live, sus.files)
	s.blobs.dropLocal(gone)
	sus.objects, gone = suspect(objects, live, sus.objects)
	for _, id := range gone {
		s.opts.Objects.Delete(ctx, id)
	}
	sus.inline, gone = suspect(inline, live, sus.inline)
	for _, id := range gone {
		s.kv.Delete(ctx, inlineKey(id))
	}
	return nil
}

// suspect returns the names live does not name, and those of them that
// were suspects before too (to remove).
func suspect(names []string, live, before map[string]bool) (map[string]bool, []string) {
	now := map[string]bool{}
	var gone []string
	for _, n := range names {
		if live[n] {
			continue
		}
		if before[n] {
			gone = append(gone, n)
		} else {
			now[n] = true
		}
	}
	return now, gone
}

// liveBlobs are the blobs the index names: every version's and every
// part's.
func (s *Service) liveBlobs() map[string]bool {
	s.mu.RLock()
	all := make([]*bucket, 0, len(s.buckets))
	for _, b := range s.buckets {
		all = append(all, b)
	}
	s.mu.RUnlock()
	live := map[string]bool{}
	for _, b := range all {
		var uploads []*upload
		b.mu.RLock()
		b.keys.Ascend(func(e *keyEntry) bool {
			for _, v := range e.versions {
				for _, seg := range v.Segments {
					live[seg.Blob] = true
				}
			}
			return true
		})
		b.uploads.Ascend(func(u *upload) bool { uploads = append(uploads, u); return true })
		b.mu.RUnlock()
		for _, u := range uploads {
			u.mu.Lock()
			for _, p := range u.parts {
				live[p.Blob] = true
			}
			u.mu.Unlock()
		}
	}
	return live
}

// fileNames are the ids of this node's blob files.
func (b *blobs) fileNames() ([]string, error) {
	var ids []string
	err := filepath.WalkDir(b.dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			ids = append(ids, d.Name())
		}
		return err
	})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("list blobs: %w", err)
	}
	return ids, nil
}
