package meter

import "time"

// storage is what DynamoDB and S3 price their storage by: the integral of
// a table's or a bucket's size over the month, sampled as it goes.
type storage struct {
	ByteSeconds float64 `json:"byteSeconds"`
}

// plus adds two nodes' integrals: each node integrates only while it
// samples the resource (DynamoDB's holder, S3's sampler), so the sum is
// the month's.
func (s storage) plus(o storage) storage { return storage{s.ByteSeconds + o.ByteSeconds} }

// hold adds bytes held for d, and says whether that changed anything.
func (s *storage) hold(bytes int64, d time.Duration) bool {
	s.ByteSeconds += float64(bytes) * d.Seconds()
	return bytes > 0
}

// gbMonths is the storage in GB-months of month ("2006-01").
func (s storage) gbMonths(month string) float64 {
	return s.ByteSeconds / (1 << 30) / monthLength(month).Seconds()
}

// monthLength is how long month ("2006-01") is.
func monthLength(month string) time.Duration {
	start, err := time.Parse("2006-01", month)
	if err != nil {
		return 30 * 24 * time.Hour
	}
	return start.AddDate(0, 1, 0).Sub(start)
}
