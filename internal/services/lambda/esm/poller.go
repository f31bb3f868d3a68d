package esm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/eventfilter"
	"github.com/nubo-dev/nubo/internal/services/sqs"
	"github.com/nubo-dev/nubo/internal/store"
)

// Run starts the pollers of enabled mappings, follows every change made
// through the API (and, in a cluster, through the other nodes), and stops
// the pollers when ctx ends.
func (s *Service) Run(ctx context.Context) error {
	defer func() {
		s.runMu.Lock()
		defer s.runMu.Unlock()
		for id, r := range s.running {
			r.p.stop()
			delete(s.running, id)
		}
		s.stopping.Wait()
	}()
	s.mu.Lock()
	for id := range s.mappings {
		s.notify(id)
	}
	s.mu.Unlock()
	s.track()
	for {
		select {
		case <-ctx.Done():
			return nil
		case id := <-s.changed:
			s.restart(ctx, id)
			s.track()
		}
	}
}

// stopper is a running poller: halt cancels it, stop cancels it and
// waits for its workers to end.
type stopper interface {
	halt()
	stop()
}

// run is a running poller and the mapping it runs.
type run struct {
	p stopper
	m *mapping
}

// restart brings a mapping's poller in line with the mapping: it stops
// one that runs settings no longer current (or a mapping no longer to run
// here), settles the mapping into its resting state, and starts the
// poller if it is to run here and is not running.
func (s *Service) restart(ctx context.Context, id string) {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	s.mu.Lock()
	m := s.mappings[id]
	s.mu.Unlock()
	cur := s.running[id]
	stopped := false
	if cur != nil && (m == nil || !s.runsHere(m) || !sameRun(cur.m, m)) {
		cur.p.stop()
		delete(s.running, id)
		cur, stopped = nil, true
	}
	next := s.reconcile(ctx, id, stopped)
	if cur == nil && next != nil && s.runsHere(next) {
		if p := s.start(ctx, next); p != nil {
			s.running[id] = &run{p: p, m: next}
		}
	}
}

// runsHere tells whether m's poller is to run on this node: an enabled
// mapping's, a stream's only on the node the group gave it to.
func (s *Service) runsHere(m *mapping) bool {
	if !m.Enabled || m.Config.State == StateDeleting {
		return false
	}
	if !m.stream() || s.group == nil {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held[m.Config.UUID]
}

// sameRun tells whether two versions of a mapping run alike (they differ
// at most in state and processing result).
func sameRun(a, b *mapping) bool {
	strip := func(m *mapping) []byte {
		c := *m
		c.Config.State, c.Config.LastModified, c.Config.LastProcessingResult, c.Config.StateTransitionReason = "", epoch{}, "", ""
		out, _ := json.Marshal(c)
		return out
	}
	return bytes.Equal(strip(a), strip(b))
}

// reconcile settles a mapping into its resting state: a deleted one is
// removed with its checkpoints (once its poller here stopped, told by
// stopped, so that none is written after), another one is Enabled or
// Disabled. It returns the mapping, nil once deleted.
func (s *Service) reconcile(ctx context.Context, id string, stopped bool) *mapping {
	s.mu.Lock()
	m := s.mappings[id]
	if m == nil { // deleted through another node
		s.mu.Unlock()
		if stopped {
			s.deleteCheckpoints(ctx, id)
		}
		return nil
	}
	if m.Config.State == StateDeleting {
		delete(s.mappings, id)
		err := s.kv.Delete(ctx, key(id))
		s.revs.Deleted(key(id))
		s.mu.Unlock()
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.log.Error("esm: delete mapping", "uuid", id, "err", err)
		}
		s.deleteCheckpoints(ctx, id)
		return nil
	}
	next := *m
	next.Config.State = StateDisabled
	if m.Enabled {
		next.Config.State = StateEnabled
	}
	if next.Config.State != m.Config.State {
		next.Config.LastModified = epoch(time.Now())
		// Every node settles the mappings it follows: the first write
		// wins, and one based on a version since changed (an update made
		// through another node) is dropped, the change to come.
		b, _ := json.Marshal(&next)
		rev, err := s.kv.Update(ctx, key(id), b, m.rev)
		switch {
		case err == nil:
			s.revs.Wrote(key(id), rev)
			next.rev = rev
			s.mappings[id] = &next
		case errors.Is(err, store.ErrRevision) || errors.Is(err, store.ErrNotFound):
		default:
			s.log.Error("esm: save mapping state", "uuid", id, "err", err)
		}
	}
	s.mu.Unlock()
	return &next
}

