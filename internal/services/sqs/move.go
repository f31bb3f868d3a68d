package sqs

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/store"
)

// move puts messages taken out of from into to, then deletes their rows in
// from: a crash in between leaves a message in both queues, never in none.
// sourceARN, when set, becomes their DeadLetterQueueSourceArn.
func (s *Service) move(ctx context.Context, from, to *queue, msgs []*message, sourceARN string) error {
	var err error
	if s.holds(to) {
		err = s.moveInto(ctx, to, msgs, sourceARN)
	} else {
		in := &moveInIn{To: Ref{to.region, to.name}, SourceARN: sourceARN, Messages: make([][]byte, len(msgs))}
		for i, m := range msgs {
			in.Messages[i] = appendRecord(make([]byte, 0, m.recordSize()), m)
		}
		_, err = s.cl.moveIn.Do(ctx, in)
	}
	if err != nil {
		return err
	}
	from.mu.Lock()
	tombs := make([]store.Row, len(msgs))
	for i, m := range msgs {
		tombs[i] = m.tombstone(from.id)
	}
	p := s.table.Write(tombs...)
	from.mu.Unlock()
	return p.Wait(ctx)
}

// moveInto adds moved messages to to, a queue held here.
func (s *Service) moveInto(ctx context.Context, to *queue, msgs []*message, sourceARN string) error {
	to.mu.Lock()
	now := time.Now()
	rows := make([]store.Row, 0, len(msgs))
	added := make([]*message, 0, len(msgs))
	for _, m := range msgs {
		n := &message{
			id: m.id, body: m.body, attrs: m.attrs, system: m.system, md5Body: m.md5Body, md5Attrs: m.md5Attrs,
			md5System: m.md5System, sent: m.sent, groupID: m.groupID, dedupID: m.dedupID, senderID: m.senderID,
			sourceARN: sourceARN, seq: to.nextSeqLocked(now), heapIndex: -1,
		}
		if old := to.msgs[n.id]; old != nil {
			to.removeLocked(old) // moved back and forth: one copy
		}
		to.addLocked(n, now)
		added = append(added, n)
		rows = append(rows, n.row(to.id))
	}
	p := s.table.Write(rows...)
	if err := p.Refused(); err != nil {
		to.unsendLocked(added)
		to.mu.Unlock()
		return storeError("the messages moved to "+to.name, err)
	}
	to.notifyLocked()
	to.mu.Unlock()
	if err := p.Wait(ctx); err != nil {
		return storeError("the messages moved to "+to.name, err)
	}
	return nil
}

// MoveTask is a message move task as ListMessageMoveTasks shows it.
type MoveTask struct {
	TaskHandle     string
	Status         string // RUNNING, COMPLETED, CANCELLING, CANCELLED, FAILED
	SourceArn      string
	DestinationArn string
	MaxPerSecond   int
	Moved          int64
	ToMove         int64
	FailureReason  string
	Started        time.Time
	cancel         context.CancelFunc
}

// mover runs message move tasks (StartMessageMoveTask), one at a time per
// source queue. Tasks live in memory: after a restart a task is gone, and
// the messages it had not moved yet are still in the dead-letter queue.
type mover struct {
	s     *Service
	mu    sync.Mutex
	tasks map[string][]*MoveTask // by source ARN, newest first
	wg    sync.WaitGroup
}

func newMover(s *Service) *mover { return &mover{s: s, tasks: map[string][]*MoveTask{}} }

func (mv *mover) wait() {
	mv.mu.Lock()
	for arn := range mv.tasks {
		mv.stopLocked(arn)
	}
	mv.mu.Unlock()
	mv.wg.Wait()
}

// stop stops the tasks of a source queue (whose holder is another node
// from now on, in a cluster) and forgets them.
func (mv *mover) stop(sourceARN string) {
	mv.mu.Lock()
	defer mv.mu.Unlock()
	mv.stopLocked(sourceARN)
	delete(mv.tasks, sourceARN)
}

