package apigateway

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nubo-dev/nubo/internal/store"
)

// Follow keeps this node in step with the writes other nodes of a cluster
// make to the bucket, until ctx ends: a change of an API (its routes,
// integrations, authorizers, stages) or of a deployment drops the compiled
// views, so that the gateway serves what was written anywhere within a
// moment, and a custom domain name (with its API mappings) stored or
// deleted anywhere is served here too. The node's own domain writes come
// back late and are skipped (s.revs).
func (s *Service) Follow(ctx context.Context, kv store.Watchable) error {
	f, err := kv.Watch(ctx, "", func(ch store.Change) {
		t := store.SplitKey(ch.Key)
		if t[0] != "domain" || len(t) != 2 {
			s.cache.Drop()
			return
		}
		s.domainWrites.Lock()
		defer s.domainWrites.Unlock()
		if !s.revs.Fresh(ch) {
			return
		}
		var d domainRec
		if !ch.Deleted {
			if err := json.Unmarshal(ch.Value, &d); err != nil {
				s.log.Warn("skip an unreadable domain name another node wrote", "key", ch.Key, "err", err)
				return
			}
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if ch.Deleted {
			delete(s.domains, t[1])
		} else {
			s.domains[t[1]] = &d
		}
	})
	if err != nil {
		return fmt.Errorf("follow the HTTP APIs: %w", err)
	}
	s.revs.Watching(f)
	return nil
}

// Sync returns once this node's custom domain names hold every change
// stored anywhere before the call (the rest is read from the bucket).
func (s *Service) Sync(ctx context.Context) error { return s.revs.Sync(ctx) }
