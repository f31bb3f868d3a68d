package cloudwatch

import (
	"context"
	"sort"
	"time"
)

// The dimension names of Lambda's metrics.
const (
	DimFunctionName = "FunctionName"
	DimResource     = "Resource"
)

// Dimension is a CloudWatch dimension: a name and a value.
type Dimension struct {
	Name, Value string
}

// Metric is a series as CloudWatch lists it.
type Metric struct {
	Namespace  string
	Name       string
	Dimensions []Dimension
}

// dimensionNames are the names of a namespace's two dimensions, kept in a
// series' Function and Resource.
var dimensionNames = map[string][2]string{
	Namespace:           {DimFunctionName, DimResource},
	NamespaceDynamoDB:   {"TableName", "Operation"},
	NamespaceEvents:     {"EventBusName", "RuleName"},
	NamespaceAPIGateway: {"ApiId", "Stage"},
	NamespaceS3:         {"BucketName", "FilterId"},
	NamespaceStates:     {}, // one dimension (oneDimension)
}

// Known tells whether nubo has metrics of namespace ns.
func Known(ns string) bool {
	_, ok := dimensionNames[ns]
	return ok
}

func (s series) namespace() string {
	if s.NS == "" {
		return Namespace
	}
	return s.NS
}

func (s series) metric() Metric {
	m := Metric{Namespace: s.namespace(), Name: s.Name}
	if oneDimension[m.Namespace] {
		m.Dimensions = []Dimension{{s.Resource, s.Function}}
		return m
	}
	names := dimensionNames[m.Namespace]
	if s.Function != "" {
		m.Dimensions = append(m.Dimensions, Dimension{names[0], s.Function})
	}
	if s.Resource != "" {
		m.Dimensions = append(m.Dimensions, Dimension{names[1], s.Resource})
	}
	return m
}

// seriesOf finds the series a set of dimensions names in namespace ns
// ("" for Lambda's); ok is false for sets that no metric there has.
func seriesOf(region, ns, name string, dims []Dimension) (s series, ok bool) {
	if ns == "" {
		ns = Namespace
	}
	names, ok := dimensionNames[ns]
	if !ok {
		return s, false
	}
	s = series{Region: region, Name: name}
	if ns != Namespace {
		s.NS = ns
	}
	if oneDimension[ns] {
		if len(dims) != 1 {
			return s, false
		}
		s.Function, s.Resource = dims[0].Value, dims[0].Name
		return s, true
	}
	for _, d := range dims {
		switch {
		case d.Name == names[0] && s.Function == "":
			s.Function = d.Value
		case d.Name == names[1] && s.Resource == "":
			s.Resource = d.Value
		default:
			return s, false
		}
	}
	return s, s.Resource == "" || s.Function != "" || ns == NamespaceEvents // a rule's series has no bus
}

// Query asks for the statistics of one series.
type Query struct {
	// Namespace is the metric's namespace ("" for AWS/Lambda).
	Namespace  string
	Region     string
	Name       string
	Dimensions []Dimension
	// Start and End bound the data (End excluded); Start is rounded down
	// to the minute, and periods count from there.
	Start, End time.Time
	// Period is a whole number of minutes.
	Period time.Duration
}

// Datapoint is the statistics of one period, which starts at Time.
type Datapoint struct {
	Time time.Time
	Stat
}

// Query returns the periods of q that have data, oldest first.
func (m *Metrics) Query(ctx context.Context, q Query) ([]Datapoint, error) {
	out, err := m.QueryMany(ctx, []Query{q})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// QueryMany answers several queries (GetMetricData's up to 500) with one
// read of the history: the periods of each that have data, oldest first.
func (m *Metrics) QueryMany(ctx context.Context, qs []Query) ([][]Datapoint, error) {
	bySeries := map[series][]*asked{}
	var first, last int64
	for i, q := range qs {
		s, ok := seriesOf(q.Region, q.Namespace, q.Name, q.Dimensions)
		if !ok {
			continue
		}
		a := &asked{index: i, start: q.Start.Unix() / 60, end: endMinute(q.End),
			period: max(int64(q.Period/time.Minute), 1), buckets: map[int64]*Stat{}}
		if len(bySeries) == 0 || a.start < first {
			first = a.start
		}
		last = max(last, a.end)
		bySeries[s] = append(bySeries[s], a)
	}
	out := make([][]Datapoint, len(qs))
	if len(bySeries) == 0 {
		return out, nil
	}
	err := m.minutesOf(ctx, first, last, func(minute int64, s series, st *Stat) {
		for _, a := range bySeries[s] {
			a.add(minute, st)
		}
	})
	if err != nil {
		return nil, err
	}
	for _, as := range bySeries {
		for _, a := range as {
			out[a.index] = a.datapoints()
		}
	}
	return out, nil
}

// endMinute is the first Unix minute that starts at or after end: a
// minute that starts before end, even by a fraction of a second, is in.
func endMinute(end time.Time) int64 {
	minute := end.Unix() / 60
	if time.Unix(minute*60, 0).Before(end) {
		minute++
	}
	return minute
}

// asked is one query of QueryMany, in Unix minutes, and its periods.
type asked struct {
	index              int
	start, end, period int64
	buckets            map[int64]*Stat
}

func (a *asked) add(minute int64, st *Stat) {
	if minute < a.start || minute >= a.end {
		return
	}
	b := a.start + (minute-a.start)/a.period*a.period
	if a.buckets[b] == nil {
		a.buckets[b] = &Stat{}
	}
	a.buckets[b].merge(st)
}

func (a *asked) datapoints() []Datapoint {
	out := make([]Datapoint, 0, len(a.buckets))
	for b, st := range a.buckets {
		out = append(out, Datapoint{Time: time.Unix(b*60, 0).UTC(), Stat: *st})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// listWindow is how far back ListMetrics looks, as in CloudWatch.
const listWindow = 14 * 24 * time.Hour

// List returns the series of region that had data in the last two weeks
// (or, with recent, the last three hours), whose name is name (if set) and
// whose dimensions include every one of dims (a dimension with an empty
// value matches any value), sorted.
func (m *Metrics) List(region, name string, dims []Dimension, recent bool) []Metric {
	window := listWindow
	if recent {
		window = 3 * time.Hour
	}
	since := time.Now().Add(-window).Unix() / 60
	m.mu.Lock()
	seen := map[series]bool{}
	for s, minute := range m.known {
		if minute >= since || recent && minute >= since-reindexEvery {
			seen[s] = true
		}
	}
	for _, open := range m.minutes {
		for s := range open {
			seen[s] = true
		}
	}
	m.mu.Unlock()
	var out []Metric
	for s := range seen {
		if s.Region != region || name != "" && s.Name != name {
			continue
		}
		if mt := s.metric(); matches(mt.Dimensions, dims) {
			out = append(out, mt)
		}
	}
	sort.Slice(out, func(i, j int) bool { return metricKey(out[i]) < metricKey(out[j]) })
	return out
}

func matches(have, want []Dimension) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			if h.Name == w.Name && (w.Value == "" || h.Value == w.Value) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func metricKey(m Metric) string {
	k := m.Namespace + "\x00" + m.Name
	for _, d := range m.Dimensions {
		k += "\x00" + d.Name + "\x00" + d.Value
	}
	return k
}
