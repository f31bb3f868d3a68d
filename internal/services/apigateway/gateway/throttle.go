package gateway

import (
	"sync"
	"time"
)

// throttles are the token buckets of routes with throttling limits: a
// bucket holds up to the burst limit and refills at the rate limit a
// second; a request takes a token or is refused with 429.
type throttles struct {
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
	burst  int
	rate   float64
}

func newThrottles(now func() time.Time) *throttles {
	return &throttles{now: now, buckets: map[string]*bucket{}}
}

// allow takes a token of the route's bucket on the entry's stage, if its
// limits ask for one.
func (t *throttles) allow(e *entry, routeKey string) bool {
	burst, rate := e.view.Limits(routeKey)
	if burst == nil && rate == nil {
		return true
	}
	b, r := 1<<30, 1e12 // a limit that is not set does not bind
	if burst != nil {
		b = *burst
	}
	if rate != nil {
		r = *rate
	}
	key := e.region + "/" + e.apiID + "/" + e.view.Stage.StageName + "/" + routeKey
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	bk := t.buckets[key]
	if bk == nil || bk.burst != b || bk.rate != r {
		bk = &bucket{tokens: float64(b), last: now, burst: b, rate: r}
		t.buckets[key] = bk
	}
	bk.tokens = min(float64(bk.burst), bk.tokens+now.Sub(bk.last).Seconds()*bk.rate)
	bk.last = now
	if bk.tokens < 1 {
		return false
	}
	bk.tokens--
	return true
}
