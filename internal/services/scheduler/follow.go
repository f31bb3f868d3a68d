package scheduler

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nubo-dev/nubo/internal/store"
)

// Follow keeps this node's maps in step with the writes other nodes of a
// cluster make to the bucket, until ctx ends: a group or schedule created,
// updated or deleted anywhere is described and listed here within a
// moment. Changes this node made itself are applied already and skipped
// (s.revs). Firing does not depend on it: fire reads the stored record.
func (s *Service) Follow(ctx context.Context, kv store.Watchable) error {
	if err := s.revs.Follow(ctx, kv, &s.mu, s.applyLocked); err != nil {
		return fmt.Errorf("follow the schedules: %w", err)
	}
	return nil
}

// Sync returns once this node's maps hold every change stored anywhere
// before the call.
func (s *Service) Sync(ctx context.Context) error { return s.revs.Sync(ctx) }

// applyLocked applies another node's change of a record to the maps.
func (s *Service) applyLocked(ch store.Change) {
	t := store.SplitKey(ch.Key)
	switch {
	case t[0] == "group" && len(t) == 3:
		mk := mapKey(t[1], t[2])
		delete(s.groups, mk)
		if ch.Deleted {
			return
		}
		var g Group
		if err := json.Unmarshal(ch.Value, &g); err != nil {
			s.log.Warn("skip an unreadable group another node wrote", "key", ch.Key, "err", err)
			return
		}
		s.groups[mk] = &g
	case t[0] == "schedule" && len(t) == 4:
		mk := mapKey(t[1], t[2], t[3])
		delete(s.schedules, mk)
		if ch.Deleted {
			return
		}
		var r record
		if err := json.Unmarshal(ch.Value, &r); err != nil {
			s.log.Warn("skip an unreadable schedule another node wrote", "key", ch.Key, "err", err)
			return
		}
		s.schedules[mk] = &r
	}
}
