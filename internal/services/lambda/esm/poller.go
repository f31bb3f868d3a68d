package esm

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/eventfilter"
	"github.com/nubo-dev/nubo/internal/services/sqs"
)

// Run starts the pollers of enabled mappings, follows every change made
// through the API, and stops the pollers when ctx ends.
func (s *Service) Run(ctx context.Context) error {
	running := map[string]stopper{}
	defer func() {
		for _, p := range running {
			p.stop()
		}
	}()
	s.mu.Lock()
	for id := range s.mappings {
		s.notify(id)
	}
	s.mu.Unlock()
	for {
		select {
		case <-ctx.Done():
			return nil
		case id := <-s.changed:
			if p := running[id]; p != nil {
				p.stop()
				delete(running, id)
			}
			if p := s.reconcile(ctx, id); p != nil {
				running[id] = p
			}
		}
	}
}

// stopper is a running poller.
type stopper interface{ stop() }

// reconcile settles a mapping into its resting state and starts its poller
// when it is enabled.
func (s *Service) reconcile(ctx context.Context, id string) stopper {
	s.mu.Lock()
	m := s.mappings[id]
	if m == nil {
		s.mu.Unlock()
		return nil
	}
	if m.Config.State == StateDeleting {
		delete(s.mappings, id)
		s.mu.Unlock()
		if err := s.kv.Delete(ctx, key(id)); err != nil {
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
		if err := s.save(ctx, &next); err != nil {
			s.log.Error("esm: save mapping state", "uuid", id, "err", err)
		}
		s.mappings[id] = &next
	}
	s.mu.Unlock()
	if !next.Enabled {
		return nil
	}
	if next.stream() {
		if s.streams == nil {
			return nil
		}
		return s.startStream(ctx, &next)
	}
	ref, ok := s.queues.ParseARN(next.Config.EventSourceArn)
	if !ok {
		return nil
	}
	pctx, cancel := context.WithCancel(ctx)
	p := &poller{s: s, m: &next, queue: ref, cancel: cancel, filters: next.filters()}
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
}

func (p *poller) stop() {
	p.cancel()
	p.wg.Wait()
}

// spawn adds a worker unless the mapping is at its concurrency.
func (p *poller) spawn(ctx context.Context) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.workers >= p.m.concurrency() || ctx.Err() != nil {
		return
	}
	p.workers++
	p.wg.Add(1)
	go p.work(ctx)
}

// leave ends a worker that found nothing to do, unless it is the last.
func (p *poller) leave() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.workers <= 1 {
		return false
	}
	p.workers--
	return true
}

func (p *poller) work(ctx context.Context) {
	defer p.wg.Done()
	for ctx.Err() == nil {
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
			if p.leave() {
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
