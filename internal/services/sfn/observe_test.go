package sfn

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"
)

// observer records what it is told.
type observer struct {
	mu   sync.Mutex
	seen []*Observed
}

func (o *observer) Observe(x *Observed) {
	o.mu.Lock()
	o.seen = append(o.seen, x)
	o.mu.Unlock()
}

func (o *observer) types() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, x := range o.seen {
		out = append(out, x.Event.Type)
	}
	return strings.Join(out, " ")
}

// The observer is told each event once, as it is recorded: not again
// when a restarted execution replays it; a retried failure carries the
// retry's due time.
func TestObserver(t *testing.T) {
	obs := &observer{}
	withObserver := func(o *Options) { o.Observer = obs }
	h := newHarness(t, withObserver)
	fails := 1
	h.integ.fn = func(ctx context.Context, req *TaskRequest) (json.RawMessage, error) {
		if fails > 0 {
			fails--
			return nil, &TaskError{Name: "Boom", Cause: "once"}
		}
		return json.RawMessage(`{}`), nil
	}
	arn := h.create("observed", "", `{"StartAt": "T", "States": {
		"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 5}], "Next": "W"},
		"W": {"Type": "Wait", "Seconds": 3600, "End": true}}}`)
	exec := h.startExec(arn, `{}`)
	h.clock.WaitFor(t, 5*time.Second)
	h.clock.Advance(5 * time.Second)
	h.clock.WaitFor(t, time.Hour)
	h.stop()
	h.clock.mu.Lock()
	h.clock.timers = nil // the stopped service's
	h.clock.mu.Unlock()
	h.start(withObserver)
	h.clock.WaitFor(t, time.Hour)
	h.clock.Advance(time.Hour)
	if d := h.wait(exec); d.Status != StatusSucceeded {
		t.Fatalf("status %s", d.Status)
	}
	if got, want := obs.types(), strings.Join(types(h.history(exec)), " "); got != want {
		t.Errorf("observed %s\nwant the history %s", got, want)
	}
	for _, x := range obs.seen {
		if x.Execution != exec || x.StateMachine != arn || x.Region != "us-east-1" || x.Express || x.Start.IsZero() {
			t.Fatalf("observed %+v", x)
		}
		if x.Event.Type == "TaskFailed" && !x.Due.Equal(x.Event.Timestamp.Add(5*time.Second)) {
			t.Errorf("the retried failure is due %v, want 5 s after %v", x.Due, x.Event.Timestamp)
		}
	}
}

func TestExpressBilled(t *testing.T) {
	for d, want := range map[time.Duration]int64{0: 100, 99 * time.Millisecond: 100, 100 * time.Millisecond: 100, 101 * time.Millisecond: 200, 2500 * time.Millisecond: 2500} {
		if mb, ms := ExpressBilled(d); mb != 64 || ms != want {
			t.Errorf("ExpressBilled(%v) = %d MB, %d ms; want 64 MB, %d ms", d, mb, ms, want)
		}
	}
}
