package esm

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/eventfilter"
	"github.com/nubo-dev/nubo/internal/services/sqs"
)

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