// start starts an enabled mapping's poller.
func (s *Service) start(ctx context.Context, m *mapping) stopper {
	if m.stream() {
		if s.streams == nil {
			return nil
		}
		return s.startStream(ctx, m)
	}
	ref, ok := s.queues.ParseARN(m.Config.EventSourceArn)
	if !ok {
		return nil
	}
	pctx, cancel := context.WithCancel(ctx)
	p := &poller{s: s, m: m, queue: ref, cancel: cancel, filters: m.filters()}
	p.start(pctx)
	return p
}

// poller feeds one mapping's function from its queue with up to the
// mapping's concurrency of workers: it starts with one, adds one whenever
// a worker takes a full batch, and a worker that finds the queue empty
// leaves while others remain.
type poller struct {
	s       *Service
	m       *mapping
	queue   sqs.Ref
	filters []*eventfilter.Pattern
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	mu      sync.Mutex
	workers int
}

func (p *poller) start(ctx context.Context) {
	p.spawn(ctx)
	if p.s.cl != nil {
		p.wg.Add(1)
		go p.keep(ctx)
	}
}

func (p *poller) halt() { p.cancel() }

func (p *poller) stop() {
	p.cancel()
	p.wg.Wait()
}

// keep restarts the poller, in a cluster, when its share of the
// mapping's concurrency was none (more nodes than the mapping's
// MaximumConcurrency) and becomes some, as nodes leave.
func (p *poller) keep(ctx context.Context) {
	defer p.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.mu.Lock()
			idle := p.workers == 0
			p.mu.Unlock()
			if idle {
				p.spawn(ctx)
			}
		}
	}
}

// spawn adds a worker unless the mapping is at its concurrency (this
// node's share of it).
func (p *poller) spawn(ctx context.Context) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.workers >= p.s.share(p.m) || ctx.Err() != nil || !p.s.serving() {
		return
	}
	p.workers++
	p.wg.Add(1)
	go p.work(ctx)
}

// leave ends a worker that found nothing to do, unless it is the last;
// and one beyond this node's share of the mapping's concurrency (which
// shrinks as nodes join), the last too.
func (p *poller) leave(idle bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.workers > p.s.share(p.m) || idle && p.workers > 1 {
		p.workers--
		return true
	}
	return false
}

func (p *poller) work(ctx context.Context) {
	defer p.wg.Done()
	for ctx.Err() == nil {
		if p.leave(false) {
			return
		}
		batch, err := p.collect(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if errors.Is(err, errQueueGone) {
				p.s.setResult(p.m.Config.UUID, "PROBLEM: Event source does not exist")
			}
			sleep(ctx, time.Second)
			continue
		}
		if len(batch) == 0 {
			if p.leave(true) {
				return
			}
			continue
		}
		if len(batch) >= p.m.Config.BatchSize {
			p.spawn(ctx) // a backlog: scale out
		}
		p.process(ctx, batch)
	}
	p.mu.Lock()
	p.workers--
	p.mu.Unlock()
}

var errQueueGone = errors.New("esm: event source queue does not exist")

// collect receives up to BatchSize messages: one long poll when the
// mapping has no batching window, else receives until the batch is full or
// the window ends.
func (p *poller) collect(ctx context.Context) ([]sqs.Message, error) {
	size := p.m.Config.BatchSize
	window := time.Duration(p.m.Config.MaximumBatchingWindowInSeconds) * time.Second
	deadline := time.Now().Add(window)
	var batch []sqs.Message
	for len(batch) < size {
		wait := 20
		if window > 0 {
			left := time.Until(deadline)
			if left <= 0 {
				break
			}
			wait = min(20, int((left+time.Second-1)/time.Second))
			if len(batch) > 0 {
				wait = 0
			}
		} else if len(batch) > 0 {
			wait = 0
		}
		msgs, err := p.s.queues.Receive(ctx, p.queue, sqs.ReceiveInput{
			MaxMessages: min(10, size-len(batch)), WaitSeconds: &wait,
			AttributeNames: []string{"All"}, MessageAttributeNames: []string{"All"},
		})
		if err != nil {
			if errors.Is(err, sqs.ErrQueueDoesNotExist) {
				return nil, errQueueGone
			}
			return nil, err
		}
		batch = append(batch, msgs...)
		if len(msgs) == 0 {
			if window == 0 || len(batch) > 0 && time.Until(deadline) <= 0 {
				break
			}
			if len(batch) > 0 {
				sleep(ctx, min(50*time.Millisecond, time.Until(deadline)))
			}
		}
		if window == 0 && len(msgs) < 10 {
			break
		}
	}
	return batch, nil
}

func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (s *Service) setResult(id, result string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.mappings[id]; m != nil && m.Config.LastProcessingResult != result {
		next := *m
		next.Config.LastProcessingResult = result
		s.mappings[id] = &next
	}
}
