package natsstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/nubo-dev/nubo/internal/store"
)

// WorkQueue opens (creating if needed) a work-queue stream name for the
// subjects "<prefix>.>". Jobs published for later wait as JetStream message
// schedules on "<prefix>_at.>" and move to their subject when due. lease is
// how long a consumer holds a job it has not renewed.
func (s *Store) WorkQueue(ctx context.Context, name, prefix string, lease time.Duration) (store.WorkQueue, error) {
	_, err := placed(ctx, s, "work queue "+name, func(ctx context.Context) (jetstream.Stream, error) {
		return s.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
			Name:              name,
			Subjects:          []string{prefix + ".>", prefix + "_at.>"},
			Storage:           jetstream.FileStorage,
			Replicas:          s.replicas,
			Retention:         jetstream.WorkQueuePolicy,
			AllowMsgSchedules: true,
		})
	})
	if err != nil {
		return nil, fmt.Errorf("open work queue %s: %w", name, err)
	}
	return &workQueue{js: s.js, store: s, name: name, prefix: prefix, lease: lease, space: s.space}, nil
}

type workQueue struct {
	js     jetstream.JetStream
	store  *Store
	name   string
	prefix string
	lease  time.Duration
	space  *space
}

func (q *workQueue) Publish(ctx context.Context, subject string, data []byte, at time.Time) error {
	if err := q.space.room(); err != nil {
		return fmt.Errorf("publish %s: %w", subject, err)
	}
	if at.IsZero() || !at.After(time.Now()) {
		if _, err := again(ctx, q.store, false, func() (*jetstream.PubAck, error) { return q.js.Publish(ctx, subject, data) }); err != nil {
			return fmt.Errorf("publish %s: %w", subject, unavailable(err))
		}
		return nil
	}
	// Each schedule has a subject of its own: a subject holds one schedule.
	m := nats.NewMsg(q.prefix + "_at." + nuid.Next())
	m.Data = data
	m.Header.Set("Nats-Schedule", "@at "+at.UTC().Format(time.RFC3339Nano))
	m.Header.Set("Nats-Schedule-Target", subject)
	if _, err := again(ctx, q.store, false, func() (*jetstream.PubAck, error) { return q.js.PublishMsg(ctx, m) }); err != nil {
		return fmt.Errorf("schedule %s: %w", subject, unavailable(err))
	}
	return nil
}

// consumerName turns a subject into a durable consumer name (no dots).
func consumerName(subject string) string {
	return strings.ReplaceAll(subject, ".", "__")
}

func (q *workQueue) Consume(ctx context.Context, subject string, limit int, handle func(store.Job)) error {
	return q.ConsumeShare(ctx, subject, limit, limit, handle)
}

// ConsumeShare consumes subject as Consume does, on one of several nodes
// that share its consumer: at most limit jobs are leased across them all,
// and at most take by this one.
func (q *workQueue) ConsumeShare(ctx context.Context, subject string, limit, take int, handle func(store.Job)) error {
	cons, err := placed(ctx, q.store, "consumer "+subject, func(ctx context.Context) (jetstream.Consumer, error) {
		return q.js.CreateOrUpdateConsumer(ctx, q.name, jetstream.ConsumerConfig{
			Durable:       consumerName(subject),
			FilterSubject: subject,
			AckPolicy:     jetstream.AckExplicitPolicy,
			AckWait:       q.lease,
			MaxAckPending: limit,
			MaxDeliver:    -1,
		})
	})
	if err != nil {
		return fmt.Errorf("consume %s: %w", subject, err)
	}
	if err := Pull(ctx, cons, take, func(m jetstream.Msg) { handle(job{m}) }); err != nil {
		return fmt.Errorf("consume %s: %w", subject, err)
	}
	return nil
}

// Pull hands the messages of cons to handle until ctx ends, making one
// pull request at a time for up to take of them: the server delivers
// into it as the consumer's MaxAckPending frees, and a new request goes
// out when it is full or expired. (nats.go's Consume keeps several
// requests and can lose count of them: when the in-process server answers
// one in full before the client counts it as sent, the client waits, its
// limit free, until it misses two heartbeats.) A message that comes after
// ctx ended is handed back (Nak) for the next consumer to take at once,
// not left to its lease: a consumer stops when asynchronous invocation's
// limit changes, and its successor at a limit of 8 got nothing for 30 s
// while 8 such messages were held.
func Pull(ctx context.Context, cons jetstream.Consumer, take int, handle func(jetstream.Msg)) error {
	for ctx.Err() == nil {
		err := pullOnce(ctx, cons, take, handle)
		switch {
		case errors.Is(err, jetstream.ErrConsumerDeleted), errors.Is(err, jetstream.ErrConsumerNotFound):
			return err
		case err != nil && ctx.Err() == nil:
			select { // the server is unreachable or changing leaders: ask again shortly
			case <-ctx.Done():
			case <-time.After(pullRetry):
			}
		}
	}
	return nil
}

func pullOnce(ctx context.Context, cons jetstream.Consumer, take int, handle func(jetstream.Msg)) error {
	batch, err := cons.Fetch(take, jetstream.FetchMaxWait(pullWait))
	if err != nil {
		return err
	}
	for m := range batch.Messages() {
		if ctx.Err() != nil {
			m.Nak()
			continue
		}
		handle(m)
	}
	return batch.Error()
}

const (
	// pullWait is how long a pull request waits for messages, and so how
	// long a consumer takes to stop; pullRetry is the wait after a failed
	// one.
	pullWait  = time.Second
	pullRetry = time.Second
)

// Subjects lists the subjects that have a consumer or jobs: a node that
// died between storing a subject's first job and consuming it leaves no
// consumer, and another node must find the job.
func (q *workQueue) Subjects(ctx context.Context) ([]string, error) {
	return again(ctx, q.store, true, func() ([]string, error) { return q.subjects(ctx) })
}

func (q *workQueue) subjects(ctx context.Context) ([]string, error) {
	st, err := q.js.Stream(ctx, q.name)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var subjects []string
	lister := st.ListConsumers(ctx)
	for info := range lister.Info() {
		if s := info.Config.FilterSubject; !seen[s] {
			seen[s] = true
			subjects = append(subjects, s)
		}
	}
	if err := lister.Err(); err != nil {
		return nil, err
	}
	info, err := st.Info(ctx, jetstream.WithSubjectFilter(q.prefix+".>"))
	if err != nil {
		return nil, err
	}
	for s := range info.State.Subjects {
		if !seen[s] {
			seen[s] = true
			subjects = append(subjects, s)
		}
	}
	return subjects, nil
}

func (q *workQueue) Pending(ctx context.Context, subject string) (int, error) {
	cons, err := again(ctx, q.store, true, func() (jetstream.Consumer, error) { return q.js.Consumer(ctx, q.name, consumerName(subject)) })
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return 0, nil // nothing was ever published for subject
	}
	if err != nil {
		return 0, fmt.Errorf("pending %s: %w", subject, err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("pending %s: %w", subject, err)
	}
	return int(info.NumPending) + info.NumAckPending, nil
}

type job struct{ m jetstream.Msg }

func (j job) Data() []byte   { return j.m.Data() }
func (j job) Done() error    { return j.m.Ack() }
func (j job) Working() error { return j.m.InProgress() }
