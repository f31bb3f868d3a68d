package cloudwatchapi

import (
	"cmp"
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/services/cloudwatch"
	"github.com/nubo-dev/nubo/internal/wire"
)

// maxDatapoints is GetMetricStatistics' limit per call.
const maxDatapoints = 1440

var basicStatistics = []string{"SampleCount", "Average", "Sum", "Minimum", "Maximum"}

// dimension is a Dimension (and a DimensionFilter) of the model.
type dimension struct {
	Name  string `json:"Name"`
	Value string `json:"Value,omitempty"`
}

func dimensionsOf(in []dimension, key string) ([]cloudwatch.Dimension, error) {
	out := make([]cloudwatch.Dimension, 0, len(in))
	for _, d := range in {
		if d.Name == "" {
			return nil, missing(key + ".member.N.Name")
		}
		out = append(out, cloudwatch.Dimension{Name: d.Name, Value: d.Value})
	}
	return out, nil
}

func dimensionsOut(dims []cloudwatch.Dimension) []dimension {
	out := make([]dimension, len(dims))
	for i, d := range dims {
		out[i] = dimension{Name: d.Name, Value: d.Value}
	}
	return out
}

type metric struct {
	Namespace  string      `json:"Namespace"`
	MetricName string      `json:"MetricName"`
	Dimensions []dimension `json:"Dimensions"`
}

type listMetricsInput struct {
	Namespace      string      `json:"Namespace"`
	MetricName     string      `json:"MetricName"`
	Dimensions     []dimension `json:"Dimensions"`
	NextToken      string      `json:"NextToken"`
	RecentlyActive string      `json:"RecentlyActive"`
}

type listMetricsOutput struct {
	Metrics []metric `json:"Metrics"`
}

func (s service) listMetrics(ctx context.Context, in *listMetricsInput) (*listMetricsOutput, error) {
	if err := wire.HomeAccount(ctx); err != nil {
		return nil, err
	}
	dims, err := dimensionsOf(in.Dimensions, "Dimensions")
	if err != nil {
		return nil, err
	}
	out := &listMetricsOutput{Metrics: []metric{}}
	for _, m := range s.metrics.List(wire.Region(ctx), in.MetricName, dims, in.RecentlyActive == "PT3H") {
		if in.Namespace == "" || in.Namespace == m.Namespace {
			out.Metrics = append(out.Metrics, metric{Namespace: m.Namespace, MetricName: m.Name, Dimensions: dimensionsOut(m.Dimensions)})
		}
	}
	return out, nil
}

// statistic is a requested statistic: a basic one or a percentile.
type statistic struct {
	name       string
	percentile float64
	extended   bool
}

func parseStatistic(name string, extendedOnly bool) (statistic, error) {
	if !extendedOnly {
		for _, b := range basicStatistics {
			if name == b {
				return statistic{name: name}, nil
			}
		}
	}
	if p, ok := strings.CutPrefix(name, "p"); ok {
		if f, err := strconv.ParseFloat(p, 64); err == nil && f >= 0 && f <= 100 {
			return statistic{name: name, percentile: f, extended: true}, nil
		}
	}
	return statistic{}, invalidValue("The value %s for parameter Statistic is not supported.", name)
}

func (st statistic) of(d *cloudwatch.Stat) float64 {
	switch st.name {
	case "SampleCount":
		return d.Count
	case "Average":
		return d.Average()
	case "Sum":
		return d.Sum
	case "Minimum":
		return d.Min
	case "Maximum":
		return d.Max
	}
	return d.Percentile(st.percentile)
}

// window checks StartTime, EndTime and a period.
func window(start, end *wire.Timestamp, period *int) (time.Time, time.Time, time.Duration, error) {
	switch {
	case start == nil:
		return time.Time{}, time.Time{}, 0, missing("StartTime")
	case end == nil:
		return time.Time{}, time.Time{}, 0, missing("EndTime")
	case !end.After(start.Time):
		return time.Time{}, time.Time{}, 0, invalidValue("The parameter StartTime must be less than the parameter EndTime.")
	case period == nil:
		return time.Time{}, time.Time{}, 0, missing("Period")
	case *period < 60 || *period%60 != 0:
		return time.Time{}, time.Time{}, 0, invalidValue("The parameter Period must be a multiple of 60.")
	}
	return start.Time, end.Time, time.Duration(*period) * time.Second, nil
}

type getMetricStatisticsInput struct {
	Namespace          string          `json:"Namespace"`
	MetricName         string          `json:"MetricName"`
	Dimensions         []dimension     `json:"Dimensions"`
	StartTime          *wire.Timestamp `json:"StartTime"`
	EndTime            *wire.Timestamp `json:"EndTime"`
	Period             *int            `json:"Period"`
	Statistics         []string        `json:"Statistics"`
	ExtendedStatistics []string        `json:"ExtendedStatistics"`
	Unit               string          `json:"Unit"`
}

