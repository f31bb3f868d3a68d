package sqs

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/cluster"
	"github.com/nubo-dev/nubo/internal/store"
)

// In a cluster each queue's index of messages is held by one node, the
// queue's holder (a cluster.Group: rendezvous hashing over the live nodes,
// a claim in the cluster's bucket), which serves every operation on the
// queue; the other nodes send theirs to it (cluster.Op) and keep only
// every queue's settings, followed from the KV bucket, for what needs no
// messages (GetQueueUrl, ListQueues, policies, redrive checks). When the
// holder dies another node claims the queue and loads its rows from the
// table, as a restart does: a message in flight stays invisible until its
// visibility timeout passes, whichever node took it. Message move tasks run
// on their source queue's holder and end when it lets the queue go.

// clusterOps are the operations a clustered Service sends to queues'
// holders.
type clusterOps struct {
	c     *cluster.Cluster
	group *cluster.Group
	meta  store.Watchable

	create, remove, setAttrs, purge, tag *cluster.Op[queueIn, empty]
	attrs, tags                          *cluster.Op[queueIn, attrsOut]
	send                                 *cluster.Op[queueIn, sendOut]
	receive                              *cluster.Op[queueIn, receiveOut]
	del, visibility                      *cluster.Op[queueIn, errsOut]
	moveIn                               *cluster.Op[moveInIn, empty]
	startMove                            *cluster.Op[queueIn, taskOut]
	tasks                                *cluster.Op[queueIn, tasksOut]
	cancel                               *cluster.Op[queueIn, countOut]
}

