package natsstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/nubo-dev/nubo/internal/store"
)

// maxReserve bounds the free space kept for deletions; a small disk keeps a
// tenth of its size.
const maxReserve = 64 << 20

// space watches the free space of a directory. Writes that add data are
// refused while less than the reserve is free, so that JetStream itself
// does not run out: a stream that fails to write stops taking writes until
// it is reloaded, and deletions, which need a little space too, would fail
// as well.
type space struct {
	dir string
	// quorum, in a cluster, refuses writes while the node is cut off from
	// the majority.
	quorum *quorum

	mu      sync.Mutex
	checked time.Time
	free    uint64
	reserve uint64
	err     error
}

// Free reports the free bytes and the reserve, measured at most every
// 100 ms.
func (sp *space) measure() (free, reserve uint64, err error) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if time.Since(sp.checked) < 100*time.Millisecond {
		return sp.free, sp.reserve, sp.err
	}
	var st syscall.Statfs_t
	sp.err = syscall.Statfs(sp.dir, &st)
	sp.checked = time.Now()
	if sp.err == nil {
		sp.free = st.Bavail * uint64(st.Bsize)
		sp.reserve = min(maxReserve, st.Blocks*uint64(st.Bsize)/10)
	}
	return sp.free, sp.reserve, sp.err
}

// room returns an ErrUnavailable error when a write must be refused.
func (sp *space) room() error {
	if sp == nil {
		return nil
	}
	if err := sp.quorum.check(); err != nil {
		return err
	}
	free, reserve, err := sp.measure()
	if err != nil || free >= reserve {
		return nil
	}
	return fmt.Errorf("%w: the disk of %s is full (%d bytes free, %d kept for deletions)", store.ErrUnavailable, sp.dir, free, reserve)
}

// refresh forgets the last measure (after a deletion freed space).
func (sp *space) refresh() {
	if sp == nil {
		return
	}
	sp.mu.Lock()
	sp.checked = time.Time{}
	sp.mu.Unlock()
}

// unavailable wraps err as store.ErrUnavailable when it means that
// JetStream could not store: no answer (its write failed), no JetStream
// (being restarted), or no resources.
func unavailable(err error) error {
	if err == nil || errors.Is(err, store.ErrUnavailable) {
		return err
	}
	msg := err.Error()
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout),
		errors.Is(err, jetstream.ErrAsyncPublishTimeout), errors.Is(err, nats.ErrNoResponders),
		errors.Is(err, jetstream.ErrNoStreamResponse):
		// No answer: not a full disk, which JetStream does answer.
		return fmt.Errorf("%w: %w", errNoAnswer, err)
	case errors.Is(err, jetstream.ErrJetStreamNotEnabled),
		strings.Contains(msg, "insufficient resources"), strings.Contains(msg, "no space left"),
		strings.Contains(msg, "jetstream not enabled"):
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}

// errNoAnswer is ErrUnavailable when JetStream did not answer.
var errNoAnswer = store.Unavailable("nubo's store did not answer in time (it is overloaded, or, in a cluster, " +
	"a stream is electing a new leader after a node left, which takes seconds)")

// heal reloads JetStream when a stream has stopped taking writes (after a
// write failed, on a full disk) once there is room again, until ctx ends.
func (s *Store) heal(ctx context.Context) {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		h := s.srv.Healthz(&server.HealthzOptions{})
		if h == nil || h.Status == "ok" || !strings.Contains(h.Error, "write error") && s.srv.JetStreamEnabled() {
			continue
		}
		s.space.refresh()
		if s.space.room() != nil {
			continue
		}
		s.log.Warn("store: JetStream stopped writing; reloading it now that the disk has room", "health", h.Error)
		if err := s.reloadJetStream(); err != nil {
			s.log.Error("store: reload JetStream", "err", err)
		}
	}
}

// reloadJetStream shuts JetStream down and starts it again on the same
// directory: its streams are read back from disk, write errors forgotten.
func (s *Store) reloadJetStream() error {
	cfg := s.srv.JetStreamConfig()
	if s.srv.JetStreamEnabled() {
		s.srv.ShutdownJetStream()
	}
	if cfg == nil {
		return errors.New("no JetStream configuration")
	}
	// EnableJetStream puts its "jetstream" directory under the one it is
	// given, and the configuration names that directory already.
	if filepath.Base(cfg.StoreDir) == "jetstream" {
		cfg.StoreDir = filepath.Dir(cfg.StoreDir)
	}
	return s.srv.EnableJetStream(cfg)
}
