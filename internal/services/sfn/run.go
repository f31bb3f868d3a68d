package sfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/services/sfn/asl"
	"github.com/nubo-dev/nubo/internal/store"
)

// run is an execution in progress. Its history is appended in memory and
// committed to the table in records (group commits of every thread's
// pending events) before anything happens outside the execution. After a
// restart the recorded events are replayed: each thread runs its states
// again, taking from its records every event it reaches, until its
// records run out and it goes on live.
type run struct {
	s       *Service
	key     string
	m       *asl.Machine
	express bool
	ctx     context.Context
	cancel  context.CancelCauseFunc
	done    chan struct{}

	mu      sync.Mutex
	meta    *execMeta
	input   any // the execution's input, decoded once for $$.Execution.Input
	events  []*HistoryEvent
	pending []recEvent
	nextID  int64
	seq     int
	replay  map[string][]recEvent

	commitMu sync.Mutex
	// resumedAt is when a node of a cluster resumed the run after taking
	// it over (zero otherwise): answers to its tasks wait a moment for
	// its replay to reach them.
	resumedAt time.Time
}

// maxEvents is how many events an execution's history holds; an
// execution that would record more fails (and a loop of pure states, never
// committed on its own, cannot grow without bound).
const maxEvents = 25000

// Why a run's context ends.
var (
	errTimedOut = errors.New("execution timed out")
	errDiverged = errors.New("the execution's records do not match its definition")
)

// stopped is the cause of a run StopExecution ended.
type stopped struct{ Name, Cause string }

func (s *stopped) Error() string { return "stopped: " + s.Name }

// thread is one line of an execution: the top level, a Parallel branch
// or a Map iteration.
type thread struct {
	r    *run
	id   string
	last int64 // the last event of this thread: the next one's previousEventId
	vars *vars
	ctx  context.Context
	// item is $$.Map.Item in a Map iteration.
	item map[string]any
}

// vars is a scope of workflow variables: a thread's own, over the frozen
// scope of the state that started it.
type vars struct {
	parent *vars
	m      map[string]any
}

func (v *vars) Lookup(name string) (any, bool) {
	for s := v; s != nil; s = s.parent {
		if x, ok := s.m[name]; ok {
			return x, true
		}
	}
	return nil, false
}

func (v *vars) child() *vars { return &vars{parent: v, m: map[string]any{}} }

// replaying reports whether the thread still has recorded events to take.
func (th *thread) replaying() bool {
	th.r.mu.Lock()
	defer th.r.mu.Unlock()
	return len(th.r.replay[th.id]) > 0
}

// peek returns the thread's next recorded event, if any.
func (th *thread) peek() *recEvent {
	th.r.mu.Lock()
	defer th.r.mu.Unlock()
	if q := th.r.replay[th.id]; len(q) > 0 {
		return &q[0]
	}
	return nil
}

// emit appends an event of the thread, or takes its recorded twin while
// replaying. set fills in a new event's details; due is a wait's end.
func (th *thread) emit(typ string, set func(*HistoryEvent), due time.Time) (*recEvent, error) {
	r := th.r
	r.mu.Lock()
	if q := r.replay[th.id]; len(q) > 0 {
		rec := q[0]
		r.replay[th.id] = q[1:]
		r.mu.Unlock()
		if rec.E.Type != typ {
			return nil, fmt.Errorf("%w: recorded %s, replayed %s", errDiverged, rec.E.Type, typ)
		}
		th.last = rec.E.ID
		return &rec, nil
	}
	if r.nextID > maxEvents && !strings.HasPrefix(typ, "Execution") {
		r.mu.Unlock()
		return nil, asl.Failf(asl.ErrRuntime, "The execution reached the maximum number of history events (%d).", maxEvents)
	}
	e := &HistoryEvent{Type: typ, ID: r.nextID, PreviousEventID: th.last, Timestamp: At(r.s.clock.Now())}
	r.nextID++
	if set != nil {
		set(e)
	}
	rec := recEvent{E: e, T: th.id}
	if !due.IsZero() {
		rec.Due = due.UnixMilli()
	}
	r.events = append(r.events, e)
	if !r.express {
		r.pending = append(r.pending, rec)
	}
	meta := r.meta
	r.mu.Unlock()
	th.last = e.ID
	r.s.logEvent(r.ctx, meta, e)
	r.s.observe(meta, r.express, e, due)
	return &rec, nil
}

