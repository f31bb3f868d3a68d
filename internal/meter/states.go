package meter

import "time"

// Step Functions' bill: Standard workflows' state transitions (every state
// entered and every retry), with a monthly free tier, and Express
// workflows' requests and duration (billed at 64 MB in 100 ms steps), per
// month, region and state machine, in a ledger
// (meter.<month>.<region>.states.<machine>): a transition costs the store
// nothing.

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

func (u StatesUsage) plus(o StatesUsage) StatesUsage {
	return StatesUsage{u.Transitions + o.Transitions, u.Requests + o.Requests, u.MBMs + o.MBMs}
}

// AddStates meters what a region's state machine used at t.
func (m *Meter) AddStates(t time.Time, region, machine string, add StatesUsage) {
	m.states.add(t, region, machine, func(u *StatesUsage) bool {
		u.Transitions += add.Transitions
		u.Requests += add.Requests
		u.MBMs += add.MBMs
		return true
	})
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
	var transitions int64
	r.StateMachines = costs(r, m.states, month, region, func(u row[StatesUsage]) (StatesCost, float64) {
		c := StatesCost{Region: u.region, StateMachine: u.name, StatesUsage: u.usage, GBSeconds: GBSeconds(u.usage.MBMs)}
		c.Cost = float64(c.Transitions)*p.StateTransitionsPer1000/1000 + float64(c.Requests)*p.ExpressRequestsPerMillion/1e6 +
			c.GBSeconds*p.ExpressGBSecond
		transitions += c.Transitions
		return c, c.Cost
	})
	r.FreeStateTransitions = min(transitions, p.FreeStateTransitions)
	r.Cost -= float64(r.FreeStateTransitions) * p.StateTransitionsPer1000 / 1000
}
