package natsstore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/nubo-dev/nubo/internal/store"
)

// A table's scans: each shard's rows under a prefix, read through a
// barrier in a cluster.

// filter is the subject filter of a shard's rows under under ("": all).
func filter(prefix, under string) string {
	if under == "" {
		return prefix + ".>"
	}
	return prefix + "." + under + ".>"
}

// Scan implements store.Table: every shard's rows under prefix, until fn
// returns false.
func (t *table) Scan(ctx context.Context, prefix string, fn func(store.Row) bool) error {
	for _, sh := range t.shards {
		sh.mu.RLock()
		more, markers, err := sh.scan(ctx, prefix, fn)
		sh.mu.RUnlock()
		if prefix == "" && more && err == nil {
			sh.mmu.Lock()
			sh.markers = markers
			sh.mmu.Unlock()
		}
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// barrierToken ends the subject of a scan's barrier: never a token that
// Key makes, whose escapes are upper-case.
const barrierToken = "=barrier"

// scan scans the shard's rows under prefix. With replicas, the consumer
// that reads them may live on a follower that has not yet applied the
// last writes (acknowledged by a majority elsewhere); so a scan first
// stores a barrier under prefix and is done only once it has read it,
// which means it read everything stored before it.
func (sh *shard) scan(ctx context.Context, prefix string, fn func(store.Row) bool) (more bool, markers int, err error) {
	name := sh.st.CachedInfo().Config.Name
	if sh.replicas <= 1 {
		return scanStream(ctx, sh.js, name, sh.prefix, prefix, "", func(r store.Row, _ jetstream.Msg) bool { return fn(r) })
	}
	subject := sh.prefix + "." + barrierToken
	if prefix != "" {
		subject = sh.prefix + "." + prefix + "." + barrierToken
	}
	nonce := nuid.Next()
	if _, err := again(ctx, sh.store, true, func() (*jetstream.PubAck, error) {
		return sh.js.PublishMsg(ctx, &nats.Msg{Subject: subject, Data: []byte(nonce)}, jetstream.WithMsgTTL(barrierTTL))
	}); err != nil {
		return false, 0, fmt.Errorf("scan %s: %w", prefix, unavailable(err))
	}
	// A follower catching up (a node that restarted, under load) may take
	// a while to apply the barrier: a node's first start on a loaded
	// machine took more than 30 s, and a replica may stay behind for
	// longer. After a few seconds the scan reads from the leader instead.
	fallback := time.Now().Add(3 * time.Second)
	deadline := time.Now().Add(time.Minute)
	for {
		if time.Now().After(fallback) {
			rows, err := scanLeader(ctx, sh.store, sh.st, sh.prefix, prefix)
			if err == nil {
				for _, r := range rows {
					if !fn(r) {
						return false, markers, nil
					}
				}
				return true, markers, nil
			}
			if !retryable(ctx, err, true) || time.Now().After(deadline) {
				return false, markers, err
			}
		}
		// The rows go to fn only from a scan that saw the barrier.
		var rows []store.Row
		_, markers, err = scanStream(ctx, sh.js, name, sh.prefix, prefix, nonce, func(r store.Row, _ jetstream.Msg) bool {
			rows = append(rows, r)
			return true
		})
		// The follower is catching up, or JetStream elects a leader.
		if (errors.Is(err, errNoBarrier) || retryable(ctx, err, true)) && time.Now().Before(deadline) {
			select {
			case <-ctx.Done():
				return false, markers, ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
			continue
		}
		if err != nil {
			return false, markers, err
		}
		for _, r := range rows {
			if !fn(r) {
				return false, markers, nil
			}
		}
		return true, markers, nil
	}
}

// scanLeader reads the newest row of each key under prefix from the
// stream's leader: the subjects it holds (a stream info request), then
// each one's last message, in the order they were written. It is one
// request per key, for when the replica a consumer reads is behind.
func scanLeader(ctx context.Context, s *Store, st jetstream.Stream, streamPrefix, prefix string) ([]store.Row, error) {
	info, err := again(ctx, s, true, func() (*jetstream.StreamInfo, error) {
		return st.Info(ctx, jetstream.WithSubjectFilter(filter(streamPrefix, prefix)))
	})
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", prefix, err)
	}
	type found struct {
		row store.Row
		seq uint64
	}
	var all []found
	for subject := range info.State.Subjects {
		if strings.HasSuffix(subject, "."+barrierToken) {
			continue
		}
		m, err := again(ctx, s, true, func() (*jetstream.RawStreamMsg, error) { return st.GetLastMsgForSubject(ctx, subject) })
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue // expired or purged meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", prefix, err)
		}
		if len(m.Data) > 0 {
			all = append(all, found{store.Row{Key: subject[len(streamPrefix)+1:], Value: m.Data}, m.Sequence})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].seq < all[j].seq })
	rows := make([]store.Row, len(all))
	for i, f := range all {
		rows[i] = f.row
	}
	return rows, nil
}

