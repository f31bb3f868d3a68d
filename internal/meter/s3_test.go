package meter_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/meter"
)

// S3's requests and storage are priced per bucket at S3's prices, added
// to what is due, and survive a restart from their snapshots.
func TestS3Usage(t *testing.T) {
	ctx := context.Background()
	s := openStream(t)
	m := open(t, s)
	march := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 3000; i++ {
		m.AddS3Request(march, "us-east-1", "photos", true)
	}
	for i := 0; i < 10000; i++ {
		m.AddS3Request(march, "us-east-1", "photos", false)
	}
	m.AddS3Request(march, "eu-west-1", "logs", false)
	// 1 GiB for all of March (31 days) is 1 GB-month.
	m.AddS3Storage(march, "us-east-1", "photos", 1<<30, 31*24*time.Hour)
	m.AddS3Request(march.AddDate(0, 1, 0), "us-east-1", "photos", true) // April
	check := func(m *meter.Meter, when string) {
		t.Helper()
		r := report(t, m, "2026-03", "", "", meter.DefaultPrices())
		if len(r.S3) != 2 || r.S3[0].Bucket != "logs" || r.S3[0].Tier2Requests != 1 {
			t.Fatalf("%s: %+v", when, r.S3)
		}
		p := r.S3[1]
		want := 3*0.005 + 10*0.0004 + 0.023
		if p.Bucket != "photos" || p.Tier1Requests != 3000 || p.Tier2Requests != 10000 || math.Abs(p.GBMonths-1) > 1e-9 || math.Abs(p.Cost-want) > 1e-9 {
			t.Errorf("%s: photos %+v", when, p)
		}
		if math.Abs(r.Cost-r.S3[0].Cost-p.Cost) > 1e-12 || math.Abs(r.GrossCost-r.Cost) > 1e-12 {
			t.Errorf("%s: due %v, gross %v", when, r.Cost, r.GrossCost)
		}
		if fr := report(t, m, "2026-03", "", "fn", meter.DefaultPrices()); len(fr.S3) != 0 {
			t.Errorf("%s: a function's bill has S3 in it", when)
		}
	}
	check(m, "at once")
	if err := m.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	again := open(t, s)
	check(again, "after a restart")
	again.AddS3Request(march, "us-east-1", "photos", true)
	if err := again.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if r := report(t, open(t, s), "2026-03", "", "", meter.DefaultPrices()); r.S3[1].Tier1Requests != 3001 {
		t.Errorf("after a second snapshot: %+v", r.S3)
	}
}
