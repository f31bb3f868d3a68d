package meter

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// API Gateway's bill: the requests each HTTP API served, at the HTTP API
// list price. Each API's total of a month is kept in memory and written
// as a snapshot (meter.<month>.<region>.apigateway.<api-id>, rolling up
// the one before) every SnapshotEvery, so a crash loses at most that much
// of the count, and a request costs no store write of its own.

// apiUsage is one HTTP API's requests in a month.
type apiUsage struct {
	month, region, api string
	Requests           int64 `json:"requests"`
	dirty              bool
}

func apiSubject(month, region, api string) string {
	return store.Key(Prefix, month, region, "apigateway", api)
}

// AddAPIRequest meters one request an HTTP API served.
func (m *Meter) AddAPIRequest(t time.Time, region, api string) {
	month := Month(t)
	subject := apiSubject(month, region, api)
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.apis[subject]
	if u == nil {
		u = &apiUsage{month: month, region: region, api: api}
		m.apis[subject] = u
	}
	u.Requests++
	u.dirty = true
}

// snapshotAPIsLocked writes the APIs' totals that changed.
func (m *Meter) snapshotAPIsLocked() error {
	for subject, u := range m.apis {
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

// loadAPI reads an API's snapshot (t are its subject's tokens).
func (m *Meter) loadAPI(t []string, data []byte) {
	var u apiUsage
	if json.Unmarshal(data, &u) != nil {
		return
	}
	u.month, u.region, u.api = t[1], t[2], t[4]
	m.apis[apiSubject(u.month, u.region, u.api)] = &u
}

// APICost is one HTTP API's requests in a month and their cost.
type APICost struct {
	Region   string  `json:"region"`
	ApiID    string  `json:"apiId"`
	Requests int64   `json:"requests"`
	Cost     float64 `json:"cost"`
}

// apiReport adds the month's HTTP APIs of region (all if "") to r; they
// have no free tier here.
func (m *Meter) apiReport(r *Report, month, region string, pricePerMillion float64) {
	m.mu.Lock()
	for _, u := range m.apis {
		if u.month == month && (region == "" || u.region == region) {
			r.APIs = append(r.APIs, APICost{Region: u.region, ApiID: u.api, Requests: u.Requests, Cost: float64(u.Requests) * pricePerMillion / 1e6})
		}
	}
	m.mu.Unlock()
	sort.Slice(r.APIs, func(i, j int) bool {
		a, b := r.APIs[i], r.APIs[j]
		return a.ApiID < b.ApiID || a.ApiID == b.ApiID && a.Region < b.Region
	})
	for _, a := range r.APIs {
		r.APIRequests += a.Requests
		r.GrossCost += a.Cost
		r.Cost += a.Cost
	}
}
