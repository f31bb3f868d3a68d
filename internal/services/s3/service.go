// Package s3 is nubo's S3-compatible object storage, without HTTP: buckets
// and their configurations (versioning, tagging, CORS, policy, lifecycle,
// notifications, ownership controls, public access block), objects with
// versions and delete markers, ranges and conditional requests, checksums,
// copies, multipart uploads, listings, the lifecycle sweeper and the
// notification records handed to a Notifier. Object bytes are files under
// Options.Dir, written whole and fsynced before any metadata names them
// (and, in a cluster, stored in a replicated object store too); metadata
// (buckets, versions, uploads, parts) is in a store.KV, indexed in memory
// per bucket (an ordered tree of keys), rebuilt at start and, in a
// cluster, kept in step with the other nodes' writes (follow.go). The wire
// layer (package s3api) calls the methods of Service with the request types
// here and renders their *awserr.Error values.
package s3

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/iam/policy"
	"github.com/nubo-dev/nubo/internal/store"
)

// Options configures a Service.
type Options struct {
	// Dir holds object bytes (blobs/ and tmp/).
	Dir string
	// Account owns the buckets created without a Caller account.
	Account string
	// Region is where buckets are created when the request names none.
	Region string
	// Notifier delivers event notifications; nil drops them.
	Notifier Notifier
	// Events is the durable queue of notification jobs (a work queue on
	// the subject EventSubject); required with a Notifier.
	Events store.WorkQueue
	// Now is the clock (time.Now when nil); tests move it to run the
	// lifecycle sweeper.
	Now func() time.Time
	// SweepInterval is how often Run applies lifecycle rules (10 minutes
	// when zero), and in a cluster sweeps the blobs no metadata names.
	SweepInterval time.Duration
	// Objects, set in a cluster, is the replicated object store that
	// holds every file blob; the KV must then be a store.Watchable, which
	// Run follows. Nil on a single node.
	Objects store.Objects
	Logger  *slog.Logger
}

// Service owns every bucket and object.
type Service struct {
	kv    store.KV
	blobs *blobs
	opts  Options
	log   *slog.Logger

	mu      sync.RWMutex
	buckets map[string]*bucket

	// keyLocks serialise commits to one key (by hash): the KV write and
	// the index update happen in the same order for every writer.
	keyLocks [256]sync.Mutex

	seqMu   sync.Mutex
	lastSeq uint64

	policies policy.Cache

	// In a cluster (follow.go): the running watch of the KV, set by Run;
	// the KV keys this node is deleting, whose older writes the watch
	// must not bring back; and what the last blob sweep found unnamed.
	following *store.Following
	tombMu    sync.Mutex
	tombs     map[string]int
	suspects  suspects
}

