package meter

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// EventBridge's bill: custom events (PutEvents entries, each 64 KB chunk
// one event) per month and region, at CustomEventsPerMillion. Like
// DynamoDB's usage, a region's total of a month is kept in memory and
// written as a snapshot (meter.<month>.<region>.events.custom, rolling up
// the one before) every SnapshotEvery, so a crash loses at most that much
// of it, and a busy bus costs the store nothing per event.

// eventsUsage is a region's custom events in a month.
type eventsUsage struct {
	month, region string
	Custom        int64 `json:"custom"`
	dirty         bool
}

func eventsSubject(month, region string) string {
	return store.Key(Prefix, month, region, "events", "custom")
}

func (m *Meter) eventsLocked(month, region string) *eventsUsage {
	if m.events == nil {
		m.events = map[string]*eventsUsage{}
	}
	subject := eventsSubject(month, region)
	u := m.events[subject]
	if u == nil {
		u = &eventsUsage{month: month, region: region}
		m.events[subject] = u
	}
	return u
}

// AddEvents meters n custom events put on a region's buses at t.
func (m *Meter) AddEvents(t time.Time, region string, n int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.eventsLocked(Month(t), region)
	u.Custom += n
	u.dirty = true
}

// snapshotEventsLocked writes the regions' totals that changed.
func (m *Meter) snapshotEventsLocked() error {
	for subject, u := range m.events {
		if !u.dirty {
			continue
		}
		data, _ := json.Marshal(u)
		if err := m.stream.Replace(subject, data); err != nil {
			return fmt.Errorf("snapshot %s: %w", subject, err)
		}
		u.dirty = false
	}
	return nil
}

// loadEvents reads a region's snapshot (t are its subject's tokens).
func (m *Meter) loadEvents(t []string, data []byte) {
	var u eventsUsage
	if json.Unmarshal(data, &u) != nil {
		return
	}
	m.eventsLocked(t[1], t[2]).Custom = u.Custom
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
	m.mu.Lock()
	for _, u := range m.events {
		if u.month == month && (region == "" || u.region == region) {
			r.Events = append(r.Events, EventsCost{Region: u.region, CustomEvents: u.Custom, Cost: float64(u.Custom) * perMillion / 1e6})
		}
	}
	m.mu.Unlock()
	sort.Slice(r.Events, func(i, j int) bool { return r.Events[i].Region < r.Events[j].Region })
	for _, e := range r.Events {
		r.GrossCost += e.Cost
		r.Cost += e.Cost
	}
}