// commit stores every pending event of the execution and returns once
// they are stored; with meta it also stores the execution's metadata
// (metaStart, at its start, or metaOutcome). Express executions store
// nothing.
func (r *run) commit(ctx context.Context, meta metaRowsKind) error {
	if r.express {
		return nil
	}
	r.commitMu.Lock()
	defer r.commitMu.Unlock()
	r.mu.Lock()
	batch := r.pending
	r.pending = nil
	var rows []store.Row
	var err error
	if meta != metaNone {
		rows, err = metaRows(r.key, r.meta, meta == metaStart)
	}
	r.mu.Unlock()
	if err != nil {
		return err
	}
	records, err := historyRows(r.key, r.seq, batch)
	if err != nil {
		return err
	}
	rows = append(records, rows...)
	if len(rows) == 0 {
		return nil
	}
	if r.s.cl != nil && !r.s.holds(r.key) {
		// Another node may have taken the execution over: it must be
		// the only one to append to the history.
		r.cancel(errNotHeld)
		return errNotHeld
	}
	r.seq += len(records)
	// Stored even when the run is stopping: a commit is what makes a
	// step durable, and the shutdown must not lose one that was promised.
	err = r.s.table.Write(rows...).Wait(context.WithoutCancel(ctx))
	if err != nil && r.s.cl != nil && errors.Is(err, store.ErrUnavailable) {
		r.cancel(errNotHeld)
	}
	return err
}

// maxRecord bounds a history record; a commit with more events is stored
// as several records. Their rows may land in any order, so loading stops
// at the first missing record: what follows was never acknowledged.
const maxRecord = 1 << 20

// historyRows encodes events as records numbered from seq.
func historyRows(key string, seq int, events []recEvent) ([]store.Row, error) {
	var rows []store.Row
	var cur []recEvent
	size := 0
	flush := func() error {
		row, err := historyRow(key, seq+len(rows), &record{Events: cur})
		if err == nil {
			rows = append(rows, row)
		}
		cur, size = nil, 0
		return err
	}
	for _, e := range events {
		b, err := json.Marshal(e)
		if err != nil {
			return nil, err
		}
		if len(cur) > 0 && size+len(b) > maxRecord {
			if err := flush(); err != nil {
				return nil, err
			}
		}
		cur, size = append(cur, e), size+len(b)
	}
	if len(cur) > 0 {
		if err := flush(); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// metaRowsKind says which metadata a commit stores with the events.
type metaRowsKind int

const (
	metaNone metaRowsKind = iota
	metaStart
	metaOutcome
)

// durable commits before an effect outside the execution, unless the
// thread is replaying (the effect is recorded already).
func (th *thread) durable() error {
	if th.replaying() {
		return nil
	}
	return th.r.commit(th.ctx, metaNone)
}

// sleep waits until t on the service's clock, or for the thread's end.
func (th *thread) sleep(t time.Time) error {
	d := t.Sub(th.r.s.clock.Now())
	if d <= 0 {
		return th.ctx.Err()
	}
	select {
	case <-th.r.s.clock.After(d):
		return nil
	case <-th.ctx.Done():
		return th.ctx.Err()
	}
}

// payload renders a value as the JSON of an event or an output: compact,
// without HTML escaping.
func payload(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "null"
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// decodeJSON reads JSON keeping numbers exact.
func decodeJSON(s string) (any, error) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

var noTruncation = &Truncated{}

func strp(s string) *string { return &s }
