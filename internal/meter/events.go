package meter

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// eventsAccount is a region's custom events (EventBridge PutEvents
// entries, in 64 KB chunks) in one month, and how many of them the
// stream's last snapshot lacks.
type eventsAccount struct {
	month, region string
	n, unsnapped  int64
}

// eventsSubject is where a region's custom events of a month are stored; a
// fifth token sets them apart from functions' subjects.
func eventsSubject(month, region string) string {
	return store.Key(Prefix, month, region, "events", "custom")
}

// AddEvents meters n custom events put on a region's event buses at t.
// Like Add, it does not wait for the store.
func (m *Meter) AddEvents(t time.Time, region string, n int64) {
	month := Month(t)
	subject := eventsSubject(month, region)
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.eventsAccountLocked(subject, month, region)
	a.n += n
	a.unsnapped += n
	m.pendingEvents[subject] += n
	if m.timer == nil {
		m.timer = time.AfterFunc(batchDelay, m.appendPending)
	}
}

func (m *Meter) eventsAccountLocked(subject, month, region string) *eventsAccount {
	a := m.events[subject]
	if a == nil {
		a = &eventsAccount{month: month, region: region}
		m.events[subject] = a
	}
	return a
}

func (m *Meter) appendEventsLocked() {
	for subject, n := range m.pendingEvents {
		data, _ := json.Marshal(stored{Events: n})
		if err := m.stream.Append(subject, data); err != nil {
			m.log.Error("store metered events", "subject", subject, "err", err)
		}
	}
	clear(m.pendingEvents)
}

func (m *Meter) snapshotEventsLocked() error {
	for subject, a := range m.events {
		if a.unsnapped == 0 {
			continue
		}
		n := a.n
		data, _ := json.Marshal(stored{EventsTotal: &n})
		if err := m.stream.Replace(subject, data); err != nil {
			return fmt.Errorf("snapshot %s: %w", subject, err)
		}
		a.unsnapped = 0
	}
	return nil
}

func (m *Meter) loadEventsLocked(subject, month, region string, s *stored) {
	a := m.eventsAccountLocked(subject, month, region)
	if s.EventsTotal != nil {
		a.n = *s.EventsTotal
		return
	}
	a.n += s.Events
	a.unsnapped += s.Events
}

// EventsCost is a region's custom events in a month and their cost.
type EventsCost struct {
	Region       string  `json:"region"`
	CustomEvents int64   `json:"customEvents"`
	Cost         float64 `json:"cost"`
}

// eventsReport prices the custom events of month in region (all if "").
func (m *Meter) eventsReport(month, region string, prices Prices) []EventsCost {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []EventsCost{}
	for _, a := range m.events {
		if a.month == month && (region == "" || a.region == region) {
			out = append(out, EventsCost{Region: a.region, CustomEvents: a.n, Cost: float64(a.n) * prices.CustomEventsPerMillion / 1e6})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Region < out[j].Region })
	return out
}
