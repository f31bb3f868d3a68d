package cloudwatch

import (
	"math"
	"sort"
)

// gamma is the ratio between the bounds of consecutive histogram buckets:
// a percentile is known to within half of 1% of its value.
const gamma = 1.01

var logGamma = math.Log(gamma)

// zeroBucket holds the values <= 0.
const zeroBucket = math.MinInt32

// Stat summarises the values recorded for one series in one period: what
// CloudWatch calls a statistic set, plus a log-bucketed histogram for
// percentiles.
type Stat struct {
	Count float64         `json:"n"`
	Sum   float64         `json:"s"`
	Min   float64         `json:"lo"`
	Max   float64         `json:"hi"`
	Hist  map[int32]int64 `json:"h,omitempty"`
}

func bucketOf(v float64) int32 {
	if v <= 0 {
		return zeroBucket
	}
	return int32(math.Ceil(math.Log(v) / logGamma))
}

// bucketValue is the value that stands for a bucket: the middle of its
// bounds, so that the relative error is at most (gamma-1)/(gamma+1).
func bucketValue(b int32) float64 {
	if b == zeroBucket {
		return 0
	}
	return 2 * math.Pow(gamma, float64(b)) / (gamma + 1)
}

// add records one value.
func (s *Stat) add(v float64) {
	if s.Count == 0 || v < s.Min {
		s.Min = v
	}
	if s.Count == 0 || v > s.Max {
		s.Max = v
	}
	s.Count++
	s.Sum += v
	if s.Hist == nil {
		s.Hist = map[int32]int64{}
	}
	s.Hist[bucketOf(v)]++
}

// merge adds o's values to s.
func (s *Stat) merge(o *Stat) {
	if o.Count == 0 {
		return
	}
	if s.Count == 0 || o.Min < s.Min {
		s.Min = o.Min
	}
	if s.Count == 0 || o.Max > s.Max {
		s.Max = o.Max
	}
	s.Count += o.Count
	s.Sum += o.Sum
	if s.Hist == nil {
		s.Hist = map[int32]int64{}
	}
	for b, n := range o.Hist {
		s.Hist[b] += n
	}
}

// Percentile estimates the p-th percentile (0 <= p <= 100): the value
// below which p% of the values fall, from the histogram, within [Min,
// Max].
func (s *Stat) Percentile(p float64) float64 {
	if s.Count == 0 {
		return 0
	}
	switch {
	case p <= 0:
		return s.Min
	case p >= 100:
		return s.Max
	}
	buckets := make([]int32, 0, len(s.Hist))
	var total int64
	for b, n := range s.Hist {
		buckets = append(buckets, b)
		total += n
	}
	sort.Slice(buckets, func(i, j int) bool { return buckets[i] < buckets[j] })
	rank := int64(math.Ceil(p / 100 * float64(total)))
	var seen int64
	for _, b := range buckets {
		if seen += s.Hist[b]; seen >= rank {
			return math.Min(math.Max(bucketValue(b), s.Min), s.Max)
		}
	}
	return s.Max
}

// Average is Sum / Count.
func (s *Stat) Average() float64 {
	if s.Count == 0 {
		return 0
	}
	return s.Sum / s.Count
}
