package meter

import "time"

// EventBridge's bill: custom events (PutEvents entries, each 64 KB chunk
// one event) per month and region, at CustomEventsPerMillion, in a ledger
// (meter.<month>.<region>.events.custom).

// eventsUsage is a region's custom events in a month.
type eventsUsage struct {
	Custom int64 `json:"custom"`
}

func (u eventsUsage) plus(o eventsUsage) eventsUsage { return eventsUsage{u.Custom + o.Custom} }

// AddEvents meters n custom events put on a region's buses at t.
func (m *Meter) AddEvents(t time.Time, region string, n int64) {
	m.events.add(t, region, "custom", func(u *eventsUsage) bool {
		u.Custom += n
		return true
	})
}

// EventsCost is a region's custom events in a month and their cost (they
// have no free tier).
type EventsCost struct {
	Region       string  `json:"region"`
	CustomEvents int64   `json:"customEvents"`
	Cost         float64 `json:"cost"`
}

// eventsReport adds the month's custom events of region (all if "") to r.
func (m *Meter) eventsReport(r *Report, month, region string, perMillion float64) {
	r.Events = costs(r, m.events, month, region, func(u row[eventsUsage]) (EventsCost, float64) {
		c := EventsCost{Region: u.region, CustomEvents: u.usage.Custom, Cost: float64(u.usage.Custom) * perMillion / 1e6}
		return c, c.Cost
	})
}
