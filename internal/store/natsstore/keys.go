package natsstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Keys lists the keys under prefix. jetstream's ListKeysFiltered watches
// the bucket and waits for the end of its initial values, which can fail
// to come while the keys are written to: a listing then waited for as long
// as its context let it and returned what it had seen as if it were all.
// Keys takes instead the stream's own snapshot of the subjects that hold
// a message, then reads those messages' headers (a pull consumer, up to
// the snapshot's last sequence) to leave out the keys whose last
// message is a deletion. A key rewritten during the read moved past where
// the reader was, so it was there and still is. In a cluster a listing
// is tried again while JetStream elects a leader.
func (b kvBucket) Keys(ctx context.Context, prefix string) ([]string, error) {
	return again(ctx, b.s, true, func() ([]string, error) { return b.listKeys(ctx, prefix) })
}

func (b kvBucket) listKeys(ctx context.Context, prefix string) ([]string, error) {
	subjects := "$KV." + b.kv.Bucket() + "."
	filter := subjects + ">"
	if prefix != "" {
		filter = subjects + prefix + ".>"
	}
	stream := "KV_" + b.kv.Bucket()
	s, err := b.js.Stream(ctx, stream)
	if err != nil {
		return nil, kvError(err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return nil, kvError(err)
	}
	keys := make([]string, 0, len(info.State.Subjects))
	if len(info.State.Subjects) == 0 {
		return keys, nil
	}
	gone, err := b.deletions(ctx, stream, filter, info.State.LastSeq)
	if err != nil {
		return nil, fmt.Errorf("list keys %s: %w", filter, err)
	}
	for subject := range info.State.Subjects {
		if !gone[subject] {
			keys = append(keys, strings.TrimPrefix(subject, subjects))
		}
	}
	return keys, nil
}

// deletions reads the headers of the messages of filter up to stream
// sequence last and returns the subjects whose last message read marks
// them deleted or purged.
func (b kvBucket) deletions(ctx context.Context, stream, filter string, last uint64) (map[string]bool, error) {
	// A plain ephemeral consumer, created under ctx: an ordered consumer
	// creates a new server consumer at every Fetch and retries that
	// without end and without ctx, so that a listing on a busy server
	// could hang for good.
	cons, err := b.js.CreateConsumer(ctx, stream, jetstream.ConsumerConfig{
		FilterSubjects: []string{filter}, DeliverPolicy: jetstream.DeliverAllPolicy, AckPolicy: jetstream.AckNonePolicy,
		HeadersOnly: true, MemoryStorage: true, InactiveThreshold: time.Minute})
	if err != nil {
		return nil, kvError(err)
	}
	defer deleteOrdered(ctx, b.js, stream, cons)
	gone := map[string]bool{}
	pending, seq := cons.CachedInfo().NumPending, uint64(0)
	for pending > 0 && seq < last {
		// A batch is read whole: what comes after last is newer, and as true.
		batch, err := cons.Fetch(int(min(pending, 1000)), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return nil, kvError(err)
		}
		n := 0
		for msg := range batch.Messages() {
			n++
			meta, err := msg.Metadata()
			if err != nil {
				return nil, err
			}
			pending, seq = meta.NumPending, meta.Sequence.Stream
			gone[msg.Subject()] = deleted(msg.Headers())
		}
		if n == 0 {
			if err := batch.Error(); err != nil {
				return nil, kvError(err)
			}
			return nil, fmt.Errorf("%d messages did not come", pending)
		}
	}
	return gone, nil
}

// deleted tells whether a KV message marks its key deleted or purged
// (by a client, or by the server's per-message TTLs).
func deleted(h map[string][]string) bool {
	get := func(k string) string {
		if v := h[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	switch get("KV-Operation") {
	case "DEL", "PURGE":
		return true
	}
	return get("Nats-Marker-Reason") != ""
}
