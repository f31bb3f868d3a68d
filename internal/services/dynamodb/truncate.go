package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nubo-dev/nubo/internal/cluster"
)

// The log is bounded without snapshots: every node's heartbeat carries
// the last entry it has applied (cluster.ReportApplied), and the holder
// drops the entries every member of the cluster has applied, alive or
// not. A node that is down thus keeps what it has not applied, and
// replays it when it returns; one that never returns keeps the log from
// being truncated until its heartbeat (key node.<name> of the cluster's
// bucket) is removed: nubo cluster forget. A node with no data cannot
// join a log whose first entries are gone: it is refused (checkPlace),
// and leaves, as is a node that finds entries it has not applied dropped
// (follow).

// appliedName names DynamoDB's log in the heartbeats.
const appliedName = "dynamodb"

// truncateEvery is how often the holder considers truncating the log;
// truncateStep how many entries every member must have applied past its
// first before it does (Options.TruncateStep), so that each truncation
// drops many entries.
const (
	truncateEvery = 10 * time.Second
	truncateStep  = 4096
)

// errTruncated marks a node that cannot catch up with the log: entries
// it has not applied were dropped.
var errTruncated = errors.New("dynamodb: the cluster's DynamoDB log no longer holds the entries this node must apply")

// appliedNow is the last entry applied here.
func (r *replica) appliedNow() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.applied
}

// checkPlace refuses a node that cannot replay the log (replica's
// checkPlace); the refused node leaves c, whose members' heartbeats hold
// truncation back: its own would, for nothing.
func (s *Service) checkPlace(ctx context.Context, c *cluster.Cluster) error {
	err := s.rep.checkPlace(ctx)
	if c != nil && errors.Is(err, errTruncated) {
		if lerr := c.Leave(ctx); lerr != nil {
			s.log.Warn("dynamodb: remove this refused node's heartbeat", "err", lerr)
		}
	}
	return err
}

// checkPlace refuses a node whose next entry the log no longer holds: a
// new node (nothing applied) joining a truncated log, or a node whose
// record was removed while it was away.
func (r *replica) checkPlace(ctx context.Context) error {
	first, _, err := r.log.Bounds(ctx)
	if err != nil {
		return err
	}
	if first <= r.applied+1 {
		return nil
	}
	if r.applied == 0 {
		return fmt.Errorf("%w: this node has no DynamoDB data, and the log was truncated up to entry %d (every member had applied it), so it cannot be replayed from the start. "+
			"Stop one member of the cluster, copy its <data-dir>/dynamodb into this node's data directory, start this node, then that member again", errTruncated, first)
	}
	return fmt.Errorf("%w: this node applied entries up to %d, and the log now starts at %d (its record was removed from the cluster while it was away). "+
		"Move <data-dir>/dynamodb away and copy a stopped member's in its place", errTruncated, r.applied, first)
}

// lowestApplied is the lowest last applied entry of every member of the
// cluster, alive or not: a member whose heartbeat does not report one yet
// (it is starting) counts as 0.
func (s *Service) lowestApplied() uint64 {
	low := s.rep.appliedNow() // this node's own heartbeat lags it
	for _, m := range s.cluster.Nodes() {
		if m.Name != s.cluster.Self() {
			low = min(low, m.Applied[appliedName])
		}
	}
	return low
}

// truncate drops the log's entries that every member has applied, when
// they are at least TruncateStep; only the holder does.
func (s *Service) truncate(ctx context.Context) error {
	if s.cluster == nil || !s.holds() {
		return nil
	}
	// Every heartbeat stored before now is in the view: a member that
	// started meanwhile counts.
	if err := s.cluster.Sync(ctx); err != nil {
		return err
	}
	low := s.lowestApplied()
	first, _, err := s.rep.log.Bounds(ctx)
	if err != nil || low+1 < first+uint64(s.truncStep) {
		return err
	}
	if err := s.rep.log.Truncate(ctx, low+1); err != nil {
		return err
	}
	s.log.Debug("dynamodb: truncated the cluster's log", "first", low+1)
	return nil
}