func (mv *mover) stopLocked(sourceARN string) {
	for _, t := range mv.tasks[sourceARN] {
		if t.cancel != nil {
			t.cancel()
		}
	}
}

// StartMoveTask moves the messages of a dead-letter queue back to their
// source queues, or to destinationARN, at most maxPerSecond a second (0:
// as fast as it goes).
func (s *Service) StartMoveTask(ctx context.Context, sourceARN, destinationARN string, maxPerSecond int) (string, error) {
	if ref, ok := s.ParseARN(sourceARN); ok && s.remote(ctx) {
		out, err := s.cl.startMove.Do(ctx, &queueIn{Ref: ref, Destination: destinationARN, Number: maxPerSecond})
		if err != nil {
			return "", err
		}
		return out.Handle, nil
	}
	src, err := s.queueByARN(sourceARN)
	if err != nil {
		return "", awserr.New(ErrResourceNotFound, "The resource that you specified for the SourceArn parameter doesn't exist.")
	}
	if maxPerSecond < 0 || maxPerSecond > 500 {
		return "", invalidParameter("MaxNumberOfMessagesPerSecond", maxPerSecond, "Must be between 1 and 500.")
	}
	ref, _ := s.ParseARN(sourceARN)
	sources, _ := s.DeadLetterSourceQueues(ref)
	if len(sources) == 0 {
		return "", awserr.New(ErrInvalidParameterValue, "Source queue must be configured as a Dead Letter Queue.")
	}
	var dst *queue
	if destinationARN != "" {
		if dst, err = s.queueByARN(destinationARN); err != nil {
			return "", awserr.New(ErrResourceNotFound, "The resource that you specified for the DestinationArn parameter doesn't exist.")
		}
		if dst.fifo != src.fifo {
			return "", awserr.New(ErrInvalidParameterValue, "The destination queue must be of the same type as the source queue.")
		}
	}
	mv := s.moves
	mv.mu.Lock()
	defer mv.mu.Unlock()
	for _, t := range mv.tasks[sourceARN] {
		if t.Status == "RUNNING" {
			return "", awserr.New(ErrUnsupportedOperation, "There is already a task running. Only one active task is allowed for a source queue arn at a given time.")
		}
	}
	src.mu.Lock()
	visible, _, _ := src.countsLocked()
	src.mu.Unlock()
	tctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	t := &MoveTask{TaskHandle: newTaskHandle(sourceARN), Status: "RUNNING", SourceArn: sourceARN, DestinationArn: destinationARN,
		MaxPerSecond: maxPerSecond, ToMove: int64(visible), Started: time.Now(), cancel: cancel}
	mv.tasks[sourceARN] = append([]*MoveTask{t}, mv.tasks[sourceARN]...)
	if len(mv.tasks[sourceARN]) > 10 {
		mv.tasks[sourceARN] = mv.tasks[sourceARN][:10]
	}
	mv.wg.Add(1)
	go func() {
		defer mv.wg.Done()
		mv.run(tctx, t, src, dst)
	}()
	return t.TaskHandle, nil
}

func (mv *mover) run(ctx context.Context, t *MoveTask, src, dst *queue) {
	status, reason := "COMPLETED", ""
	var moved int64
	for moved < t.ToMove && ctx.Err() == nil {
		n := int(min(t.ToMove-moved, 10))
		if t.MaxPerSecond > 0 {
			n = min(n, t.MaxPerSecond)
		}
		batch := mv.takeVisible(src, n)
		if len(batch) == 0 {
			break
		}
		// Group by destination: each message's own source unless the task
		// names one.
		byDest := map[*queue][]*message{}
		var stay []*message
		for _, m := range batch {
			to := dst
			if to == nil {
				to, _ = mv.s.queueByARN(m.sourceARN)
			}
			if to == nil || to == src {
				stay = append(stay, m) // its source is gone: leave it
				continue
			}
			byDest[to] = append(byDest[to], m)
		}
		if len(stay) > 0 {
			src.mu.Lock()
			for _, m := range stay {
				src.addLocked(m, time.Now())
			}
			src.mu.Unlock()
			status, reason = "FAILED", "The source queue of a message no longer exists."
		}
		for to, msgs := range byDest {
			if err := mv.s.move(ctx, src, to, msgs, ""); err != nil {
				status, reason = "FAILED", err.Error()
			}
		}
		moved += int64(len(batch))
		mv.mu.Lock()
		t.Moved = moved
		mv.mu.Unlock()
		if t.MaxPerSecond > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(time.Second * time.Duration(len(batch)) / time.Duration(t.MaxPerSecond)):
			}
		}
	}
	mv.mu.Lock()
	if ctx.Err() != nil && status == "COMPLETED" {
		status = "CANCELLED"
	}
	t.Status, t.FailureReason = status, reason
	mv.mu.Unlock()
}

