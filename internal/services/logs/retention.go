package logs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// RetentionDays are the retention periods CloudWatch Logs accepts.
var RetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// ValidRetention reports whether days is one of RetentionDays.
func ValidRetention(days int) bool { return slices.Contains(RetentionDays, days) }

// Enforce purges, in every group with a retention period, the events
// stored longer ago than that period, so that disk use stays bounded; it
// then measures what is left of those groups.
func (s *Store) Enforce(ctx context.Context) error {
	now := s.opts.Now()
	type expiring struct {
		name   string
		cutoff time.Time
	}
	var due []expiring
	s.mu.Lock()
	for name, g := range s.groups {
		if g.info.RetentionDays == 0 {
			continue
		}
		cutoff := now.Add(-time.Duration(g.info.RetentionDays) * day)
		for _, st := range g.streams {
			if st.StoredBytes > 0 && st.LastIngestion > 0 && st.FirstEvent < millis(cutoff) {
				due = append(due, expiring{name, cutoff})
				break
			}
		}
	}
	s.mu.Unlock()
	for _, e := range due {
		if err := s.expire(ctx, e.name, e.cutoff); err != nil {
			return err
		}
	}
	return s.forget(ctx, now)
}

// forget deletes the metadata of streams whose events have all expired
// (by their group's retention, or the store's MaxAge), so that the
// streams of long-gone environments do not pile up.
func (s *Store) forget(ctx context.Context, now time.Time) error {
	var gone [][2]string
	s.mu.Lock()
	for name, g := range s.groups {
		keep := s.opts.MaxAge
		if g.info.RetentionDays > 0 {
			keep = min(keep, time.Duration(g.info.RetentionDays)*day)
		}
		cutoff := millis(now.Add(-keep))
		for streamName, st := range g.streams {
			if st.LastIngestion > 0 && st.LastIngestion < cutoff {
				gone = append(gone, [2]string{name, streamName})
			}
		}
	}
	s.mu.Unlock()
	for _, k := range gone {
		if err := s.DeleteStream(ctx, k[0], k[1]); err != nil && !errors.Is(err, ErrStreamNotFound) && !errors.Is(err, ErrGroupNotFound) {
			return err
		}
	}
	if len(gone) > 0 {
		s.log.Info("forgot expired log streams", "streams", len(gone))
	}
	return nil
}

// expire purges a group's events stored before cutoff and re-measures its
// streams.
func (s *Store) expire(ctx context.Context, name string, cutoff time.Time) error {
	filter := store.Key(Prefix, name) + ".>"
	if err := s.stream.Purge(ctx, filter, cutoff); err != nil {
		return fmt.Errorf("expire log group %s: %w", name, err)
	}
	left, err := s.measure(ctx, filter)
	if err != nil {
		return fmt.Errorf("expire log group %s: %w", name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[name]
	if g == nil {
		return nil
	}
	for streamName, st := range g.streams {
		now, ok := left[[2]string{name, streamName}]
		switch {
		case ok:
			st.FirstEvent, st.StoredBytes = now.FirstEvent, now.StoredBytes
		case st.LastIngestion < millis(cutoff):
			// Everything expired; the stream itself stays, as in AWS, until
			// deleted.
			st.StoredBytes = 0
		default:
			continue // events came in while measuring; keep the counts
		}
		s.markLocked(streamKey(name, streamName))
	}
	s.log.Info("expired log events", "group", name, "before", cutoff)
	return nil
}
