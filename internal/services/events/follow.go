package events

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nubo-dev/nubo/internal/store"
)

// Follow keeps this node's maps in step with the writes other nodes of a
// cluster make to the bucket, until ctx ends: a bus, rule (with its
// targets), archive, replay, connection or API destination stored or
// deleted anywhere is matched, listed and delivered to here within a
// moment, as if it had been written here. Changes this node made itself
// are applied already and skipped (s.revs).
func (s *Service) Follow(ctx context.Context, kv store.Watchable) error {
	if err := s.revs.Follow(ctx, kv, &s.mu, s.applyLocked); err != nil {
		return fmt.Errorf("follow the event buses: %w", err)
	}
	return nil
}

// Sync returns once this node's maps hold every change stored anywhere
// before the call.
func (s *Service) Sync(ctx context.Context) error { return s.revs.Sync(ctx) }

// applyLocked applies another node's change of a record to the maps.
func (s *Service) applyLocked(ch store.Change) {
	t := store.SplitKey(ch.Key)
	if len(t) < 3 {
		return
	}
	region, name := t[1], t[len(t)-1]
	rk := regionKey(region, name)
	switch {
	case t[0] == "bus" && len(t) == 3:
		if ch.Deleted {
			delete(s.buses, rk)
			delete(s.machines, rk)
		} else if b := decodeChange[bus](s, ch); b != nil {
			s.buses[rk] = b
		}
	case t[0] == "rule" && len(t) == 4:
		s.applyRuleLocked(ch, region, t[2], name)
	case t[0] == "archive" && len(t) == 3:
		if old := s.archives[rk]; old != nil {
			s.removeArchiveLocked(old)
		}
		if a := decodeChange[archive](s, ch); a != nil {
			s.addArchiveLocked(a)
		}
	case t[0] == "replay" && len(t) == 3:
		delete(s.replays, rk)
		if r := decodeChange[replay](s, ch); r != nil {
			s.replays[rk] = r
		}
	case t[0] == "conn" && len(t) == 3:
		if old := s.conns[rk]; old != nil {
			s.tokens.forget(s.ConnectionARN(old)) // its authorization may have changed
		}
		delete(s.conns, rk)
		if c := decodeChange[connection](s, ch); c != nil {
			s.conns[rk] = c
		}
	case t[0] == "dest" && len(t) == 3:
		delete(s.dests, rk)
		if d := decodeChange[apiDestination](s, ch); d != nil {
			s.dests[rk] = d
		}
	}
}

func (s *Service) applyRuleLocked(ch store.Change, region, busName, name string) {
	delete(s.rules, ruleMapKey(region, busName, name))
	if m := s.machines[regionKey(region, busName)]; m != nil {
		m.Remove("r/" + name)
	}
	if r := decodeChange[rule](s, ch); r != nil {
		s.addRuleLocked(r)
	}
}

// decodeChange is a changed record, or nil for a deletion (or a record
// this node cannot read, which it logs).
func decodeChange[T any](s *Service, ch store.Change) *T {
	if ch.Deleted {
		return nil
	}
	v := new(T)
	if err := json.Unmarshal(ch.Value, v); err != nil {
		s.log.Warn("skip an unreadable record another node wrote", "key", ch.Key, "err", err)
		return nil
	}
	return v
}
