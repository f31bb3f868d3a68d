package meter

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"time"
)

// Path is the HTTP endpoint of the bill: GET /_nubo/cost[?month=YYYY-MM]
// [&function=NAME][&region=R] answers a Report as JSON.
const Path = "/_nubo/cost"

// Prices are what Lambda charges, in US dollars, and its monthly free
// tier (shared by both architectures).
type Prices struct {
	RequestsPerMillion float64 `json:"requestsPerMillion"`
	GBSecondX86        float64 `json:"gbSecondX86_64"`
	GBSecondArm64      float64 `json:"gbSecondArm64"`
	FreeRequests       int64   `json:"freeRequests"`
	FreeGBSeconds      int64   `json:"freeGBSeconds"`
	// DynamoDB are DynamoDB's on-demand prices.
	DynamoDB DynamoDBPrices `json:"dynamodb"`
	// CustomEventsPerMillion is EventBridge's price of custom events.
	CustomEventsPerMillion float64 `json:"customEventsPerMillion"`
	// HTTPAPIRequestsPerMillion is API Gateway's price of a million
	// requests to HTTP APIs.
	HTTPAPIRequestsPerMillion float64 `json:"httpApiRequestsPerMillion"`
	// S3 are S3's prices.
	S3 S3Prices `json:"s3"`
	// StepFunctions are Step Functions' prices.
	StepFunctions StepFunctionsPrices `json:"stepFunctions"`
}

// DefaultPrices are Lambda's public on-demand prices (US East, first
// pricing tier) and free tier, and API Gateway's HTTP API list price
// (the first 300 million requests of a month).
func DefaultPrices() Prices {
	return Prices{RequestsPerMillion: 0.20, GBSecondX86: 0.0000166667, GBSecondArm64: 0.0000133334,
		FreeRequests: 1_000_000, FreeGBSeconds: 400_000, DynamoDB: DefaultDynamoDBPrices(), CustomEventsPerMillion: 1.00,
		HTTPAPIRequestsPerMillion: 1.00, S3: DefaultS3Prices(), StepFunctions: DefaultStepFunctionsPrices()}
}

func (p Prices) perGBSecond(arch string) float64 {
	if arch == "arm64" {
		return p.GBSecondArm64
	}
	return p.GBSecondX86
}

// mbMsPerGBSecond converts MB·ms to GB-seconds: 1024 MB a GB, 1000 ms a
// second.
const mbMsPerGBSecond = 1024 * 1000

// GBSeconds converts MB·ms to GB-seconds.
func GBSeconds(mbMs int64) float64 { return float64(mbMs) / mbMsPerGBSecond }

// FunctionCost is one function's usage in a month and its cost before the
// free tier.
type FunctionCost struct {
	Region    string  `json:"region"`
	Function  string  `json:"function"`
	Requests  int64   `json:"requests"`
	BilledMs  int64   `json:"billedMs"`
	MBMs      int64   `json:"mbMs"`
	GBSeconds float64 `json:"gbSeconds"`
	Cost      float64 `json:"cost"`
	Lines     []*Line `json:"lines"`
}

// Report is a month's bill.
type Report struct {
	Month     string         `json:"month"`
	Prices    Prices         `json:"prices"`
	Functions []FunctionCost `json:"functions"`
	Requests  int64          `json:"requests"`
	MBMs      int64          `json:"mbMs"`
	GBSeconds float64        `json:"gbSeconds"`
	// FreeRequests and FreeGBSeconds are the free tier used.
	FreeRequests  int64   `json:"freeRequestsUsed"`
	FreeGBSeconds float64 `json:"freeGBSecondsUsed"`
	// DynamoDB is the tables' usage (all regions' unless one is asked);
	// FreeStorageGBMonths the free storage used.
	DynamoDB            []TableCost `json:"dynamodb"`
	FreeStorageGBMonths float64     `json:"freeStorageGBMonthsUsed"`
	// Events are EventBridge's custom events by region.
	Events []EventsCost `json:"events"`
	// APIs are the HTTP APIs' requests (all regions' unless one is asked).
	APIs        []APICost `json:"apis"`
	APIRequests int64     `json:"apiRequests"`
	// S3 is the buckets' usage (all regions' unless one is asked).
	S3 []BucketCost `json:"s3"`
	// StateMachines are Step Functions' usage (all regions' unless one is
	// asked); FreeStateTransitions the free transitions used.
	StateMachines        []StatesCost `json:"stateMachines"`
	FreeStateTransitions int64        `json:"freeStateTransitionsUsed"`
	// GrossCost is the sum of the functions', tables', events', APIs' and
	// buckets' costs; Cost is what is due after the free tiers.
	GrossCost float64 `json:"grossCost"`
	Cost      float64 `json:"cost"`
}

