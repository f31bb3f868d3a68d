package meter

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// S3's bill, at S3 Standard's prices: requests in S3's two price tiers
// (PUT, COPY, POST and LIST requests; GET and the others S3 charges for,
// DELETE being free) and storage in GB-months (the buckets' sizes sampled
// over time). Each bucket's totals of a month are kept in memory and
// written as a snapshot (meter.<month>.<region>.s3.<bucket>, rolling up
// the one before) every SnapshotEvery, so a crash loses at most that much
// of S3's usage; requests are not appended one by one, which would cost a
// store write per request.

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
	month, region, bucket string
	Tier1                 int64 `json:"tier1"`
	Tier2                 int64 `json:"tier2"`
	// ByteSeconds is the integral of the bucket's size over the month.
	ByteSeconds float64 `json:"byteSeconds"`
	dirty       bool
}

func s3Subject(month, region, bucket string) string {
	return store.Key(Prefix, month, region, "s3", bucket)
}

func (m *Meter) bucketLocked(t time.Time, region, bucket string) *bucketUsage {
	month := Month(t)
	subject := s3Subject(month, region, bucket)
	u := m.buckets[subject]
	if u == nil {
		u = &bucketUsage{month: month, region: region, bucket: bucket}
		m.buckets[subject] = u
	}
	return u
}

// AddS3Request meters one S3 request of bucket; tier1 marks PUT, COPY,
// POST and LIST requests.
func (m *Meter) AddS3Request(t time.Time, region, bucket string, tier1 bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.bucketLocked(t, region, bucket)
	if tier1 {
		u.Tier1++
	} else {
		u.Tier2++
	}
	u.dirty = true
}

// AddS3Storage meters a bucket's size, bytes, held for d up to t.
func (m *Meter) AddS3Storage(t time.Time, region, bucket string, bytes int64, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.bucketLocked(t, region, bucket)
	u.ByteSeconds += float64(bytes) * d.Seconds()
	u.dirty = u.dirty || bytes > 0
}

// snapshotBucketsLocked writes the buckets' totals that changed.
func (m *Meter) snapshotBucketsLocked() error {
	for subject, u := range m.buckets {
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

// loadBucket reads a bucket's snapshot (t are its subject's tokens).
func (m *Meter) loadBucket(t []string, data []byte) {
	var u bucketUsage
	if json.Unmarshal(data, &u) != nil {
		return
	}
	u.month, u.region, u.bucket = t[1], t[2], t[4]
	m.buckets[s3Subject(u.month, u.region, u.bucket)] = &u
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
	seconds := monthLength(month).Seconds()
	m.mu.Lock()
	for _, u := range m.buckets {
		if u.month != month || region != "" && u.region != region {
			continue
		}
		bc := BucketCost{Region: u.region, Bucket: u.bucket, Tier1Requests: u.Tier1, Tier2Requests: u.Tier2,
			GBMonths: u.ByteSeconds / (1 << 30) / seconds}
		bc.Cost = float64(u.Tier1)*p.Tier1Per1000/1000 + float64(u.Tier2)*p.Tier2Per1000/1000 + bc.GBMonths*p.StorageGBMonth
		r.S3 = append(r.S3, bc)
	}
	m.mu.Unlock()
	sort.Slice(r.S3, func(i, j int) bool {
		a, b := r.S3[i], r.S3[j]
		return a.Bucket < b.Bucket || a.Bucket == b.Bucket && a.Region < b.Region
	})
	for _, bc := range r.S3 {
		r.GrossCost += bc.Cost
		r.Cost += bc.Cost
	}
}

// monthLength is how long month ("2006-01") is.
func monthLength(month string) time.Duration {
	start, err := time.Parse("2006-01", month)
	if err != nil {
		return 30 * 24 * time.Hour
	}
	return start.AddDate(0, 1, 0).Sub(start)
}
