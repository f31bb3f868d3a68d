// Package dynamodb is nubo's DynamoDB: tables with their secondary
// indexes, items and every read and write operation on them (conditions,
// updates, queries, scans, batches, transactions, PartiQL), time to live,
// and DynamoDB Streams. It has no HTTP: each operation is a method taking
// a Scope and AWS's input structure and returning AWS's output structure
// or an *awserr.Error of the codes in errors.go; package dynamodbapi
// serves them on the wire.
//
// Everything lives in one store.Ordered key space (keys.go has the
// layout). A write of an item, its index entries, its stream record and
// the table's counts is one atomic, synced batch; concurrent writes are
// grouped into one batch and one fsync (commit.go).
package dynamodb

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/cluster"
	"github.com/nubo-dev/nubo/internal/store"
)

// Scope is the account and region a request acts in.
type Scope struct {
	Account string
	Region  string
}

// Options configures a Service.
type Options struct {
	Logger *slog.Logger
	// Now is the clock (time.Now when nil); tests move it to expire TTLs,
	// stream records and idempotency tokens.
	Now func() time.Time
	// SweepInterval is how often Run deletes expired items and trims
	// streams (one minute when zero).
	SweepInterval time.Duration
	// CreatingFor is how long a new table reports TableStatus CREATING to
	// DescribeTable (its items are usable at once). Zero, the default,
	// shows CREATING only in CreateTable's answer, so that waiters such as
	// `aws dynamodb wait table-exists` return at their first poll.
	CreatingFor time.Duration
	// Usage, when set, receives every request's consumed capacity.
	Usage Usage
	// ShardRollover is how long a stream shard takes records before the
	// next one starts (4 hours when zero, as in DynamoDB Streams).
	ShardRollover time.Duration
	// Log, when set, is the cluster's replicated log of commits
	// (replica.go); Cluster, when set with it, makes this service a node
	// of the cluster (cluster.go).
	Log     store.Log
	Cluster *cluster.Cluster
	// TruncateStep is how many entries every node of the cluster must
	// have applied past the log's first before the holder truncates it
	// (truncate.go; 4096 when zero).
	TruncateStep int
}

// Service owns every table of every account and region.
type Service struct {
	db    store.Ordered
	log   *slog.Logger
	now   func() time.Time
	sweep time.Duration
	usage Usage
	// creating is Options.CreatingFor.
	creating time.Duration
	commit   committer

	mu     sync.RWMutex
	tables map[tableRef]*table

	// locks serialise the read-check-write of each item (locks.go).
	locks keyLocks

	tokens tokens

	// rep is this node's place in the cluster's log; group the cluster's
	// holding of DynamoDB; cluster the membership whose heartbeats say
	// how far the log may be truncated (all nil on a single node).
	rep     *replica
	group   *cluster.Group
	cluster *cluster.Cluster
	// truncStep is Options.TruncateStep.
	truncStep int
}

type tableRef struct{ account, region, name string }

// New opens the tables stored in db.
func New(ctx context.Context, db store.Ordered, opts Options) (*Service, error) {
	s := &Service{db: db, log: opts.Logger, now: opts.Now, sweep: opts.SweepInterval, creating: opts.CreatingFor, usage: opts.Usage, tables: map[tableRef]*table{}}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.sweep <= 0 {
		s.sweep = time.Minute
	}
	if opts.ShardRollover <= 0 {
		opts.ShardRollover = 4 * time.Hour
	}
	if s.truncStep = opts.TruncateStep; s.truncStep <= 0 {
		s.truncStep = truncateStep
	}
	s.commit.init(db, s.now, opts.ShardRollover)
	if opts.Log != nil {
		var err error
		if s.rep, err = newReplica(ctx, opts.Log, db); err != nil {
			return nil, fmt.Errorf("read the cluster log's place: %w", err)
		}
		s.commit.rep = s.rep
		if err := s.checkPlace(ctx, opts.Cluster); err != nil {
			return nil, err
		}
		if err := s.rep.join(ctx, db); err != nil {
			return nil, err
		}
		if opts.Cluster != nil {
			s.clusterize(opts.Cluster)
		}
	}
	s.tokens.inflight = map[string]bool{}
	var metas []tableMeta
	err := db.Scan(ctx, []byte{prefixMeta}, []byte{prefixMeta + 1}, false, func(k, v []byte) bool {
		var m tableMeta
		if err := json.Unmarshal(v, &m); err != nil {
			s.log.Error("dynamodb: unreadable table metadata", "key", string(k), "err", err)
			return true
		}
		metas = append(metas, m)
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("load tables: %w", err)
	}
	for _, m := range metas {
		t := openTable(m)
		if err := s.commit.load(ctx, t); err != nil {
			return nil, fmt.Errorf("load table %s: %w", m.Name, err)
		}
		s.tables[tableRef{m.Account, m.Region, m.Name}] = t
	}
	return s, nil
}

// Run deletes expired items and trims streams every SweepInterval until
// ctx ends; in a cluster it also applies the log, and only the holder
// sweeps and truncates the log.
func (s *Service) Run(ctx context.Context) error {
	var trunc <-chan time.Time
	if s.rep != nil {
		done := make(chan struct{})
		defer func() { <-done }()
		go func() { defer close(done); s.follow(ctx) }()
		t := time.NewTicker(truncateEvery)
		defer t.Stop()
		trunc = t.C
	}
	tick := time.NewTicker(s.sweep)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-trunc:
			if err := s.truncate(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("dynamodb: truncate the cluster's log", "err", err)
			}
		case <-tick.C:
			if !s.holds() {
				continue
			}
			if err := s.sweepHeld(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("dynamodb: sweep", "err", err)
			}
		}
	}
}

// sweepHeld sweeps with the replica's gate held, as operations do.
func (s *Service) sweepHeld(ctx context.Context) error {
	if s.rep != nil {
		s.rep.gate.RLock()
		defer s.rep.gate.RUnlock()
	}
	return s.Sweep(ctx)
}

// Sweep does one pass of Run's work now: expired items are deleted (and
// streamed as deletions by the service), stream records past 24 hours
// dropped, idempotency tokens past 10 minutes forgotten.
func (s *Service) Sweep(ctx context.Context) error {
	if err := s.expireTokens(ctx); err != nil {
		return err
	}
	for _, t := range s.allTables() {
		if err := s.sweepTTL(ctx, t); err != nil {
			return err
		}
		if err := s.trimStreams(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) allTables() []*table {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ts := make([]*table, 0, len(s.tables))
	for _, t := range s.tables {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].meta.ID < ts[j].meta.ID })
	return ts
}

// lookup returns the named table of scope, or nil.
func (s *Service) lookup(scope Scope, name string) *table {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.tables[tableRef{scope.Account, scope.Region, name}]
}

// use returns the named table read-locked for an item operation; the
// caller calls release.
func (s *Service) use(scope Scope, name string) (*table, error) {
	if err := checkTableName(name); err != nil {
		return nil, err
	}
	t := s.lookup(scope, name)
	if t == nil {
		return nil, tableNotFound()
	}
	t.mu.RLock()
	if t.deleted {
		t.mu.RUnlock()
		return nil, tableNotFound()
	}
	return t, nil
}

func (t *table) release() { t.mu.RUnlock() }

// newID is a random id for a table or stream.
func newID() uint64 {
	var b [8]byte
	rand.Read(b[:])
	return binary.BigEndian.Uint64(b[:]) | 1
}

func (s *Service) epoch() float64 {
	return float64(s.now().UnixMilli()) / 1000
}