// queueIn carries any operation on a queue.
type queueIn struct {
	Ref         Ref               `json:"ref"`
	Attrs       map[string]string `json:"attrs,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Keys        []string          `json:"keys,omitempty"`
	Names       []string          `json:"names,omitempty"`
	Entries     []SendInput       `json:"entries,omitempty"`
	Receive     *ReceiveInput     `json:"receive,omitempty"`
	Handles     []string          `json:"handles,omitempty"`
	Visibility  []VisibilityInput `json:"visibility,omitempty"`
	Destination string            `json:"destination,omitempty"`
	Number      int               `json:"n,omitempty"`
}

type empty struct{}

type attrsOut struct {
	Attrs map[string]string `json:"attrs"`
}

type sendOut struct {
	Results []SendResult           `json:"results"`
	Errs    []*cluster.RemoteError `json:"errs"`
}

type receiveOut struct {
	Messages []Message `json:"messages"`
}

type errsOut struct {
	Errs []*cluster.RemoteError `json:"errs"`
}

type taskOut struct {
	Handle string `json:"handle"`
}

type tasksOut struct {
	Tasks []MoveTask `json:"tasks"`
}

type countOut struct {
	Number int64 `json:"n"`
}

// moveInIn carries messages moved into a queue held elsewhere (a
// dead-letter queue, a move task's destination), as their rows.
type moveInIn struct {
	To        Ref      `json:"to"`
	Messages  [][]byte `json:"messages"`
	SourceARN string   `json:"source,omitempty"`
}

type hereKey struct{}

// here marks a call that runs on the node holding its queue.
func here(ctx context.Context) context.Context { return context.WithValue(ctx, hereKey{}, true) }

// remote reports whether an operation must go through the cluster.
func (s *Service) remote(ctx context.Context) bool {
	return s.cl != nil && ctx.Value(hereKey{}) == nil
}

func resourceOf(ref Ref) string { return ref.Region + "/" + ref.Name }

func refOf(resource string) Ref {
	region, name, _ := strings.Cut(resource, "/")
	return Ref{Region: region, Name: name}
}

// clusterize makes s one node of c's cluster; meta is the queues' bucket.
func (s *Service) clusterize(c *cluster.Cluster, meta store.Watchable) {
	c.Codes(ErrQueueDoesNotExist, ErrQueueNameExists, ErrQueueDeletedRecently, ErrInvalidAttributeName,
		ErrInvalidAttributeValue, ErrInvalidParameterValue, ErrMissingParameter, ErrInvalidMessageContents,
		ErrReceiptHandleIsInvalid, ErrMessageNotInflight, ErrEmptyBatchRequest, ErrTooManyEntries,
		ErrBatchEntryIdsNotDistinct, ErrInvalidBatchEntryID, ErrBatchRequestTooLong, ErrPurgeQueueInProgress,
		ErrResourceNotFound, ErrUnsupportedOperation, ErrInternal)
	g := c.Group("sqs", holder{s})
	o := &clusterOps{c: c, group: g, meta: meta}
	by := func(in *queueIn) string { return resourceOf(in.Ref) }
	unit := func(fn func(ctx context.Context, in *queueIn) error) func(context.Context, *queueIn) (*empty, error) {
		return func(ctx context.Context, in *queueIn) (*empty, error) { return &empty{}, fn(here(ctx), in) }
	}
	o.create = cluster.NewOp(g, "sqs.CreateQueue", by, unit(func(ctx context.Context, in *queueIn) error {
		return s.CreateQueue(ctx, in.Ref, in.Attrs, in.Tags)
	}))
	o.remove = cluster.NewOp(g, "sqs.DeleteQueue", by, unit(func(ctx context.Context, in *queueIn) error {
		return s.DeleteQueue(ctx, in.Ref)
	}))
	o.setAttrs = cluster.NewOp(g, "sqs.SetQueueAttributes", by, unit(func(ctx context.Context, in *queueIn) error {
		return s.SetQueueAttributes(ctx, in.Ref, in.Attrs)
	}))
	o.purge = cluster.NewOp(g, "sqs.PurgeQueue", by, unit(func(ctx context.Context, in *queueIn) error {
		return s.PurgeQueue(ctx, in.Ref)
	}))
	o.tag = cluster.NewOp(g, "sqs.ChangeTags", by, unit(func(ctx context.Context, in *queueIn) error {
		return s.changeTags(ctx, in.Ref, func(t map[string]string) {
			for k, v := range in.Tags {
				t[k] = v
			}
			for _, k := range in.Keys {
				delete(t, k)
			}
		})
	}))
	o.attrs = cluster.NewOp(g, "sqs.QueueAttributes", by, func(ctx context.Context, in *queueIn) (*attrsOut, error) {
		a, err := s.queueAttributes(in.Ref, in.Names)
		return &attrsOut{a}, err
	})
	o.tags = cluster.NewOp(g, "sqs.QueueTags", by, func(ctx context.Context, in *queueIn) (*attrsOut, error) {
		t, err := s.queueTags(in.Ref)
		return &attrsOut{t}, err
	})
	s.clusterMessageOps(o, by)
	s.cl, s.follow = o, store.NewFollowing()
}

// clusterMessageOps declares the operations on messages and move tasks.
func (s *Service) clusterMessageOps(o *clusterOps, by func(*queueIn) string) {
	c, g := o.c, o.group
	o.send = cluster.NewOp(g, "sqs.Send", by, func(ctx context.Context, in *queueIn) (*sendOut, error) {
		res, errs, err := s.Send(here(ctx), in.Ref, in.Entries)
		return &sendOut{Results: res, Errs: encodeErrs(c, errs)}, err
	})
	o.receive = cluster.NewOp(g, "sqs.Receive", by, func(ctx context.Context, in *queueIn) (*receiveOut, error) {
		msgs, err := s.Receive(here(ctx), in.Ref, *in.Receive)
		return &receiveOut{msgs}, err
	})
	o.del = cluster.NewOp(g, "sqs.Delete", by, func(ctx context.Context, in *queueIn) (*errsOut, error) {
		errs, err := s.Delete(here(ctx), in.Ref, in.Handles)
		return &errsOut{encodeErrs(c, errs)}, err
	})
	o.visibility = cluster.NewOp(g, "sqs.ChangeVisibility", by, func(ctx context.Context, in *queueIn) (*errsOut, error) {
		errs, err := s.ChangeVisibility(here(ctx), in.Ref, in.Visibility)
		return &errsOut{encodeErrs(c, errs)}, err
	})
	o.moveIn = cluster.NewOp(g, "sqs.MoveIn", func(in *moveInIn) string { return resourceOf(in.To) },
		func(ctx context.Context, in *moveInIn) (*empty, error) { return &empty{}, s.moveIn(ctx, in) })
	o.startMove = cluster.NewOp(g, "sqs.StartMoveTask", by, func(ctx context.Context, in *queueIn) (*taskOut, error) {
		h, err := s.StartMoveTask(here(ctx), s.ARN(in.Ref), in.Destination, in.Number)
		return &taskOut{h}, err
	})
	o.tasks = cluster.NewOp(g, "sqs.MoveTasks", by, func(ctx context.Context, in *queueIn) (*tasksOut, error) {
		t, err := s.moveTasks(s.ARN(in.Ref), in.Number)
		return &tasksOut{t}, err
	})
	o.cancel = cluster.NewOp(g, "sqs.CancelMoveTask", by, func(ctx context.Context, in *queueIn) (*countOut, error) {
		n, err := s.cancelMoveTask(in.Keys[0])
		return &countOut{n}, err
	})
}

func encodeErrs(c *cluster.Cluster, errs []error) []*cluster.RemoteError {
	out := make([]*cluster.RemoteError, len(errs))
	for i, err := range errs {
		out[i] = c.EncodeError(err)
	}
	return out
}

func decodeErrs(c *cluster.Cluster, errs []*cluster.RemoteError) []error {
	out := make([]error, len(errs))
	for i, re := range errs {
		out[i] = c.DecodeError(re)
	}
	return out
}

// holds reports whether this node holds q's index (always, alone).
func (s *Service) holds(q *queue) bool {
	return s.cl == nil || s.cl.group.Holds(resourceOf(Ref{q.region, q.name}))
}

// holder loads and drops queues' indexes for the cluster.
type holder struct{ s *Service }

// Acquire loads a queue's settings and messages, as the node that held it
// before stored them.
func (h holder) Acquire(ctx context.Context, resource string) error {
	s := h.s
	ref := refOf(resource)
	e, err := s.kv.Get(ctx, queueKey(ref))
	if errors.Is(err, store.ErrNotFound) {
		s.mu.Lock()
		delete(s.queues, ref)
		s.mu.Unlock()
		return nil // held while it is created, or asked for in vain
	}
	if err != nil {
		return fmt.Errorf("load queue %s: %w", ref.Name, err)
	}
	q, err := s.queueFromMeta(e.Value)
	if err != nil {
		return err
	}
	now := time.Now()
	var msgs []*message
	err = s.table.Scan(ctx, q.id, func(row store.Row) bool {
		parts := store.SplitKey(row.Key)
		if len(parts) != 3 {
			return true
		}
		switch parts[1] {
		case "m":
			if m, err := decodeRecord(row.Value); err == nil {
				msgs = append(msgs, m)
			}
		case "d":
			if d, err := decodeDedup(row.Value); err == nil && d.expires.After(now) {
				q.dedup[parts[2]] = d
				q.lastSeq = max(q.lastSeq, d.seq)
			}
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("load queue %s: %w", ref.Name, err)
	}
	sort.Slice(msgs, func(i, j int) bool { return msgs[i].seq < msgs[j].seq })
	for _, m := range msgs {
		q.addLocked(m, now)
		q.lastSeq = max(q.lastSeq, m.seq)
	}
	s.mu.Lock()
	s.queues[ref] = q
	s.mu.Unlock()
	s.log.Info("sqs: holding queue", "queue", q.arn, "messages", len(msgs))
	return nil
}

// Release drops a queue's messages, keeping its settings, and stops its
// move tasks.
func (h holder) Release(resource string) {
	s := h.s
	ref := refOf(resource)
	s.moves.stop(s.ARN(ref))
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queues[ref]
	if q == nil {
		return
	}
	q.mu.Lock()
	bare := s.newQueue(q.id, q.region, q.name, q.fifo)
	bare.attrs, bare.cfg, bare.tags, bare.created, bare.modified = q.attrs, q.cfg, q.tags, q.created, q.modified
	q.mu.Unlock()
	s.queues[ref] = bare
}

// followMeta keeps the settings of the queues this node does not hold in
// step with the bucket, until ctx ends.
func (s *Service) followMeta(ctx context.Context) error {
	f, err := s.cl.meta.Watch(ctx, store.Key("queue"), func(ch store.Change) {
		parts := store.SplitKey(ch.Key)
		if len(parts) != 3 {
			return
		}
		ref := Ref{Region: parts[1], Name: parts[2]}
		if s.cl.group.Holds(resourceOf(ref)) {
			return // the holder's memory is the truth
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if ch.Deleted {
			delete(s.queues, ref)
			return
		}
		if q, err := s.queueFromMeta(ch.Value); err == nil {
			s.queues[ref] = q
		}
	})
	if err != nil {
		return fmt.Errorf("follow the queues: %w", err)
	}
	s.follow.Started(f)
	return nil
}

// syncMeta makes this node's settings reflect every change stored before
// (a queue created through another node is found at once).
func (s *Service) syncMeta(ctx context.Context) {
	if err := s.follow.Sync(ctx); err != nil {
		s.log.Warn("sqs: read the queues' settings", "err", err)
	}
}

// moveIn adds messages moved from a queue of another node (a dead-letter
// redrive, a move task) to a queue held here.
func (s *Service) moveIn(ctx context.Context, in *moveInIn) error {
	to, err := s.queue(in.To)
	if err != nil {
		return err
	}
	msgs := make([]*message, 0, len(in.Messages))
	for _, b := range in.Messages {
		m, err := decodeRecord(b)
		if err != nil {
			return fmt.Errorf("sqs: a moved message: %w", err)
		}
		msgs = append(msgs, m)
	}
	return s.moveInto(ctx, to, msgs, in.SourceARN)
}
