package control

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/store"
)

// Follow keeps this node in step with the writes other nodes of a cluster
// make to the bucket, until ctx ends: every change drops Resolve's cache
// (so that an update made anywhere is invoked everywhere within a moment,
// as Lambda's own updates are), and a function left Pending or InProgress
// is activated here too, since each node extracts the code it runs (the
// activations agree: they check the same package and write the same
// outcome).
func (s *Service) Follow(ctx context.Context, kv store.Watchable) error {
	_, err := kv.Watch(ctx, "", func(ch store.Change) {
		s.cache.invalidate()
		parts := store.SplitKey(ch.Key)
		if ch.Deleted || len(parts) != 3 || parts[0] != "fn" {
			return
		}
		var rec functionRecord
		if json.Unmarshal(ch.Value, &rec) != nil {
			return
		}
		if rec.Latest.State == lambda.StatePending || rec.Latest.LastUpdateStatus == lambda.UpdateProgress {
			s.activate(lambda.Scope{Account: s.opts.Account, Region: parts[1]}, parts[2])
		}
	})
	if err != nil {
		return fmt.Errorf("follow the functions: %w", err)
	}
	return nil
}
