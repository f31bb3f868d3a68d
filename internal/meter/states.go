package meter

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// Step Functions' usage is kept per month, region and state machine:
// Standard executions' state transitions, Express executions' requests and
// their billed duration times memory (MB·ms). It is stored beside the
// functions' usage on the same stream, under subjects with a fifth token
// (meter.MONTH.REGION.states.MACHINE), appended in batches and rolled up
// into snapshots in the same way.

// statesToken is the fourth token of Step Functions' subjects.
const statesToken = "states"

// StatesUsage is what one state machine used.
type StatesUsage struct {
	Transitions int64 `json:"transitions,omitempty"` // Standard
	Requests    int64 `json:"requests,omitempty"`    // Express
	MBMs        int64 `json:"mbMs,omitempty"`        // Express: billed ms x 64 MB
}

func (u *StatesUsage) add(o StatesUsage) {
	u.Transitions += o.Transitions
	u.Requests += o.Requests
	u.MBMs += o.MBMs
}

// statesAccount is a state machine's usage in one month, and whether the
// stream's last snapshot lacks some of it.
type statesAccount struct {
	month, region, machine string
	total                  StatesUsage
	unsnapped              bool
}

// statesStored is a message of a Step Functions subject: usage since the
// last message, or (Snapshot) the month's total.
type statesStored struct {
	StatesUsage
	Snapshot bool `json:"snapshot,omitempty"`
}

func statesSubject(month, region, machine string) string {
	return store.Key(Prefix, month, region, statesToken, machine)
}

// AddStates meters a state machine's usage at t. Like Add, it does not
// wait for the store.
func (m *Meter) AddStates(t time.Time, region, machine string, u StatesUsage) {
	month := Month(t)
	subject := statesSubject(month, region, machine)
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.statesAccountLocked(subject, month, region, machine)
	a.total.add(u)
	a.unsnapped = true
	p := m.pendingStates[subject]
	if p == nil {
		p = &StatesUsage{}
		m.pendingStates[subject] = p
	}
	p.add(u)
	if m.timer == nil {
		m.timer = time.AfterFunc(batchDelay, m.appendPending)
	}
}

func (m *Meter) statesAccountLocked(subject, month, region, machine string) *statesAccount {
	a := m.states[subject]
	if a == nil {
		a = &statesAccount{month: month, region: region, machine: machine}
		m.states[subject] = a
	}
	return a
}

func (m *Meter) appendStatesLocked() {
	for subject, u := range m.pendingStates {
		data, _ := json.Marshal(statesStored{StatesUsage: *u})
		if err := m.stream.Append(subject, data); err != nil {
			m.log.Error("store metered state transitions", "subject", subject, "err", err)
		}
	}
	clear(m.pendingStates)
}

func (m *Meter) snapshotStatesLocked() error {
	for subject, a := range m.states {
		if !a.unsnapped {
			continue
		}
		data, _ := json.Marshal(statesStored{StatesUsage: a.total, Snapshot: true})
		if err := m.stream.Replace(subject, data); err != nil {
			return fmt.Errorf("snapshot %s: %w", subject, err)
		}
		a.unsnapped = false
	}
	return nil
}

// loadStatesLocked applies one stored message of a Step Functions subject.
func (m *Meter) loadStatesLocked(subject, month, region, machine string, data []byte) {
	var s statesStored
	if err := json.Unmarshal(data, &s); err != nil {
		m.log.Warn("skip unreadable meter record", "subject", subject, "err", err)
		return
	}
	a := m.statesAccountLocked(subject, month, region, machine)
	if s.Snapshot {
		a.total = s.StatesUsage
		return
	}
	a.total.add(s.StatesUsage)
	a.unsnapped = true
}

// StatesCost is a state machine's usage in a month and its cost before
// the free tier.
type StatesCost struct {
	Region       string `json:"region"`
	StateMachine string `json:"stateMachine"`
	StatesUsage
	GBSeconds float64 `json:"gbSeconds"`
	Cost      float64 `json:"cost"`
}

// statesReport prices the state machines of month in region (all if ""):
// the lines, their gross cost, and the free transitions used.
func (m *Meter) statesReport(month, region string, prices Prices) (lines []StatesCost, gross float64, free int64) {
	m.mu.Lock()
	lines = []StatesCost{}
	var transitions int64
	for _, a := range m.states {
		if a.month != month || region != "" && a.region != region {
			continue
		}
		c := StatesCost{Region: a.region, StateMachine: a.machine, StatesUsage: a.total, GBSeconds: GBSeconds(a.total.MBMs)}
		c.Cost = float64(c.Transitions)*prices.StateTransitionsPerThousand/1000 + float64(c.Requests)*prices.ExpressRequestsPerMillion/1e6 +
			c.GBSeconds*prices.ExpressGBSecond
		lines = append(lines, c)
		gross += c.Cost
		transitions += c.Transitions
	}
	m.mu.Unlock()
	sort.Slice(lines, func(i, j int) bool {
		a, b := lines[i], lines[j]
		return a.StateMachine < b.StateMachine || a.StateMachine == b.StateMachine && a.Region < b.Region
	})
	return lines, gross, min(transitions, prices.FreeStateTransitions)
}
