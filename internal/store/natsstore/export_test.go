package natsstore

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nubo-dev/nubo/internal/store"
)

// SetLogRewrite makes s's log tables opened from now on rewrite past
// compactAt bytes, and a clustered rewrite's claim last lease.
func SetLogRewrite(s *Store, compactAt int64, lease time.Duration) {
	s.logCompactAt, s.logLease = compactAt, lease
}

// RewriteLog rewrites the clustered log table tb now, due or not, and
// stops after the step stop ("claimed", "sealed", "copied", "marked"; ""
// to finish), with errStopped.
func RewriteLog(ctx context.Context, tb store.Table, stop string) error {
	t := tb.(*logTable)
	t.mu.Lock()
	t.step = func(step string) error {
		if step == stop {
			return ErrStopped
		}
		return nil
	}
	t.mu.Unlock()
	gens, err := t.live(ctx)
	if err != nil {
		return err
	}
	return t.rewrite(ctx, gens)
}

// ErrStopped is RewriteLog's error when it stopped as asked.
var ErrStopped = errors.New("rewrite stopped")

// LogGenerations are tb's live generations, as a replay finds them.
func LogGenerations(ctx context.Context, tb store.Table) ([]int, error) {
	return tb.(*logTable).live(ctx)
}

// Conn is s's connection to NATS.
func Conn(s *Store) *nats.Conn { return s.nc }
