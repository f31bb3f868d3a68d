package s3

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/store"
)

// In a cluster a conditional write (If-Match, If-None-Match: *) holds its
// key while it commits: a claim record c.<bucket>.<keyhash> in the KV
// store, created or updated by compare-and-set on its revision, so that of
// two conditional writes of one key through two nodes only one commits at
// a time (the other is 409 ConditionalRequestConflict, AWS's answer to a
// conflicting operation in progress). The holder catches up with every
// node's writes after taking the claim and checks its condition again, so
// a write that held the key before (and released it only once its version
// was acknowledged) is seen: each node serialising its own writes is then
// enough. The claim is deleted when the commit ends. A node that dies
// holding one leaves it for claimHold, after which the next conditional
// write of the key takes it over (nodes' clocks are assumed within
// seconds of each other). Unconditional writes, and a single node, take
// no claim.

// claimHold is how long a claim is honoured: far longer than a commit
// (one KV write) takes.
const claimHold = 30 * time.Second

// claimRecord is the value of a claim.
type claimRecord struct {
	At time.Time `json:"t"`
}

func claimKey(bucket, key string) string { return store.Key("c", bucket, keyHash(key)) }

// claimWrite takes key for a conditional write (cond set) in a cluster
// and catches up with the store; release gives it back. Otherwise it
// does nothing. The caller must hold no lock the watch takes (a key's,
// an upload's): catching up waits for the watch.
func (s *Service) claimWrite(ctx context.Context, b *bucket, key string, cond *writeCond) (release func(), err error) {
	if cond == nil || s.opts.Objects == nil {
		return func() {}, nil
	}
	k := claimKey(b.name, key)
	now := s.opts.Now()
	e, err := s.kv.Get(ctx, k)
	switch {
	case errors.Is(err, store.ErrNotFound):
		e.Revision = 0
	case err != nil:
		return nil, fmt.Errorf("claim %s: %w", key, err)
	default:
		var held claimRecord
		if json.Unmarshal(e.Value, &held) == nil && now.Sub(held.At) < claimHold {
			return nil, conditionalConflict()
		}
	}
	data, err := json.Marshal(claimRecord{At: now})
	if err != nil {
		return nil, err
	}
	if e.Revision == 0 {
		_, err = s.kv.Create(ctx, k, data)
	} else {
		_, err = s.kv.Update(ctx, k, data, e.Revision)
	}
	if errors.Is(err, store.ErrExists) || errors.Is(err, store.ErrRevision) {
		return nil, conditionalConflict()
	}
	if err != nil {
		return nil, fmt.Errorf("claim %s: %w", key, err)
	}
	release = func() {
		// Even when the request was cancelled: a claim left behind
		// would hold the key for claimHold.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := s.kv.Delete(ctx, k); err != nil {
			s.log.Warn("s3: release a conditional write's claim", "key", key, "err", err)
		}
	}
	if err := s.sync(ctx); err != nil {
		release()
		return nil, err
	}
	return release, nil
}

func conditionalConflict() error {
	return awserr.New(ErrConditionalRequestConflict, msgConditionalWrite)
}