// takeVisible takes up to n receivable messages out of q for a move.
func (mv *mover) takeVisible(q *queue, n int) []*message {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []*message
	if q.fifo {
		for e := q.avail.Front(); e != nil && len(out) < n; e = e.Next() {
			for _, m := range e.Value.(*group).msgs {
				if len(out) == n || m.heapIndex >= 0 {
					break
				}
				out = append(out, m)
			}
		}
	} else {
		for e := q.ready.Front(); e != nil && len(out) < n; e = e.Next() {
			out = append(out, e.Value.(*message))
		}
	}
	for _, m := range out {
		q.removeLocked(m)
	}
	return out
}

// CancelMoveTask stops a running task and returns how many messages it
// moved.
func (s *Service) CancelMoveTask(handle string) (int64, error) {
	if ref, ok := s.ParseARN(TaskSource(handle)); ok && s.cl != nil {
		out, err := s.cl.cancel.Do(context.Background(), &queueIn{Ref: ref, Keys: []string{handle}})
		if err != nil {
			return 0, err
		}
		return out.Number, nil
	}
	return s.cancelMoveTask(handle)
}

func (s *Service) cancelMoveTask(handle string) (int64, error) {
	mv := s.moves
	mv.mu.Lock()
	defer mv.mu.Unlock()
	for _, ts := range mv.tasks {
		for _, t := range ts {
			if t.TaskHandle == handle {
				if t.Status != "RUNNING" {
					return 0, awserr.New(ErrUnsupportedOperation, "Only active tasks can be cancelled.")
				}
				t.Status = "CANCELLING"
				t.cancel()
				return t.Moved, nil
			}
		}
	}
	return 0, awserr.New(ErrResourceNotFound, "The task handle %s does not exist.", handle)
}

// MoveTasks lists the newest tasks of a source queue, newest first.
func (s *Service) MoveTasks(sourceARN string, maxResults int) ([]MoveTask, error) {
	if ref, ok := s.ParseARN(sourceARN); ok && s.cl != nil {
		out, err := s.cl.tasks.Do(context.Background(), &queueIn{Ref: ref, Number: maxResults})
		if err != nil {
			return nil, err
		}
		return out.Tasks, nil
	}
	return s.moveTasks(sourceARN, maxResults)
}

func (s *Service) moveTasks(sourceARN string, maxResults int) ([]MoveTask, error) {
	if _, err := s.queueByARN(sourceARN); err != nil {
		return nil, awserr.New(ErrResourceNotFound, "The resource that you specified for the SourceArn parameter doesn't exist.")
	}
	if maxResults == 0 {
		maxResults = 1
	}
	if maxResults < 1 || maxResults > 10 {
		return nil, invalidParameter("MaxResults", maxResults, "Must be between 1 and 10.")
	}
	mv := s.moves
	mv.mu.Lock()
	defer mv.mu.Unlock()
	var out []MoveTask
	for _, t := range mv.tasks[sourceARN] {
		out = append(out, *t)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Started.After(out[j].Started) })
	if len(out) > maxResults {
		out = out[:maxResults]
	}
	return out, nil
}
