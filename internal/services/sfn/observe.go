package sfn

import "time"

// Observer is told every event executions record, as they record it (not
// the events a restarted execution replays, which it was told before),
// for metrics and the bill. Observe must be quick and must not block.
type Observer interface {
	Observe(o *Observed)
}

// Observed is one event of an execution.
type Observed struct {
	Execution    string // the execution's ARN
	StateMachine string // the state machine's unqualified ARN
	Region       string
	Express      bool
	Start        time.Time // when the execution started
	Event        *HistoryEvent
	// Due is when the wait or the retry's delay that the event begins
	// ends: a task's failure with a due time is retried.
	Due time.Time
}

// ExpressBilled is what an Express execution that ran for d is billed:
// 64 MB, for d rounded up to the next 100 ms (100 ms at least).
func ExpressBilled(d time.Duration) (memoryMB, ms int64) {
	ms = d.Milliseconds()
	return billedMemoryMB, max((ms+99)/100*100, 100)
}

func (s *Service) observe(m *execMeta, express bool, e *HistoryEvent, due time.Time) {
	if s.opts.Observer == nil {
		return
	}
	s.opts.Observer.Observe(&Observed{Execution: m.Arn, StateMachine: m.MachineArn, Region: m.Region, Express: express,
		Start: m.Start, Event: e, Due: due})
}