// New opens the blob directory and loads every bucket, object version and
// upload from kv, then removes blob files no metadata names (the leftovers
// of a crash).
func New(ctx context.Context, kv store.KV, opts Options) (*Service, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SweepInterval == 0 {
		opts.SweepInterval = 10 * time.Minute
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Account == "" {
		opts.Account = "000000000000"
	}
	if opts.Notifier != nil && opts.Events == nil {
		return nil, errors.New("s3: a Notifier needs Options.Events")
	}
	if _, ok := kv.(store.Watchable); opts.Objects != nil && !ok {
		return nil, errors.New("s3: a cluster's KV must be a store.Watchable")
	}
	s := &Service{kv: kv, opts: opts, log: opts.Logger, buckets: map[string]*bucket{}, tombs: map[string]int{}}
	if opts.Objects != nil {
		s.following = store.NewFollowing()
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	var err error
	if s.blobs, err = openBlobs(opts.Dir, kv, opts.Objects); err != nil {
		return nil, err
	}
	if err := s.load(ctx); err != nil {
		return nil, fmt.Errorf("load s3 metadata: %w", err)
	}
	return s, nil
}

// Run applies lifecycle rules every SweepInterval and delivers queued
// event notifications until ctx ends. In a cluster it first follows the
// other nodes' writes, and sweeps the blobs no metadata names.
func (s *Service) Run(ctx context.Context) error {
	defer s.blobs.stopFills()
	if s.opts.Objects != nil {
		if err := s.follow(ctx); err != nil {
			return err
		}
	}
	var wg sync.WaitGroup
	if s.opts.Notifier != nil && s.opts.Events != nil {
		wg.Go(func() {
			if err := s.deliverEvents(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("s3: notification consumer stopped", "err", err)
			}
		})
	}
	tick := time.NewTicker(s.opts.SweepInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return nil
		case <-tick.C:
			s.housekeep(ctx)
		}
	}
}

// housekeep applies the lifecycle rules (on one node of a cluster) and,
// in a cluster, sweeps the blobs nothing names.
func (s *Service) housekeep(ctx context.Context) {
	if s.Claim(ctx, "lifecycle", s.opts.SweepInterval) {
		if err := s.sweep(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("s3: lifecycle sweep", "err", err)
		}
	}
	if err := s.sweepShared(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("s3: blob sweep", "err", err)
	}
}

// Account is the account that owns the buckets.
func (s *Service) Account() string { return s.opts.Account }

// Caller is who sent a request and how, as notification records and
// bucket ownership need it. The wire layer attaches it with WithCaller.
type Caller struct {
	// Account is the caller's account id; "" is Options.Account.
	Account string
	// PrincipalID is the caller's identity (userIdentity.principalId).
	PrincipalID string
	SourceIP    string
	RequestID   string
	HostID      string
	// Region is the region the request was signed for (where CreateBucket
	// creates a bucket without a LocationConstraint).
	Region string
}

type callerKey struct{}

// WithCaller returns ctx carrying c for the Service's methods.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

func (s *Service) caller(ctx context.Context) Caller {
	c, _ := ctx.Value(callerKey{}).(Caller)
	if c.Account == "" {
		c.Account = s.opts.Account
	}
	if c.Region == "" {
		c.Region = s.opts.Region
	}
	if c.PrincipalID == "" {
		c.PrincipalID = c.Account
	}
	return c
}

// canonicalID is the 64-hex canonical user id S3 shows for an account.
func canonicalID(account string) string {
	h := sha256.Sum256([]byte("nubo-account:" + account))
	return hex.EncodeToString(h[:])
}

func (s *Service) owner(account string) *Owner {
	return &Owner{ID: canonicalID(account), DisplayName: account}
}

// nextSeq orders writes: versions of a key, uploads of a key, and the
// sequencer of event notifications. It is at least the wall clock in
// nanoseconds, so it keeps growing across restarts.
func (s *Service) nextSeq() uint64 {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	n := uint64(time.Now().UnixNano())
	if n <= s.lastSeq {
		n = s.lastSeq + 1
	}
	s.lastSeq = n
	return n
}

func (s *Service) seenSeq(n uint64) {
	s.seqMu.Lock()
	if n > s.lastSeq {
		s.lastSeq = n
	}
	s.seqMu.Unlock()
}

func (s *Service) keyLock(bucket, key string) *sync.Mutex {
	h := fnv.New32a()
	h.Write([]byte(bucket))
	h.Write([]byte{0})
	h.Write([]byte(key))
	return &s.keyLocks[h.Sum32()%uint32(len(s.keyLocks))]
}

// bucket returns the named bucket or NoSuchBucket, after (in a cluster)
// catching up with the writes acknowledged anywhere before the call.
func (s *Service) bucket(ctx context.Context, name string) (*bucket, error) {
	if err := s.sync(ctx); err != nil {
		return nil, err
	}
	return s.bucketNow(name)
}

// bucketNow is bucket without catching up: for what follows a write
// through this node, or needs no other node's latest.
func (s *Service) bucketNow(name string) (*bucket, error) {
	s.mu.RLock()
	b := s.buckets[name]
	s.mu.RUnlock()
	if b == nil {
		return nil, noSuchBucket(name)
	}
	return b, nil
}

// commitBucket takes the bucket for a write into it: the returned release
// must be called once the write is in the index. A bucket deleted meanwhile
// is NoSuchBucket.
func (s *Service) commitBucket(ctx context.Context, name string) (*bucket, func(), error) {
	if err := s.sync(ctx); err != nil {
		return nil, nil, err
	}
	return s.commitBucketNow(name)
}

// commitBucketNow is commitBucket without catching up (the lifecycle
// sweeper caught up once for all its keys).
func (s *Service) commitBucketNow(name string) (*bucket, func(), error) {
	b, err := s.bucketNow(name)
	if err != nil {
		return nil, nil, err
	}
	b.life.RLock()
	b.mu.RLock()
	deleted := b.deleted
	b.mu.RUnlock()
	if deleted {
		b.life.RUnlock()
		return nil, nil, noSuchBucket(name)
	}
	return b, b.life.RUnlock, nil
}
