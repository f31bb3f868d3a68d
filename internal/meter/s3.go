package meter

import "time"

// S3's bill, at S3 Standard's prices: requests in S3's two price tiers
// (PUT, COPY, POST and LIST requests; GET and the others S3 charges for,
// DELETE being free) and storage in GB-months (the buckets' sizes sampled
// over time), in a ledger (meter.<month>.<region>.s3.<bucket>): requests
// are not appended one by one, which would cost a store write per request.

// S3Prices are S3's prices in US dollars (US East, S3 Standard's first
// 50 TB); nubo applies no S3 free tier.
type S3Prices struct {
	Tier1Per1000   float64 `json:"tier1Per1000"`
	Tier2Per1000   float64 `json:"tier2Per1000"`
	StorageGBMonth float64 `json:"storageGBMonth"`
}

// DefaultS3Prices are S3's public prices.
func DefaultS3Prices() S3Prices {
	return S3Prices{Tier1Per1000: 0.005, Tier2Per1000: 0.0004, StorageGBMonth: 0.023}
}

// bucketUsage is one bucket's usage in a month.
type bucketUsage struct {
	Tier1 int64 `json:"tier1"`
	Tier2 int64 `json:"tier2"`
	storage
}

func (u bucketUsage) plus(o bucketUsage) bucketUsage {
	return bucketUsage{u.Tier1 + o.Tier1, u.Tier2 + o.Tier2, u.storage.plus(o.storage)}
}

// AddS3Request meters one S3 request of bucket; tier1 marks PUT, COPY,
// POST and LIST requests.
func (m *Meter) AddS3Request(t time.Time, region, bucket string, tier1 bool) {
	m.buckets.add(t, region, bucket, func(u *bucketUsage) bool {
		if tier1 {
			u.Tier1++
		} else {
			u.Tier2++
		}
		return true
	})
}

// AddS3Storage meters a bucket's size, bytes, held for d up to t.
func (m *Meter) AddS3Storage(t time.Time, region, bucket string, bytes int64, d time.Duration) {
	m.buckets.add(t, region, bucket, func(u *bucketUsage) bool { return u.hold(bytes, d) })
}

// BucketCost is one bucket's usage in a month and its cost.
type BucketCost struct {
	Region        string  `json:"region"`
	Bucket        string  `json:"bucket"`
	Tier1Requests int64   `json:"tier1Requests"`
	Tier2Requests int64   `json:"tier2Requests"`
	GBMonths      float64 `json:"gbMonths"`
	Cost          float64 `json:"cost"`
}

// s3Report adds the month's S3 buckets of region (all if "") to r.
func (m *Meter) s3Report(r *Report, month, region string, p S3Prices) {
	r.S3 = costs(r, m.buckets, month, region, func(u row[bucketUsage]) (BucketCost, float64) {
		bc := BucketCost{Region: u.region, Bucket: u.name, Tier1Requests: u.usage.Tier1, Tier2Requests: u.usage.Tier2,
			GBMonths: u.usage.gbMonths(month)}
		bc.Cost = float64(u.usage.Tier1)*p.Tier1Per1000/1000 + float64(u.usage.Tier2)*p.Tier2Per1000/1000 + bc.GBMonths*p.StorageGBMonth
		return bc, bc.Cost
	})
}