type datapoint struct {
	Timestamp          wire.Timestamp     `json:"Timestamp"`
	SampleCount        *float64           `json:"SampleCount,omitempty"`
	Average            *float64           `json:"Average,omitempty"`
	Sum                *float64           `json:"Sum,omitempty"`
	Minimum            *float64           `json:"Minimum,omitempty"`
	Maximum            *float64           `json:"Maximum,omitempty"`
	Unit               string             `json:"Unit"`
	ExtendedStatistics map[string]float64 `json:"ExtendedStatistics,omitempty"`
}

// set records statistic st's value in the datapoint.
func (d *datapoint) set(st statistic, v float64) {
	switch st.name {
	case "SampleCount":
		d.SampleCount = &v
	case "Average":
		d.Average = &v
	case "Sum":
		d.Sum = &v
	case "Minimum":
		d.Minimum = &v
	case "Maximum":
		d.Maximum = &v
	default:
		if d.ExtendedStatistics == nil {
			d.ExtendedStatistics = map[string]float64{}
		}
		d.ExtendedStatistics[st.name] = v
	}
}

type getMetricStatisticsOutput struct {
	Label      string      `json:"Label"`
	Datapoints []datapoint `json:"Datapoints"`
}

func statistics(in *getMetricStatisticsInput) ([]statistic, error) {
	var stats []statistic
	for _, name := range in.Statistics {
		st, err := parseStatistic(name, false)
		if err != nil {
			return nil, err
		}
		stats = append(stats, st)
	}
	for _, name := range in.ExtendedStatistics {
		st, err := parseStatistic(name, true)
		if err != nil {
			return nil, err
		}
		stats = append(stats, st)
	}
	if len(stats) == 0 {
		return nil, combination("Must specify either Statistics or ExtendedStatistics.")
	}
	return stats, nil
}

func (s service) getMetricStatistics(ctx context.Context, in *getMetricStatisticsInput) (*getMetricStatisticsOutput, error) {
	if err := wire.HomeAccount(ctx); err != nil {
		return nil, err
	}
	switch {
	case in.Namespace == "":
		return nil, missing("Namespace")
	case in.MetricName == "":
		return nil, missing("MetricName")
	}
	start, end, p, err := window(in.StartTime, in.EndTime, in.Period)
	if err != nil {
		return nil, err
	}
	stats, err := statistics(in)
	if err != nil {
		return nil, err
	}
	if n := int64(end.Sub(start) / p); n > maxDatapoints {
		return nil, combination("You have requested up to %d datapoints, which exceeds the limit of %d. You may reduce the datapoints requested by increasing Period, or decreasing the time range.", n, maxDatapoints)
	}
	dims, err := dimensionsOf(in.Dimensions, "Dimensions")
	if err != nil {
		return nil, err
	}
	out := &getMetricStatisticsOutput{Label: in.MetricName, Datapoints: []datapoint{}}
	unit := cloudwatch.Unit[in.MetricName]
	if !cloudwatch.Known(in.Namespace) || in.Unit != "" && in.Unit != unit {
		return out, nil
	}
	data, err := s.metrics.Query(ctx, cloudwatch.Query{Namespace: in.Namespace, Region: wire.Region(ctx), Name: in.MetricName, Dimensions: dims, Start: start, End: end, Period: p})
	if err != nil {
		return nil, err
	}
	for i := range data {
		point := datapoint{Timestamp: wire.At(data[i].Time), Unit: unit}
		for _, st := range stats {
			point.set(st, st.of(&data[i].Stat))
		}
		out.Datapoints = append(out.Datapoints, point)
	}
	return out, nil
}

type metricStat struct {
	Metric *metric `json:"Metric"`
	Period *int    `json:"Period"`
	Stat   string  `json:"Stat"`
	Unit   string  `json:"Unit"`
}

type metricDataQuery struct {
	Id         string      `json:"Id"`
	MetricStat *metricStat `json:"MetricStat"`
	Expression string      `json:"Expression"`
	Label      string      `json:"Label"`
	ReturnData *bool       `json:"ReturnData"`
}

type getMetricDataInput struct {
	MetricDataQueries []metricDataQuery `json:"MetricDataQueries"`
	StartTime         *wire.Timestamp   `json:"StartTime"`
	EndTime           *wire.Timestamp   `json:"EndTime"`
	NextToken         string            `json:"NextToken"`
	ScanBy            string            `json:"ScanBy"`
}

