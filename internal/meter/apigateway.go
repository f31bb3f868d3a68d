package meter

import "time"

// API Gateway's bill: the requests each HTTP API served, at the HTTP API
// list price, in a ledger (meter.<month>.<region>.apigateway.<api-id>).

// apiUsage is one HTTP API's requests in a month.
type apiUsage struct {
	Requests int64 `json:"requests"`
}

func (u apiUsage) plus(o apiUsage) apiUsage { return apiUsage{u.Requests + o.Requests} }

// AddAPIRequest meters one request an HTTP API served.
func (m *Meter) AddAPIRequest(t time.Time, region, api string) {
	m.apis.add(t, region, api, func(u *apiUsage) bool {
		u.Requests++
		return true
	})
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
	r.APIs = costs(r, m.apis, month, region, func(u row[apiUsage]) (APICost, float64) {
		c := APICost{Region: u.region, ApiID: u.name, Requests: u.usage.Requests, Cost: float64(u.usage.Requests) * pricePerMillion / 1e6}
		r.APIRequests += c.Requests
		return c, c.Cost
	})
}
