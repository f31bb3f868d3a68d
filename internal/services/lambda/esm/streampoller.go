package esm

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/eventfilter"
	"github.com/nubo-dev/nubo/internal/store"
)

// A stream mapping reads every shard of its stream, a shard only once its
// parent is read to its end, so that records of one key stay in order
// across shards. Each shard's position is a checkpoint in the mapping's KV
// bucket (esmcp.<uuid>.<shard>), written after every batch the function
// has taken, so a restart, even after kill -9, resumes where processing
// stopped: a record is processed at least once and never skipped.

// checkpoint is a shard's durable position.
type checkpoint struct {
	// Seq is the last sequence number processed; Done a shard read to its
	// end.
	Seq  uint64 `json:"seq"`
	Done bool   `json:"done,omitempty"`
	// Skipped marks a closed shard LATEST left unread.
	Skipped bool `json:"skipped,omitempty"`
	// Windows are the open tumbling windows' states, by lane.
	Windows map[int]*windowState `json:"windows,omitempty"`
}

// windowState is a tumbling window's aggregate so far.
type windowState struct {
	Start int64           `json:"start"` // Unix seconds
	State json.RawMessage `json:"state,omitempty"`
}

func checkpointKey(id, shard string) string { return store.Key("esmcp", id, shard) }

func (s *Service) loadCheckpoint(ctx context.Context, id, shard string) (*checkpoint, error) {
	e, err := s.kv.Get(ctx, checkpointKey(id, shard))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var cp checkpoint
	return &cp, json.Unmarshal(e.Value, &cp)
}

func (s *Service) saveCheckpoint(ctx context.Context, id, shard string, cp *checkpoint) error {
	b, _ := json.Marshal(cp)
	_, err := s.kv.Put(ctx, checkpointKey(id, shard), b)
	return err
}

// deleteCheckpoints forgets a deleted mapping's shard positions.
func (s *Service) deleteCheckpoints(ctx context.Context, id string) {
	keys, err := s.kv.Keys(ctx, store.Key("esmcp", id))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.Error("esm: list checkpoints", "uuid", id, "err", err)
	}
	for _, k := range keys {
		if err := s.kv.Delete(ctx, k); err != nil {
			s.log.Error("esm: delete checkpoint", "uuid", id, "key", k, "err", err)
		}
	}
}

// streamPoller runs a stream mapping: a worker per readable shard.
type streamPoller struct {
	s       *Service
	m       *mapping
	arn     string
	set     streamSettings
	filters []*eventfilter.Pattern
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	// started is when the mapping first ran, for shards it found.
	started time.Time
}

func (s *Service) startStream(ctx context.Context, m *mapping) stopper {
	ctx, cancel := context.WithCancel(ctx)
	p := &streamPoller{s: s, m: m, arn: m.Config.EventSourceArn, set: m.streamSettings(), filters: m.filters(), cancel: cancel, started: m.Created}
	p.wg.Add(1)
	go p.run(ctx)
	return p
}

func (p *streamPoller) halt() { p.cancel() }

func (p *streamPoller) stop() {
	p.cancel()
	p.wg.Wait()
}

// run starts a worker for each shard that is ready, until ctx ends.
func (p *streamPoller) run(ctx context.Context) {
	defer p.wg.Done()
	running := map[string]bool{}
	finished := make(chan string, 16)
	for ctx.Err() == nil {
		shards, err := p.s.streams.Shards(ctx, p.arn)
		if err != nil {
			p.s.setResult(p.m.Config.UUID, "PROBLEM: Stream does not exist")
			sleep(ctx, time.Second)
			continue
		}
		present := map[string]bool{}
		for _, sh := range shards {
			present[sh.ID] = true
		}
		for i, sh := range shards {
			if running[sh.ID] || sh.Parent != "" && present[sh.Parent] && !p.done(ctx, sh.Parent) || p.done(ctx, sh.ID) {
				continue
			}
			running[sh.ID] = true
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				p.shard(ctx, sh, i == len(shards)-1)
				finished <- sh.ID
			}()
		}
		t := time.NewTimer(time.Second)
		select {
		case <-ctx.Done():
		case id := <-finished:
			delete(running, id)
		case <-t.C:
		}
		t.Stop()
	}
	for len(running) > 0 { // drain the workers' reports
		delete(running, <-finished)
	}
}

// done tells whether a shard was read to its end.
func (p *streamPoller) done(ctx context.Context, shard string) bool {
	cp, err := p.s.loadCheckpoint(ctx, p.m.Config.UUID, shard)
	return err == nil && cp != nil && cp.Done
}

