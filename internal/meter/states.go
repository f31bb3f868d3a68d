package meter

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// Step Functions' bill: Standard workflows' state transitions (every state
// entered and every retry), with a monthly free tier, and Express
// workflows' requests and duration (billed at 64 MB in 100 ms steps), per
// month, region and state machine. Like DynamoDB's usage, a state
// machine's totals of a month are kept in memory and written as a snapshot
// (meter.<month>.<region>.states.<machine>, rolling up the one before)
// every SnapshotEvery, so a crash loses at most that much of it, and a
// transition costs the store nothing.

// StepFunctionsPrices are Step Functions' prices in US dollars (US East;
// Express duration at its first tier) and its free tier.
type StepFunctionsPrices struct {
	StateTransitionsPer1000   float64 `json:"stateTransitionsPer1000"`
	FreeStateTransitions      int64   `json:"freeStateTransitions"`
	ExpressRequestsPerMillion float64 `json:"expressRequestsPerMillion"`
	ExpressGBSecond           float64 `json:"expressGBSecond"`
}

// DefaultStepFunctionsPrices are Step Functions' public prices.
func DefaultStepFunctionsPrices() StepFunctionsPrices {
	return StepFunctionsPrices{StateTransitionsPer1000: 0.025, FreeStateTransitions: 4000, ExpressRequestsPerMillion: 1.00, ExpressGBSecond: 0.00001667}
}

// StatesUsage is what a state machine used.
type StatesUsage struct {
	Transitions int64 `json:"transitions,omitempty"` // Standard
	Requests    int64 `json:"requests,omitempty"`    // Express
	MBMs        int64 `json:"mbMs,omitempty"`        // Express: billed ms x 64 MB
}

// statesUsage is one state machine's usage in a month.
type statesUsage struct {
	month, region, machine string
	StatesUsage
	dirty bool
}

func statesSubject(month, region, machine string) string {
	return store.Key(Prefix, month, region, "states", machine)
}

func (m *Meter) statesLocked(month, region, machine string) *statesUsage {
	if m.states == nil {
		m.states = map[string]*statesUsage{}
	}
	subject := statesSubject(month, region, machine)
	u := m.states[subject]
	if u == nil {
		u = &statesUsage{month: month, region: region, machine: machine}
		m.states[subject] = u
	}
	return u
}

// AddStates meters what a region's state machine used at t.
func (m *Meter) AddStates(t time.Time, region, machine string, add StatesUsage) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.statesLocked(Month(t), region, machine)
	u.Transitions += add.Transitions
	u.Requests += add.Requests
	u.MBMs += add.MBMs
	u.dirty = true
}

// snapshotStatesLocked writes the state machines' totals that changed.
func (m *Meter) snapshotStatesLocked() error {
	for subject, u := range m.states {
		if !u.dirty {
			continue
		}
		data, _ := json.Marshal(u.StatesUsage)
		if err := m.stream.Replace(subject, data); err != nil {
			return fmt.Errorf("snapshot %s: %w", subject, err)
		}
		u.dirty = false
	}
	return nil
}

// loadStates reads a state machine's snapshot (t are its subject's
// tokens).
func (m *Meter) loadStates(t []string, data []byte) {
	var u StatesUsage
	if json.Unmarshal(data, &u) != nil {
		return
	}
	m.statesLocked(t[1], t[2], t[4]).StatesUsage = u
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

// statesReport adds the month's state machines of region (all if "") to
// r, less the free transitions.
func (m *Meter) statesReport(r *Report, month, region string, p StepFunctionsPrices) {
	r.StateMachines = []StatesCost{}
	var transitions int64
	m.mu.Lock()
	for _, u := range m.states {
		if u.month != month || region != "" && u.region != region {
			continue
		}
		c := StatesCost{Region: u.region, StateMachine: u.machine, StatesUsage: u.StatesUsage, GBSeconds: GBSeconds(u.MBMs)}
		c.Cost = float64(c.Transitions)*p.StateTransitionsPer1000/1000 + float64(c.Requests)*p.ExpressRequestsPerMillion/1e6 +
			c.GBSeconds*p.ExpressGBSecond
		r.StateMachines = append(r.StateMachines, c)
		transitions += c.Transitions
		r.GrossCost += c.Cost
		r.Cost += c.Cost
	}
	m.mu.Unlock()
	sort.Slice(r.StateMachines, func(i, j int) bool {
		a, b := r.StateMachines[i], r.StateMachines[j]
		return a.StateMachine < b.StateMachine || a.StateMachine == b.StateMachine && a.Region < b.Region
	})
	r.FreeStateTransitions = min(transitions, p.FreeStateTransitions)
	r.Cost -= float64(r.FreeStateTransitions) * p.StateTransitionsPer1000 / 1000
}
