// Package sqs is nubo's SQS-compatible queue service: queues and their
// attributes, messages with visibility timeouts, delays, long polling,
// FIFO ordering and deduplication, dead-letter redrive and message move
// tasks. Each queue's messages are indexed in memory and every change is
// written to a store.Table (one row per message) before the operation
// answers, so a restart, even after kill -9, rebuilds the index from the
// table. The wire protocols live in package sqsapi; the Go API here is
// also what the asynchronous queue, SNS and event source mappings use.
package sqs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/cluster"
	"github.com/nubo-dev/nubo/internal/iam/policy"
	"github.com/nubo-dev/nubo/internal/store"
)

// Options configures a Service.
type Options struct {
	Account string
	// Cluster, when set, makes this Service one node's of a cluster
	// (cluster.go): kv must then be a store.Watchable.
	Cluster *cluster.Cluster
	Logger  *slog.Logger
}

// Service owns every queue.
type Service struct {
	kv      store.KV
	table   store.Table
	account string
	log     *slog.Logger

	mu       sync.RWMutex
	queues   map[Ref]*queue
	moves    *mover
	policies policy.Cache
	// cl sends operations to queues' holders in a cluster (nil alone);
	// follow follows the queues' settings there.
	cl     *clusterOps
	follow *store.Following
}

// Ref names a queue: its region and name.
type Ref struct {
	Region string
	Name   string
}

// New loads the queues from kv and their messages from table.
func New(ctx context.Context, kv store.KV, table store.Table, opts Options) (*Service, error) {
	s := &Service{kv: kv, table: table, account: opts.Account, log: opts.Logger, queues: map[Ref]*queue{}}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.moves = newMover(s)
	keys, err := kv.Keys(ctx, store.Key("queue"))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("list queues: %w", err)
	}
	for _, k := range keys {
		e, err := kv.Get(ctx, k)
		if err != nil {
			return nil, fmt.Errorf("load queue %s: %w", k, err)
		}
		q, err := s.queueFromMeta(e.Value)
		if err != nil {
			return nil, fmt.Errorf("load queue %s: %w", k, err)
		}
		s.queues[Ref{q.region, q.name}] = q
	}
	if opts.Cluster != nil {
		// A queue's messages are loaded by the node that comes to hold it.
		s.clusterize(opts.Cluster, kv.(store.Watchable))
		return s, nil
	}
	if err := s.restore(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// queueFromMeta builds a queue, without messages, from its settings.
func (s *Service) queueFromMeta(data []byte) (*queue, error) {
	var m queueMeta
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("load queue: %w", err)
	}
	q := s.newQueue(m.ID, m.Region, m.Name, m.Fifo)
	q.attrs, q.cfg, q.tags = m.Attrs, parseConfig(m.Attrs), m.Tags
	if q.tags == nil {
		q.tags = map[string]string{}
	}
	q.created, q.modified = time.Unix(m.Created, 0), time.Unix(m.Modified, 0)
	return q, nil
}

// Account is the account every queue belongs to.
func (s *Service) Account() string { return s.account }

// ARN is a queue's ARN.
func (s *Service) ARN(ref Ref) string {
	return "arn:aws:sqs:" + ref.Region + ":" + s.account + ":" + ref.Name
}

// ParseARN reads a queue ARN of this account.
func (s *Service) ParseARN(arn string) (Ref, bool) {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sqs" || parts[4] != s.account || parts[5] == "" {
		return Ref{}, false
	}
	return Ref{Region: parts[3], Name: parts[5]}, true
}

func (s *Service) newQueue(id, region, name string, fifo bool) *queue {
	return newQueue(id, region, name, s.ARN(Ref{region, name}), fifo)
}

// Run releases delayed and timed-out messages, expires old ones and runs
// message move tasks until ctx ends.
func (s *Service) Run(ctx context.Context) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	lastSweep := time.Now()
	var lastFollow time.Time
	for {
		select {
		case <-ctx.Done():
			s.moves.wait()
			return
		case now := <-tick.C:
			if s.cl != nil && !s.follow.Running() && now.Sub(lastFollow) > time.Second {
				// In a cluster, the queues' settings are followed (tried
				// again each second while the store does not answer).
				lastFollow = now
				if err := s.followMeta(ctx); err != nil {
					s.log.Warn("sqs: follow the queues' settings", "err", err)
				}
			}
			sweep := now.Sub(lastSweep) > 10*time.Second
			if sweep {
				lastSweep = now
			}
			for _, q := range s.all() {
				q.mu.Lock()
				if q.releaseLocked(now) {
					q.notifyLocked()
				}
				var p store.Pending
				if sweep {
					p = s.expireLocked(q, now)
				}
				q.mu.Unlock()
				if p != nil {
					if err := p.Wait(ctx); err != nil && ctx.Err() == nil {
						s.log.Error("sqs: expire messages", "queue", q.arn, "err", err)
					}
				}
			}
		}
	}
}

func (s *Service) all() []*queue {
	s.mu.RLock()
	defer s.mu.RUnlock()
	qs := make([]*queue, 0, len(s.queues))
	for _, q := range s.queues {
		qs = append(qs, q)
	}
	return qs
}

// expireLocked deletes messages older than the retention period and
// forgets deduplication ids older than five minutes.
func (s *Service) expireLocked(q *queue, now time.Time) store.Pending {
	cutoff := now.Add(-time.Duration(q.cfg.retention) * time.Second)
	var rows []store.Row
	for _, m := range q.msgs {
		if m.sent.Before(cutoff) {
			q.removeLocked(m)
			rows = append(rows, m.tombstone(q.id))
		}
	}
	for id, d := range q.dedup {
		if now.After(d.expires) {
			delete(q.dedup, id)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	return s.table.Write(rows...)
}

// queue finds a queue.
func (s *Service) queue(ref Ref) (*queue, error) {
	s.mu.RLock()
	q := s.queues[ref]
	s.mu.RUnlock()
	if q == nil {
		return nil, queueDoesNotExist()
	}
	return q, nil
}

// queueByARN finds a queue by ARN.
func (s *Service) queueByARN(arn string) (*queue, error) {
	ref, ok := s.ParseARN(arn)
	if !ok {
		return nil, queueDoesNotExist()
	}
	return s.queue(ref)
}
