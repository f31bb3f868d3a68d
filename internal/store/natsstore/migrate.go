package natsstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/nubo-dev/nubo/internal/store"
)

// SingleNodeDir is the single-node server's JetStream directory under the
// data directory; MigratedDir is what it is renamed to once its streams
// were copied into the cluster.
const (
	SingleNodeDir = "jetstream"
	MigratedDir   = "jetstream.migrated"
)

// migrationBucket records, per stream, which node is copying it into the
// cluster, so that a copy cut short by a crash is redone rather than
// doubled, and a second node's single-node data is not mixed into a
// stream another node filled.
const migrationBucket = "nubo_migration"

// migrate copies a single-node data directory's streams (with the KV
// buckets and object stores they hold) into the cluster, keeping their
// subjects, headers and order, then renames the directory. It does
// nothing when the directory holds no single-node data.
func (s *Store) migrate(ctx context.Context, dir string) error {
	src := filepath.Join(dir, SingleNodeDir)
	if _, err := os.Stat(filepath.Join(src, "jetstream")); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	s.log.Info("store: copying this node's single-node data into the cluster", "dir", src)
	old, err := server.NewServer(&server.Options{ServerName: "nubo-migrate", JetStream: true, StoreDir: src,
		DontListen: true, NoSigs: true, NoLog: true, MaxPayload: 8 << 20, JetStreamMaxStore: 1 << 50})
	if err != nil {
		return fmt.Errorf("open single-node data: %w", err)
	}
	old.Start()
	defer func() { old.Shutdown(); old.WaitForShutdown() }()
	if !old.ReadyForConnections(30 * time.Second) {
		return errors.New("open single-node data: not ready after 30s")
	}
	nc, err := nats.Connect("", nats.InProcessServer(old))
	if err != nil {
		return fmt.Errorf("open single-node data: %w", err)
	}
	defer nc.Close()
	from, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	marks, err := s.KV(ctx, migrationBucket)
	if err != nil {
		return fmt.Errorf("migration records: %w", err)
	}
	lister := from.ListStreams(ctx)
	var infos []*jetstream.StreamInfo
	for info := range lister.Info() {
		infos = append(infos, info)
	}
	if err := lister.Err(); err != nil {
		return fmt.Errorf("list single-node streams: %w", err)
	}
	for _, info := range infos {
		if err := s.migrateStream(ctx, from, marks, info); err != nil {
			return fmt.Errorf("copy stream %s into the cluster: %w", info.Config.Name, err)
		}
	}
	old.Shutdown()
	old.WaitForShutdown()
	if err := os.Rename(src, filepath.Join(dir, MigratedDir)); err != nil {
		return fmt.Errorf("set the single-node data aside: %w", err)
	}
	s.log.Info("store: single-node data copied into the cluster", "streams", len(infos), "kept_in", filepath.Join(dir, MigratedDir))
	return nil
}

// migrateStream copies one stream, unless a finished copy is recorded.
func (s *Store) migrateStream(ctx context.Context, from jetstream.JetStream, marks store.KV, info *jetstream.StreamInfo) error {
	name := info.Config.Name
	key := store.Key(name)
	mark, err := marks.Get(ctx, key)
	found := err == nil
	switch {
	case found && string(mark.Value) == "done "+s.node:
		return nil
	case found && string(mark.Value) != "copying "+s.node:
		return fmt.Errorf("node %s's data was copied into it already; move this node's %s aside and start again", strings.TrimPrefix(strings.TrimPrefix(string(mark.Value), "copying "), "done "), SingleNodeDir)
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return err
	}
	cfg := info.Config
	cfg.Replicas, cfg.AllowDirect = s.replicas, cfg.AllowDirect && s.replicas == 1
	if existing, err := s.js.Stream(ctx, name); err == nil {
		if !found && existing.CachedInfo().State.Msgs > 0 {
			return fmt.Errorf("the cluster holds it already, with %d messages; move this node's %s aside and start again", existing.CachedInfo().State.Msgs, SingleNodeDir)
		}
		if err := s.js.DeleteStream(ctx, name); err != nil { // a copy cut short, or an empty stream
			return err
		}
	}
	if _, err := marks.Put(ctx, key, []byte("copying "+s.node)); err != nil {
		return err
	}
	err = s.copyStream(ctx, from, cfg, info.State.Msgs)
	// A stream just placed can answer no one for a moment while it elects
	// its leader (a loaded suite run's copy failed "no response from
	// stream"): the copy is started again.
	for attempt := 1; err != nil && attempt < 5 && retryable(ctx, err, false); attempt++ {
		s.log.Info("store: copy a stream into the cluster again", "stream", name, "err", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(500 * time.Millisecond):
		}
		if err = s.js.DeleteStream(ctx, name); err == nil || errors.Is(err, jetstream.ErrStreamNotFound) {
			err = s.copyStream(ctx, from, cfg, info.State.Msgs)
		}
	}
	if err != nil {
		return err
	}
	_, err = marks.Put(ctx, key, []byte("done "+s.node))
	return err
}

// copyStream creates the cluster's stream of cfg and copies the msgs
// messages of the single-node one into it.
func (s *Store) copyStream(ctx context.Context, from jetstream.JetStream, cfg jetstream.StreamConfig, msgs uint64) error {
	if _, err := placed(ctx, s, "stream "+cfg.Name, func(ctx context.Context) (jetstream.Stream, error) { return s.js.CreateStream(ctx, cfg) }); err != nil {
		return err
	}
	if msgs == 0 {
		return nil
	}
	return s.copyMessages(ctx, from, cfg.Name)
}

// copyMessages republishes every message of the single-node stream name
// into the cluster's, in order, with its headers but for expectations
// (which named the old stream's sequences).
func (s *Store) copyMessages(ctx context.Context, from jetstream.JetStream, name string) error {
	cons, err := from.OrderedConsumer(ctx, name, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy})
	if err != nil {
		return err
	}
	remaining := cons.CachedInfo().NumPending
	var futures []jetstream.PubAckFuture
	for remaining > 0 {
		batch, err := cons.Fetch(int(min(remaining, 1000)), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return err
		}
		n := 0
		for msg := range batch.Messages() {
			n++
			remaining--
			out := nats.NewMsg(msg.Subject())
			out.Data = msg.Data()
			for k, v := range msg.Headers() {
				if !strings.HasPrefix(k, "Nats-Expected-") {
					out.Header[k] = v
				}
			}
			f, err := s.js.PublishMsgAsync(out)
			if err != nil {
				return err
			}
			futures = append(futures, f)
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
			return err
		}
		if n == 0 {
			break
		}
		if err := waitAll(ctx, futures); err != nil {
			return err
		}
		futures = futures[:0]
	}
	return waitAll(ctx, futures)
}

func waitAll(ctx context.Context, futures []jetstream.PubAckFuture) error {
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