// barrierTTL keeps a barrier for longer than any scan waits for it (each
// prefix's barrier replaces the one before anyway).
const barrierTTL = 10 * time.Minute

// deleteOrdered deletes a consumer once read (it would linger, inactive,
// for minutes), even when ctx has ended.
func deleteOrdered(ctx context.Context, js jetstream.JetStream, stream string, cons jetstream.Consumer) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	js.DeleteConsumer(ctx, stream, cons.CachedInfo().Name)
}

// errNoBarrier is a scan that ended without reading its barrier.
var errNoBarrier = errors.New("store: scan read a replica behind its barrier")

// scanStream reads the newest message of each key under prefix in one
// stream (whose subjects start with streamPrefix), skipping markers and
// barriers; more is false when fn stopped the scan. With a barrier nonce,
// a scan that does not read it fails with errNoBarrier.
func scanStream(ctx context.Context, js jetstream.JetStream, stream, streamPrefix, prefix, barrier string, fn func(store.Row, jetstream.Msg) bool) (more bool, markers int, err error) {
	// A consumer lost mid-scan is recreated at most 5 times (about 25 s),
	// then the scan fails: nats.go's default, without end and deaf to
	// ctx, held a node's Run in its first scan for good when the
	// consumer could not be recreated (a suite run's sfn cluster test
	// waited out its timeout stopping that node).
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{
		FilterSubjects:   []string{filter(streamPrefix, prefix)},
		DeliverPolicy:    jetstream.DeliverLastPerSubjectPolicy,
		MaxResetAttempts: 5,
	})
	if err != nil {
		return false, 0, fmt.Errorf("scan %s: %w", prefix, err)
	}
	// The consumer goes with the scan: scans retried while a follower
	// catches up would otherwise pile up until JetStream refuses more.
	defer deleteOrdered(ctx, js, stream, cons)
	seen := barrier == ""
	remaining := cons.CachedInfo().NumPending
	for remaining > 0 {
		batch, err := cons.Fetch(int(min(remaining, 4096)), jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return false, markers, fmt.Errorf("scan %s: %w", prefix, err)
		}
		n := 0
		for msg := range batch.Messages() {
			n++
			remaining--
			switch {
			case strings.HasSuffix(msg.Subject(), "."+barrierToken):
				seen = seen || string(msg.Data()) == barrier
				continue
			case len(msg.Data()) == 0:
				markers++
				continue
			}
			if !fn(store.Row{Key: msg.Subject()[len(streamPrefix)+1:], Value: msg.Data()}, msg) {
				return false, markers, nil
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, nats.ErrTimeout) {
			return false, markers, fmt.Errorf("scan %s: %w", prefix, err)
		}
		if n == 0 {
			break // the rows counted expired meanwhile
		}
	}
	if !seen {
		return false, markers, errNoBarrier
	}
	return true, markers, nil
}
