package natsstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/nubo-dev/nubo/internal/store"
)

// run rewrites the shard whenever it holds too many markers, until ctx
// ends.
func (sh *shard) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-sh.wake:
		}
		if err := sh.compact(ctx); err != nil && ctx.Err() == nil {
			sh.log.Warn("store: rewrite a table shard", "stream", sh.base, "err", err)
		}
	}
}

// compact copies the live rows into the next generation when markers
// outnumber them. Writes to the shard wait meanwhile.
func (sh *shard) compact(ctx context.Context) error {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	info, err := sh.st.Info(ctx)
	if err != nil {
		return err
	}
	sh.mmu.Lock()
	markers := sh.markers
	sh.mmu.Unlock()
	if markers < sh.compactAt || uint64(markers) < info.State.Msgs-min(uint64(markers), info.State.Msgs) {
		return nil
	}
	// Writes published before the lock must be stored before the copy.
	select {
	case <-sh.js.PublishAsyncComplete():
	case <-ctx.Done():
		return ctx.Err()
	}
	next := sh.gen + 1
	name, prefix := sh.names(next)
	st, err := createEmpty(ctx, sh.js, sh.config(next, false), sh.log)
	if err != nil {
		return err
	}
	copied, err := sh.copyTo(ctx, prefix)
	if err != nil {
		return err
	}
	// From here on the new generation is the one Open picks.
	if _, err := sh.js.UpdateStream(ctx, sh.config(next, true)); err != nil {
		return err
	}
	old := sh.st.CachedInfo().Config.Name
	sh.gen, sh.st, sh.prefix = next, st, prefix
	sh.mmu.Lock()
	sh.markers = 0
	sh.mmu.Unlock()
	if err := sh.js.DeleteStream(ctx, old); err != nil {
		return fmt.Errorf("delete %s: %w", old, err)
	}
	sh.log.Info("store: rewrote a table shard", "stream", name, "rows", copied, "markers", markers)
	return nil
}

// createEmpty creates the stream of a rewrite's new generation, empty, in
// place of any left by an interrupted rewrite. A kill can hide a stream
// from JetStream but leave its files: at start JetStream skips a stream
// whose config file is missing (a kill inside its creation or deletion,
// which removes that file first) or does not match its checksum file (a
// kill between the two files' writes, as when a rewrite marks its
// generation complete). Creating a stream of the same name takes those
// files back, and with them the rows the interrupted rewrite had copied,
// deleted ones included. So a stream that comes back with messages is
// deleted, which moves its files away at once, and created again.
func createEmpty(ctx context.Context, js jetstream.JetStream, cfg jetstream.StreamConfig, log *slog.Logger) (jetstream.Stream, error) {
	for range 2 {
		if err := js.DeleteStream(ctx, cfg.Name); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			return nil, err
		}
		st, err := js.CreateStream(ctx, cfg)
		if err != nil {
			return nil, err
		}
		state := st.CachedInfo().State
		if state.LastSeq == 0 {
			return st, nil
		}
		log.Warn("store: a new generation held an interrupted rewrite's rows", "stream", cfg.Name, "msgs", state.Msgs)
	}
	return nil, fmt.Errorf("create %s: its old messages are still there after its deletion", cfg.Name)
}

// copyTo writes every live row of the current generation under prefix, in
// the order they were last written, keeping what is left of their TTLs.
func (sh *shard) copyTo(ctx context.Context, prefix string) (int, error) {
	var futures []jetstream.PubAckFuture
	var perr error
	now := time.Now()
	_, _, err := scanStream(ctx, sh.js, sh.st.CachedInfo().Config.Name, sh.prefix, "", "", func(r store.Row, msg jetstream.Msg) bool {
		var opts []jetstream.PublishOpt
		if ttl := msgTTL(msg.Headers().Get(jetstream.MsgTTLHeader)); ttl > 0 {
			meta, err := msg.Metadata()
			if err != nil {
				perr = err
				return false
			}
			left := meta.Timestamp.Add(ttl).Sub(now)
			if left <= 0 {
				return true
			}
			opts = append(opts, jetstream.WithMsgTTL(max(left, time.Second)))
		}
		f, err := sh.js.PublishMsgAsync(&nats.Msg{Subject: prefix + "." + r.Key, Data: r.Value}, opts...)
		if err != nil {
			perr = err
			return false
		}
		futures = append(futures, f)
		return true
	})
	if err == nil {
		err = perr
	}
	if err != nil {
		return 0, err
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return 0, err
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	return len(futures), nil
}

// msgTTL reads a Nats-TTL header: a duration ("5m0s", as nats.go writes
// it) or a number of seconds.
func msgTTL(h string) time.Duration {
	if d, err := time.ParseDuration(h); err == nil {
		return d
	}
	if n, err := strconv.Atoi(h); err == nil {
		return time.Duration(n) * time.Second
	}
	return 0
}
