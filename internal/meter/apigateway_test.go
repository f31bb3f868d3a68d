package meter_test

import (
	"context"
	"math"
	"testing"

	"github.com/nubo-dev/nubo/internal/meter"
)

// HTTP APIs' requests are billed at their own price, beside the functions,
// and survive a restart.
func TestAPIRequests(t *testing.T) {
	ctx := context.Background()
	s := openStream(t)
	m := open(t, s)
	for i := 0; i < 3; i++ {
		m.AddAPIRequest(now, "us-east-1", "api1")
	}
	m.AddAPIRequest(now, "eu-west-1", "api2")
	use(m, now, "a", "x86_64", 128, 1)
	check := func(m *meter.Meter, when string) {
		t.Helper()
		prices := meter.DefaultPrices()
		r := report(t, m, "2026-03", "", "", prices)
		if len(r.APIs) != 2 || r.APIRequests != 4 || r.APIs[0].ApiID != "api1" || r.APIs[0].Requests != 3 || len(r.Functions) != 1 || r.Requests != 1 {
			t.Fatalf("%s: %+v", when, r)
		}
		if math.Abs(r.APIs[0].Cost-3*prices.HTTPAPIRequestsPerMillion/1e6) > 1e-15 || math.Abs(r.GrossCost-r.Functions[0].Cost-4e-6) > 1e-12 {
			t.Errorf("%s: costs %+v", when, r)
		}
		if only := report(t, m, "2026-03", "", "a", prices); len(only.APIs) != 0 || only.APIRequests != 0 {
			t.Errorf("%s: a function's bill lists APIs: %+v", when, only.APIs)
		}
	}
	check(m, "before restart")
	if err := m.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	check(open(t, s), "after restart")
}