// start is where a shard without a checkpoint is read from: LATEST skips
// what the stream holds (the open shard from its next record, closed ones
// entirely); TRIM_HORIZON and AT_TIMESTAMP read all that is kept (the
// latter skips older records as it reads).
func (p *streamPoller) start(sh Shard, last bool) (*checkpoint, error) {
	cp := &checkpoint{Seq: sh.First - 1}
	if p.m.Config.StartingPosition != "LATEST" || sh.Parent != "" && p.childOfRead(sh) {
		return cp, nil
	}
	if !last {
		return &checkpoint{Seq: sh.End - 1, Done: true, Skipped: true}, nil
	}
	next, err := p.s.streams.Next(p.arn)
	if err != nil {
		return nil, err
	}
	cp.Seq = max(next, sh.First) - 1
	return cp, nil
}

// childOfRead tells whether a shard's parent was read by this mapping
// (so the shard started after the mapping did, and is read whole).
func (p *streamPoller) childOfRead(sh Shard) bool {
	cp, err := p.s.loadCheckpoint(context.Background(), p.m.Config.UUID, sh.Parent)
	return err == nil && cp != nil && cp.Done && !cp.Skipped
}

// shard reads one shard from its checkpoint until its end (or ctx's).
func (p *streamPoller) shard(ctx context.Context, sh Shard, last bool) {
	id := p.m.Config.UUID
	cp, err := p.s.loadCheckpoint(ctx, id, sh.ID)
	if err == nil && cp == nil {
		if cp, err = p.start(sh, last); err == nil {
			err = p.s.saveCheckpoint(ctx, id, sh.ID, cp)
		}
	}
	if err != nil {
		p.s.log.Warn("esm: shard checkpoint", "uuid", id, "shard", sh.ID, "err", err)
		return
	}
	w := &shardWorker{p: p, sh: sh, cp: cp}
	for ctx.Err() == nil && !cp.Done {
		w.step(ctx)
	}
}

// step reads and processes the next records of the shard, or waits for
// some.
func (w *shardWorker) step(ctx context.Context) {
	p := w.p
	if !p.s.serving() {
		// Fenced: another node may be taking the mapping over.
		sleep(ctx, 100*time.Millisecond)
		return
	}
	wake, err := p.s.streams.Wait(p.arn)
	if err == nil {
		w.sh, err = w.refresh(ctx)
	}
	var recs []StreamRecord
	if err == nil {
		recs, err = w.read(ctx, wake)
	}
	if err != nil {
		sleep(ctx, time.Second)
		return
	}
	if len(recs) == 0 {
		if w.sh.End != 0 && w.cp.Seq+1 >= w.sh.End {
			w.closeWindows(ctx, time.Time{})
			w.cp.Done = true
			w.save(ctx)
			return
		}
		w.closeWindows(ctx, time.Now())
		t := time.NewTimer(time.Second)
		select {
		case <-ctx.Done():
		case <-wake:
		case <-t.C:
		}
		t.Stop()
		return
	}
	if w.process(ctx, recs) {
		w.cp.Seq = recs[len(recs)-1].Seq
		w.save(ctx)
	}
}

// read reads the shard's next records: up to a batch per lane, waiting up
// to the batching window for a full batch.
func (w *shardWorker) read(ctx context.Context, wake <-chan struct{}) ([]StreamRecord, error) {
	limit := min(w.p.set.batch*w.p.set.parallel, 10000)
	deadline := time.Now().Add(w.p.set.batchingWindow)
	for {
		recs, _, err := w.p.s.streams.Read(ctx, w.p.arn, w.sh, w.cp.Seq+1, limit)
		if err != nil || len(recs) == 0 || len(recs) >= w.p.set.batch || !time.Now().Before(deadline) {
			return recs, err
		}
		t := time.NewTimer(time.Until(deadline))
		select {
		case <-ctx.Done():
		case <-wake:
		case <-t.C:
		}
		t.Stop()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if wake, err = w.p.s.streams.Wait(w.p.arn); err != nil {
			return nil, err
		}
	}
}

// refresh rereads the shard, which may have closed since.
func (w *shardWorker) refresh(ctx context.Context) (Shard, error) {
	shards, err := w.p.s.streams.Shards(ctx, w.p.arn)
	if err != nil {
		return w.sh, err
	}
	for _, sh := range shards {
		if sh.ID == w.sh.ID {
			return sh, nil
		}
	}
	return w.sh, nil
}

func (w *shardWorker) save(ctx context.Context) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.p.s.saveCheckpoint(ctx, w.p.m.Config.UUID, w.sh.ID, w.cp); err != nil && ctx.Err() == nil {
		w.p.s.log.Error("esm: save checkpoint", "uuid", w.p.m.Config.UUID, "shard", w.sh.ID, "err", err)
	}
}
