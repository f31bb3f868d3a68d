package cloudwatch

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/api"
	"github.com/nubo-dev/nubo/internal/metrics"
)

// maxDatapoints is GetMetricStatistics' limit per call.
const maxDatapoints = 1440

var basicStatistics = []string{"SampleCount", "Average", "Sum", "Minimum", "Maximum"}

func dimensionsOf(p params, key string) ([]metrics.Dimension, error) {
	var out []metrics.Dimension
	for _, v := range p.list(key) {
		d := asParams(v)
		if d.str("Name") == "" {
			return nil, missing(key + ".member.N.Name")
		}
		out = append(out, metrics.Dimension{Name: d.str("Name"), Value: d.str("Value")})
	}
	return out, nil
}

func dimensionsOut(dims []metrics.Dimension) []any {
	out := []any{}
	for _, d := range dims {
		out = append(out, map[string]any{"Name": d.Name, "Value": d.Value})
	}
	return out
}

func (s *Service) listMetrics(r *http.Request, in params) (map[string]any, error) {
	dims, err := dimensionsOf(in, "Dimensions")
	if err != nil {
		return nil, err
	}
	list := []any{}
	if ns := in.str("Namespace"); ns == "" || ns == metrics.Namespace {
		for _, m := range s.metrics.List(api.Region(r.Context()), in.str("MetricName"), dims, in.str("RecentlyActive") == "PT3H") {
			list = append(list, map[string]any{"Namespace": metrics.Namespace, "MetricName": m.Name, "Dimensions": dimensionsOut(m.Dimensions)})
		}
	}
	return map[string]any{"Metrics": list}, nil
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

func (st statistic) of(d *metrics.Stat) float64 {
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

// window reads StartTime, EndTime and a period, and checks them.
func window(in params, period float64, hasPeriod bool) (start, end time.Time, p time.Duration, err error) {
	start, ok := in.time("StartTime")
	if !ok {
		return start, end, 0, missing("StartTime")
	}
	if end, ok = in.time("EndTime"); !ok {
		return start, end, 0, missing("EndTime")
	}
	if !end.After(start) {
		return start, end, 0, invalidValue("The parameter StartTime must be less than the parameter EndTime.")
	}
	if !hasPeriod {
		return start, end, 0, missing("Period")
	}
	if period < 60 || int64(period)%60 != 0 || period != float64(int64(period)) {
		return start, end, 0, invalidValue("The parameter Period must be a multiple of 60.")
	}
	return start, end, time.Duration(period) * time.Second, nil
}

func (s *Service) getMetricStatistics(r *http.Request, in params) (map[string]any, error) {
	for _, k := range []string{"Namespace", "MetricName"} {
		if in.str(k) == "" {
			return nil, missing(k)
		}
	}
	period, hasPeriod := in.num("Period")
	start, end, p, err := window(in, period, hasPeriod)
	if err != nil {
		return nil, err
	}
	var stats []statistic
	for _, name := range in.strings("Statistics") {
		st, err := parseStatistic(name, false)
		if err != nil {
			return nil, err
		}
		stats = append(stats, st)
	}
	for _, name := range in.strings("ExtendedStatistics") {
		st, err := parseStatistic(name, true)
		if err != nil {
			return nil, err
		}
		stats = append(stats, st)
	}
	if len(stats) == 0 {
		return nil, combination("Must specify either Statistics or ExtendedStatistics.")
	}
	if n := int64(end.Sub(start) / p); n > maxDatapoints {
		return nil, combination("You have requested up to %d datapoints, which exceeds the limit of %d. You may reduce the datapoints requested by increasing Period, or decreasing the time range.", n, maxDatapoints)
	}
	dims, err := dimensionsOf(in, "Dimensions")
	if err != nil {
		return nil, err
	}
	name := in.str("MetricName")
	points := []any{}
	unit := metrics.Unit[name]
	if in.str("Namespace") == metrics.Namespace && (in.str("Unit") == "" || in.str("Unit") == unit) {
		data, err := s.metrics.Query(r.Context(), metrics.Query{Region: api.Region(r.Context()), Name: name, Dimensions: dims, Start: start, End: end, Period: p})
		if err != nil {
			return nil, err
		}
		for i := range data {
			d := &data[i]
			point := map[string]any{"Timestamp": d.Time, "Unit": unit}
			extended := dict{}
			for _, st := range stats {
				if st.extended {
					extended[st.name] = st.of(&d.Stat)
				} else {
					point[st.name] = st.of(&d.Stat)
				}
			}
			if len(extended) > 0 {
				point["ExtendedStatistics"] = extended
			}
			points = append(points, point)
		}
	}
	return map[string]any{"Label": name, "Datapoints": points}, nil
}

func (s *Service) getMetricData(r *http.Request, in params) (map[string]any, error) {
	queries := in.list("MetricDataQueries")
	if len(queries) == 0 {
		return nil, missing("MetricDataQueries")
	}
	if len(queries) > 500 {
		return nil, invalidValue("The collection MetricDataQueries must not have a size greater than 500.")
	}
	start, end, _, err := window(in, 60, true)
	if err != nil {
		return nil, err
	}
	ascending := in.str("ScanBy") == "TimestampAscending"
	results := []any{}
	for _, v := range queries {
		q := asParams(v)
		result, err := s.metricData(r, q, start, end, ascending)
		if err != nil {
			return nil, err
		}
		if q.boolean("ReturnData", true) {
			results = append(results, result)
		}
	}
	return map[string]any{"MetricDataResults": results, "Messages": []any{}}, nil
}

// metricData answers one query of GetMetricData.
func (s *Service) metricData(r *http.Request, q params, start, end time.Time, ascending bool) (map[string]any, error) {
	id := q.str("Id")
	if id == "" {
		return nil, missing("MetricDataQueries.member.N.Id")
	}
	if q.str("Expression") != "" {
		return nil, invalidValue("nubo does not evaluate metric math expressions (query %s); ask for a MetricStat.", id)
	}
	ms := q.obj("MetricStat")
	metric := ms.obj("Metric")
	if ms == nil || metric == nil || metric.str("MetricName") == "" || ms.str("Stat") == "" {
		return nil, missing("MetricDataQueries.member.N.MetricStat")
	}
	period, hasPeriod := ms.num("Period")
	_, _, p, err := window(map[string]any{"StartTime": start, "EndTime": end}, period, hasPeriod)
	if err != nil {
		return nil, err
	}
	st, err := parseStatistic(ms.str("Stat"), false)
	if err != nil {
		return nil, err
	}
	dims, err := dimensionsOf(metric, "Dimensions")
	if err != nil {
		return nil, err
	}
	name := metric.str("MetricName")
	label := q.str("Label")
	if label == "" {
		label = name
	}
	times, values := []any{}, []any{}
	if metric.str("Namespace") == metrics.Namespace && (ms.str("Unit") == "" || ms.str("Unit") == metrics.Unit[name]) {
		data, err := s.metrics.Query(r.Context(), metrics.Query{Region: api.Region(r.Context()), Name: name, Dimensions: dims, Start: start, End: end, Period: p})
		if err != nil {
			return nil, err
		}
		if !ascending {
			sort.Slice(data, func(i, j int) bool { return data[i].Time.After(data[j].Time) })
		}
		for i := range data {
			times = append(times, data[i].Time)
			values = append(values, st.of(&data[i].Stat))
		}
	}
	return map[string]any{"Id": id, "Label": label, "Timestamps": times, "Values": values, "StatusCode": "Complete", "Messages": []any{}}, nil
}