// report prices m's usage of month ("2006-01") for the functions named
// function (all if "") in region (all if ""); Report (cluster.go) says
// whose usage that is.
func (m *Meter) report(month, region, function string, prices Prices) Report {
	r := Report{Month: month, Prices: prices, Functions: []FunctionCost{}, DynamoDB: []TableCost{}, Events: []EventsCost{}, APIs: []APICost{}, S3: []BucketCost{}}
	mbMsByArch := map[string]int64{}
	m.mu.Lock()
	for _, a := range m.accounts {
		if a.month != month || region != "" && a.region != region || function != "" && a.function != function {
			continue
		}
		fc := FunctionCost{Region: a.region, Function: a.function, Lines: a.sortedLines()}
		for _, l := range fc.Lines {
			fc.Requests += l.Requests
			fc.BilledMs += l.BilledMs
			fc.MBMs += l.MBMs
			fc.Cost += GBSeconds(l.MBMs) * prices.perGBSecond(l.Architecture)
			mbMsByArch[l.Architecture] += l.MBMs
		}
		fc.GBSeconds = GBSeconds(fc.MBMs)
		fc.Cost += float64(fc.Requests) * prices.RequestsPerMillion / 1e6
		r.Functions = append(r.Functions, fc)
		r.Requests += fc.Requests
		r.MBMs += fc.MBMs
		r.GrossCost += fc.Cost
	}
	m.mu.Unlock()
	sort.Slice(r.Functions, func(i, j int) bool {
		a, b := r.Functions[i], r.Functions[j]
		return a.Function < b.Function || a.Function == b.Function && a.Region < b.Region
	})
	r.GBSeconds = GBSeconds(r.MBMs)
	r.FreeRequests = min(r.Requests, prices.FreeRequests)
	r.Cost = float64(r.Requests-r.FreeRequests) * prices.RequestsPerMillion / 1e6
	// The free GB-seconds go first to the dearer architecture, which is
	// what a customer would choose.
	free := int64(prices.FreeGBSeconds) * mbMsPerGBSecond
	archs := []string{"x86_64", "arm64"}
	if prices.GBSecondArm64 > prices.GBSecondX86 {
		archs = []string{"arm64", "x86_64"}
	}
	for arch := range mbMsByArch {
		if !slices.Contains(archs, arch) {
			archs = append(archs, arch)
		}
	}
	var freeUsed int64
	for _, arch := range archs {
		used := min(mbMsByArch[arch], free-freeUsed)
		freeUsed += used
		r.Cost += GBSeconds(mbMsByArch[arch]-used) * prices.perGBSecond(arch)
	}
	r.FreeGBSeconds = GBSeconds(freeUsed)
	if function == "" {
		m.dynamoDBReport(&r, month, region, prices.DynamoDB)
		m.eventsReport(&r, month, region, prices.CustomEventsPerMillion)
		m.apiReport(&r, month, region, prices.HTTPAPIRequestsPerMillion)
		m.s3Report(&r, month, region, prices.S3)
		m.statesReport(&r, month, region, prices.StepFunctions)
	}
	return r
}

// Handler serves Path.
func (m *Meter) Handler(prices Prices) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		month := q.Get("month")
		if month == "" {
			month = Month(time.Now())
		}
		if _, err := time.Parse("2006-01", month); err != nil {
			http.Error(w, "month must be YYYY-MM", http.StatusBadRequest)
			return
		}
		report, err := m.Report(r.Context(), month, q.Get("region"), q.Get("function"), prices)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(report)
	})
}
