package meter

import (
	"encoding/json"
	"sort"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// S3's bill, per month, region and bucket: requests in S3's two price
// tiers (PUT, COPY, POST and LIST requests; GET and all others but DELETE,
// which is free) and storage in byte-minutes, which become GB-months. It
// is stored as Lambda's is, on subjects meter.s3.<month>.<region>.<bucket>.

// s3Prefix is the second token of S3's subjects.
const s3Prefix = "s3"

// S3Usage is what a bucket used in a month.
type S3Usage struct {
	// Tier1 counts PUT, COPY, POST and LIST requests; Tier2 GET and the
	// others S3 charges for.
	Tier1 int64 `json:"tier1,omitempty"`
	Tier2 int64 `json:"tier2,omitempty"`
	// ByteMinutes is storage: bytes held times minutes held.
	ByteMinutes int64 `json:"byteMinutes,omitempty"`
}

func (u *S3Usage) add(o S3Usage) {
	u.Tier1 += o.Tier1
	u.Tier2 += o.Tier2
	u.ByteMinutes += o.ByteMinutes
}

// s3Account is one bucket's usage in one month.
type s3Account struct {
	month, region, bucket string
	usage                 S3Usage
	unsnapped             int
}

func s3Subject(month, region, bucket string) string {
	return store.Key(Prefix, s3Prefix, month, region, bucket)
}

// AddS3Request meters one S3 request of bucket; tier1 marks PUT, COPY,
// POST and LIST requests.
func (m *Meter) AddS3Request(t time.Time, region, bucket string, tier1 bool) {
	u := S3Usage{Tier2: 1}
	if tier1 {
		u = S3Usage{Tier1: 1}
	}
	m.addS3(t, region, bucket, u)
}

// AddS3Storage meters bytes stored in bucket for d, ending at t.
func (m *Meter) AddS3Storage(t time.Time, region, bucket string, bytes int64, d time.Duration) {
	if bytes <= 0 || d <= 0 {
		return
	}
	m.addS3(t, region, bucket, S3Usage{ByteMinutes: int64(float64(bytes) * d.Minutes())})
}

func (m *Meter) addS3(t time.Time, region, bucket string, u S3Usage) {
	month := Month(t)
	subject := s3Subject(month, region, bucket)
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.s3AccountLocked(subject, month, region, bucket)
	a.usage.add(u)
	a.unsnapped++
	p := m.s3Pending[subject]
	if p == nil {
		p = &S3Usage{}
		m.s3Pending[subject] = p
	}
	p.add(u)
	if m.timer == nil {
		m.timer = time.AfterFunc(batchDelay, m.appendPending)
	}
}

func (m *Meter) s3AccountLocked(subject, month, region, bucket string) *s3Account {
	a := m.s3[subject]
	if a == nil {
		a = &s3Account{month: month, region: region, bucket: bucket}
		m.s3[subject] = a
	}
	return a
}

// s3Stored is a message of an S3 subject: usage since the last one, or,
// as a snapshot, the month's totals so far.
type s3Stored struct {
	S3Usage
	Snapshot bool `json:"snapshot,omitempty"`
}

// appendS3PendingLocked appends what was metered since the last time.
func (m *Meter) appendS3PendingLocked() {
	for subject, u := range m.s3Pending {
		data, _ := json.Marshal(s3Stored{S3Usage: *u})
		if err := m.stream.Append(subject, data); err != nil {
			m.log.Error("store metered S3 usage", "subject", subject, "err", err)
		}
	}
	clear(m.s3Pending)
}

// snapshotS3Locked replaces each bucket's stored usage with its totals.
func (m *Meter) snapshotS3Locked() error {
	for subject, a := range m.s3 {
		if a.unsnapped == 0 {
			continue
		}
		data, _ := json.Marshal(s3Stored{S3Usage: a.usage, Snapshot: true})
		if err := m.stream.Replace(subject, data); err != nil {
			return err
		}
		a.unsnapped = 0
	}
	return nil
}

// loadS3 applies one stored message of an S3 subject (tokens t).
func (m *Meter) loadS3(subject string, t []string, data []byte) {
	var s s3Stored
	if err := json.Unmarshal(data, &s); err != nil {
		m.log.Warn("skip unreadable meter record", "subject", subject, "err", err)
		return
	}
	a := m.s3AccountLocked(subject, t[2], t[3], t[4])
	if s.Snapshot {
		a.usage = s.S3Usage
		return
	}
	a.usage.add(s.S3Usage)
	a.unsnapped++
}

// BucketCost is one bucket's S3 usage in a month and its cost.
type BucketCost struct {
	Region        string  `json:"region"`
	Bucket        string  `json:"bucket"`
	Tier1Requests int64   `json:"tier1Requests"`
	Tier2Requests int64   `json:"tier2Requests"`
	GBMonths      float64 `json:"gbMonths"`
	Cost          float64 `json:"cost"`
}

// S3Report is S3's part of a month's bill (S3 has no free tier here).
type S3Report struct {
	Buckets       []BucketCost `json:"buckets"`
	Tier1Requests int64        `json:"tier1Requests"`
	Tier2Requests int64        `json:"tier2Requests"`
	GBMonths      float64      `json:"gbMonths"`
	Cost          float64      `json:"cost"`
}

// minutesIn is the length of a month ("2006-01") in minutes.
func minutesIn(month string) float64 {
	start, err := time.Parse("2006-01", month)
	if err != nil {
		return 30 * 24 * 60
	}
	return start.AddDate(0, 1, 0).Sub(start).Minutes()
}

// s3Report prices month's S3 usage in region (all if "").
func (m *Meter) s3Report(month, region string, prices Prices) S3Report {
	r := S3Report{Buckets: []BucketCost{}}
	m.mu.Lock()
	for _, a := range m.s3 {
		if a.month != month || region != "" && a.region != region {
			continue
		}
		u := a.usage
		bc := BucketCost{Region: a.region, Bucket: a.bucket, Tier1Requests: u.Tier1, Tier2Requests: u.Tier2,
			GBMonths: float64(u.ByteMinutes) / (1 << 30) / minutesIn(month)}
		bc.Cost = float64(u.Tier1)*prices.S3Tier1Per1000/1000 + float64(u.Tier2)*prices.S3Tier2Per1000/1000 + bc.GBMonths*prices.S3GBMonth
		r.Buckets = append(r.Buckets, bc)
		r.Tier1Requests += bc.Tier1Requests
		r.Tier2Requests += bc.Tier2Requests
		r.GBMonths += bc.GBMonths
		r.Cost += bc.Cost
	}
	m.mu.Unlock()
	sort.Slice(r.Buckets, func(i, j int) bool {
		a, b := r.Buckets[i], r.Buckets[j]
		return a.Bucket < b.Bucket || a.Bucket == b.Bucket && a.Region < b.Region
	})
	return r
}