type messageData struct {
	Code  string `json:"Code"`
	Value string `json:"Value"`
}

type metricDataResult struct {
	Id         string           `json:"Id"`
	Label      string           `json:"Label"`
	Timestamps []wire.Timestamp `json:"Timestamps"`
	Values     []float64        `json:"Values"`
	StatusCode string           `json:"StatusCode"`
	Messages   []messageData    `json:"Messages"`
}

type getMetricDataOutput struct {
	MetricDataResults []metricDataResult `json:"MetricDataResults"`
	Messages          []messageData      `json:"Messages"`
}

func (s service) getMetricData(ctx context.Context, in *getMetricDataInput) (*getMetricDataOutput, error) {
	if err := wire.HomeAccount(ctx); err != nil {
		return nil, err
	}
	switch n := len(in.MetricDataQueries); {
	case n == 0:
		return nil, missing("MetricDataQueries")
	case n > 500:
		return nil, invalidValue("The collection MetricDataQueries must not have a size greater than 500.")
	}
	minute := 60
	start, end, _, err := window(in.StartTime, in.EndTime, &minute)
	if err != nil {
		return nil, err
	}
	// Every query is checked, then all are answered by one read of the
	// metrics' history.
	asked := make([]dataQuery, len(in.MetricDataQueries))
	var qs []cloudwatch.Query
	for i := range in.MetricDataQueries {
		if asked[i], err = s.metricData(ctx, &in.MetricDataQueries[i], start, end); err != nil {
			return nil, err
		}
		if asked[i].query != nil {
			qs = append(qs, *asked[i].query)
		}
	}
	data, err := s.metrics.QueryMany(ctx, qs)
	if err != nil {
		return nil, err
	}
	out := &getMetricDataOutput{MetricDataResults: []metricDataResult{}, Messages: []messageData{}}
	for i, a := range asked {
		if a.query != nil {
			a.fill(data[0], in.ScanBy == "TimestampAscending")
			data = data[1:]
		}
		if q := in.MetricDataQueries[i]; q.ReturnData == nil || *q.ReturnData {
			out.MetricDataResults = append(out.MetricDataResults, *a.result)
		}
	}
	return out, nil
}

// dataQuery is one query of GetMetricData: its result, and what to ask
// the metrics for it (nil when nubo has no such metric).
type dataQuery struct {
	result *metricDataResult
	query  *cloudwatch.Query
	stat   statistic
}

// fill puts the query's datapoints in its result.
func (a dataQuery) fill(data []cloudwatch.Datapoint, ascending bool) {
	if !ascending {
		sort.Slice(data, func(i, j int) bool { return data[i].Time.After(data[j].Time) })
	}
	for i := range data {
		a.result.Timestamps = append(a.result.Timestamps, wire.At(data[i].Time))
		a.result.Values = append(a.result.Values, a.stat.of(&data[i].Stat))
	}
}

// metricData checks one query of GetMetricData and says what it asks.
func (s service) metricData(ctx context.Context, q *metricDataQuery, start, end time.Time) (dataQuery, error) {
	if q.Id == "" {
		return dataQuery{}, missing("MetricDataQueries.member.N.Id")
	}
	if q.Expression != "" {
		return dataQuery{}, invalidValue("nubo does not evaluate metric math expressions (query %s); ask for a MetricStat.", q.Id)
	}
	ms := q.MetricStat
	if ms == nil || ms.Metric == nil || ms.Metric.MetricName == "" || ms.Stat == "" {
		return dataQuery{}, missing("MetricDataQueries.member.N.MetricStat")
	}
	_, _, p, err := window(wire.TimestampOf(start), wire.TimestampOf(end), ms.Period)
	if err != nil {
		return dataQuery{}, err
	}
	st, err := parseStatistic(ms.Stat, false)
	if err != nil {
		return dataQuery{}, err
	}
	dims, err := dimensionsOf(ms.Metric.Dimensions, "Dimensions")
	if err != nil {
		return dataQuery{}, err
	}
	name := ms.Metric.MetricName
	out := dataQuery{stat: st, result: &metricDataResult{Id: q.Id, Label: cmp.Or(q.Label, name), Timestamps: []wire.Timestamp{},
		Values: []float64{}, StatusCode: "Complete", Messages: []messageData{}}}
	if !cloudwatch.Known(ms.Metric.Namespace) || ms.Unit != "" && ms.Unit != cloudwatch.Unit[name] {
		return out, nil
	}
	out.query = &cloudwatch.Query{Namespace: ms.Metric.Namespace, Region: wire.Region(ctx), Name: name, Dimensions: dims, Start: start, End: end, Period: p}
	return out, nil
}
