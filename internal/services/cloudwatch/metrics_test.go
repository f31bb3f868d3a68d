package cloudwatch_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/nubo-dev/nubo/internal/services/cloudwatch"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
)

type backing struct {
	history store.Stream
	index   store.KV
}

func openBacking(t *testing.T) backing {
	t.Helper()
	ctx := context.Background()
	st, err := natsstore.Open(ctx, natsstore.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	history, err := st.Stream(ctx, "METRICS", cloudwatch.Prefix, natsstore.StreamOptions{MaxAge: cloudwatch.Retention})
	if err != nil {
		t.Fatal(err)
	}
	index, err := st.KV(ctx, "metrics")
	if err != nil {
		t.Fatal(err)
	}
	return backing{history, index}
}

func (b backing) open(t *testing.T, concurrency func() (int, map[string]int)) *cloudwatch.Metrics {
	t.Helper()
	m, err := cloudwatch.Open(context.Background(), b.history, b.index, cloudwatch.Options{Concurrency: concurrency, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPercentiles(t *testing.T) {
	b := openBacking(t)
	m := b.open(t, nil)
	d := cloudwatch.Dims{Region: "r", Function: "f"}
	for v := 1; v <= 1000; v++ {
		m.Record(cloudwatch.Duration, d, float64(v))
	}
	points := query(t, m, cloudwatch.Query{Region: "r", Name: cloudwatch.Duration, Dimensions: []cloudwatch.Dimension{{Name: "FunctionName", Value: "f"}}})
	if len(points) != 1 {
		t.Fatalf("got %d datapoints", len(points))
	}
	st := points[0].Stat
	if st.Count != 1000 || st.Sum != 500500 || st.Min != 1 || st.Max != 1000 || st.Average() != 500.5 {
		t.Errorf("statistics: %+v", st)
	}
	for _, tt := range []struct{ p, want float64 }{{0, 1}, {50, 500}, {90, 900}, {99, 990}, {99.9, 999}, {100, 1000}} {
		if got := st.Percentile(tt.p); math.Abs(got-tt.want)/tt.want > 0.005 {
			t.Errorf("p%v: got %v, want %v within 0.5%%", tt.p, got, tt.want)
		}
	}
	one := cloudwatch.Stat{}
	m.Record(cloudwatch.Duration, cloudwatch.Dims{Region: "r", Function: "g"}, 12.34)
	points = query(t, m, cloudwatch.Query{Region: "r", Name: cloudwatch.Duration, Dimensions: []cloudwatch.Dimension{{Name: "FunctionName", Value: "g"}}})
	one = points[0].Stat
	if one.Percentile(99) != 12.34 || one.Percentile(50) != 12.34 {
		t.Errorf("a single value is its own percentile: p99 %v", one.Percentile(99))
	}
}

func query(t *testing.T, m *cloudwatch.Metrics, q cloudwatch.Query) []cloudwatch.Datapoint {
	t.Helper()
	if q.Start.IsZero() {
		q.Start, q.End, q.Period = time.Now().Add(-time.Hour), time.Now().Add(time.Minute), 2*time.Hour
	}
	points, err := m.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return points
}

func TestDimensionsAndHistorySurviveRestart(t *testing.T) {
	ctx := context.Background()
	b := openBacking(t)
	m := b.open(t, nil)
	m.Record(cloudwatch.Invocations, cloudwatch.Dims{Region: "r", Function: "f", Qualifier: "live"}, 1)
	m.Record(cloudwatch.Invocations, cloudwatch.Dims{Region: "r", Function: "f"}, 1)
	m.Record(cloudwatch.Invocations, cloudwatch.Dims{Region: "r", Function: "g"}, 1)
	m.Record(cloudwatch.Invocations, cloudwatch.Dims{Region: "other", Function: "f"}, 1)
	sums := func(m *cloudwatch.Metrics) []float64 {
		var out []float64
		for _, dims := range [][]cloudwatch.Dimension{
			nil,
			{{Name: "FunctionName", Value: "f"}},
			{{Name: "FunctionName", Value: "f"}, {Name: "Resource", Value: "f:live"}},
			{{Name: "Resource", Value: "f:live"}, {Name: "FunctionName", Value: "f"}},
			{{Name: "FunctionName", Value: "g"}},
			{{Name: "Version", Value: "1"}},
		} {
			var sum float64
			for _, p := range query(t, m, cloudwatch.Query{Region: "r", Name: cloudwatch.Invocations, Dimensions: dims}) {
				sum += p.Sum
			}
			out = append(out, sum)
		}
		return out
	}
	want := []float64{3, 2, 1, 1, 1, 0}
	if got := sums(m); !equal(got, want) {
		t.Errorf("before restart: got %v, want %v", got, want)
	}
	if err := m.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	again := b.open(t, nil)
	if got := sums(again); !equal(got, want) {
		t.Errorf("after restart: got %v, want %v", got, want)
	}
	list := again.List("r", cloudwatch.Invocations, []cloudwatch.Dimension{{Name: "FunctionName", Value: "f"}}, false)
	if len(list) != 2 {
		t.Errorf("Invocations series of f after restart: %+v", list)
	}
	if all := again.List("r", "", nil, false); len(all) != 4 {
		t.Errorf("series in r: %+v", all)
	}
}

// API Gateway's metrics live beside Lambda's, per API and per stage, and
// survive a restart.
func TestAPIGatewayMetrics(t *testing.T) {
	ctx := context.Background()
	b := openBacking(t)
	m := b.open(t, nil)
	api := []cloudwatch.Dimension{{Name: "ApiId", Value: "api1"}}
	stage := func(name string) []cloudwatch.Dimension {
		return append(api[:1:1], cloudwatch.Dimension{Name: "Stage", Value: name})
	}
	for _, dims := range [][]cloudwatch.Dimension{api, stage("$default"), api, stage("prod")} {
		m.Put(cloudwatch.NamespaceAPIGateway, cloudwatch.Count, "r", dims, 1)
	}
	m.Put(cloudwatch.NamespaceAPIGateway, cloudwatch.Latency, "r", stage("prod"), 12)
	m.Put(cloudwatch.NamespaceAPIGateway, cloudwatch.Count, "r", []cloudwatch.Dimension{{Name: "FunctionName", Value: "f"}}, 1) // not API Gateway's
	m.Record(cloudwatch.Invocations, cloudwatch.Dims{Region: "r", Function: "api1"}, 1)
	if err := m.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	again := b.open(t, nil)
	sum := func(dims []cloudwatch.Dimension) float64 {
		var total float64
		for _, p := range query(t, again, cloudwatch.Query{Region: "r", Namespace: cloudwatch.NamespaceAPIGateway, Name: cloudwatch.Count, Dimensions: dims}) {
			total += p.Sum
		}
		return total
	}
	if got := sum(api); got != 2 {
		t.Errorf("Count of the API: %v", got)
	}
	if got := sum(stage("prod")); got != 1 {
		t.Errorf("Count of the prod stage: %v", got)
	}
	var apigw, lambda int
	for _, mt := range again.List("r", "", nil, false) {
		switch mt.Namespace {
		case cloudwatch.NamespaceAPIGateway:
			apigw++
		case cloudwatch.Namespace:
			lambda++
		}
	}
	if apigw != 4 || lambda != 2 {
		t.Errorf("series: %d of AWS/ApiGateway, %d of AWS/Lambda", apigw, lambda)
	}
	if !cloudwatch.Known(cloudwatch.NamespaceAPIGateway) || cloudwatch.Unit[cloudwatch.IntegrationLatency] != "Milliseconds" {
		t.Error("AWS/ApiGateway's metrics are not known")
	}
}

// TestS3Namespace records AWS/S3 metrics with Put: one series per bucket
// and filter, its dimensions in any order, kept across a restart.
func TestS3Namespace(t *testing.T) {
	ctx := context.Background()
	b := openBacking(t)
	m := b.open(t, nil)
	bucket := []cloudwatch.Dimension{{Name: "FilterId", Value: "EntireBucket"}, {Name: "BucketName", Value: "photos"}}
	for range 3 {
		m.Put(cloudwatch.NamespaceS3, cloudwatch.AllRequests, "r", bucket, 1)
	}
	m.Put(cloudwatch.NamespaceS3, cloudwatch.BytesDownloaded, "r", bucket, 4096)
	sum := func(m *cloudwatch.Metrics, dims []cloudwatch.Dimension) float64 {
		var s float64
		for _, p := range query(t, m, cloudwatch.Query{Region: "r", Namespace: cloudwatch.NamespaceS3, Name: cloudwatch.AllRequests, Dimensions: dims}) {
			s += p.Sum
		}
		return s
	}
	check := func(m *cloudwatch.Metrics, when string) {
		if got := sum(m, []cloudwatch.Dimension{bucket[1], bucket[0]}); got != 3 {
			t.Errorf("%s: AllRequests %v, want 3", when, got)
		}
		s3 := m.List("r", "", []cloudwatch.Dimension{{Name: "BucketName", Value: "photos"}}, false)
		if len(s3) != 2 || s3[0].Namespace != cloudwatch.NamespaceS3 || len(s3[0].Dimensions) != 2 {
			t.Errorf("%s: S3 series %+v", when, s3)
		}
	}
	check(m, "before restart")
	if err := m.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	check(b.open(t, nil), "after restart")
}

func TestPeriods(t *testing.T) {
	b := openBacking(t)
	m := b.open(t, nil)
	m.Record(cloudwatch.Throttles, cloudwatch.Dims{Region: "r", Function: "f"}, 1)
	now := time.Now()
	start := now.Truncate(time.Minute).Add(-5 * time.Minute)
	points := query(t, m, cloudwatch.Query{Region: "r", Name: cloudwatch.Throttles, Start: start, End: now.Add(time.Minute), Period: time.Minute})
	if len(points) != 1 || !points[0].Time.Equal(now.Truncate(time.Minute)) {
		t.Errorf("1-minute periods: %+v", points)
	}
	points = query(t, m, cloudwatch.Query{Region: "r", Name: cloudwatch.Throttles, Start: start, End: now.Add(time.Minute), Period: 3 * time.Minute})
	if len(points) != 1 || !points[0].Time.Equal(start.Add(3*time.Minute)) {
		t.Errorf("3-minute periods from %v: %+v", start, points)
	}
	if points := query(t, m, cloudwatch.Query{Region: "r", Name: cloudwatch.Throttles, Start: now.Add(time.Minute), End: now.Add(5 * time.Minute), Period: time.Minute}); len(points) != 0 {
		t.Errorf("a later window: %+v", points)
	}
}

// TestEndInAMinutesFirstSecond asks for a window that ends a moment after
// a minute began: that minute's data is in it (the console's refresh in
// the first second of a minute showed none of the open minute).
func TestEndInAMinutesFirstSecond(t *testing.T) {
	b := openBacking(t)
	m := b.open(t, nil)
	var minute time.Time
	for {
		minute = time.Now().Truncate(time.Minute)
		m.Record(cloudwatch.Throttles, cloudwatch.Dims{Region: "r", Function: "f"}, 1)
		if time.Now().Truncate(time.Minute).Equal(minute) {
			break
		}
	}
	points := query(t, m, cloudwatch.Query{Region: "r", Name: cloudwatch.Throttles, Start: minute.Add(-time.Hour), End: minute.Add(300 * time.Millisecond), Period: time.Minute})
	if len(points) != 1 || !points[0].Time.Equal(minute) || points[0].Sum < 1 {
		t.Errorf("a window ending 300 ms into the minute of %v: %+v", minute, points)
	}
	if points := query(t, m, cloudwatch.Query{Region: "r", Name: cloudwatch.Throttles, Start: minute.Add(-time.Hour), End: minute, Period: time.Minute}); len(points) != 0 {
		t.Errorf("a window ending as the minute begins: %+v", points)
	}
}

func TestPrometheusExposition(t *testing.T) {
	b := openBacking(t)
	m := b.open(t, func() (int, map[string]int) { return 3, map[string]int{"r/f": 2, "r/g": 1} })
	m.Record(cloudwatch.Invocations, cloudwatch.Dims{Region: "r", Function: "f"}, 1)
	m.Record(cloudwatch.Invocations, cloudwatch.Dims{Region: "r", Function: "f", Qualifier: "live"}, 1)
	m.Record(cloudwatch.Invocations, cloudwatch.Dims{Region: "r", Function: "f", Qualifier: "live"}, 1)
	m.Record(cloudwatch.Duration, cloudwatch.Dims{Region: "r", Function: "f", Qualifier: "live"}, 20)
	m.Record(cloudwatch.Duration, cloudwatch.Dims{Region: "r", Function: "f", Qualifier: "live"}, 2000)
	m.Record(cloudwatch.Errors, cloudwatch.Dims{Region: "r", Function: `we"ird\`}, 0)
	var buf bytes.Buffer
	m.WritePrometheus(&buf)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("parse:\n%s\n%v", buf.String(), err)
	}
	labels := func(pairs ...string) map[string]string {
		out := map[string]string{}
		for i := 0; i+1 < len(pairs); i += 2 {
			out[pairs[i]] = pairs[i+1]
		}
		return out
	}
	find := func(family string, want map[string]string) bool {
		for _, mt := range families[family].GetMetric() {
			got := map[string]string{}
			for _, l := range mt.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			if len(got) != len(want) {
				continue
			}
			same := true
			for k, v := range want {
				same = same && got[k] == v
			}
			if !same {
				continue
			}
			switch {
			case mt.Counter != nil:
				return mt.Counter.GetValue() == 2
			case mt.Histogram != nil:
				h := mt.Histogram
				return h.GetSampleCount() == 2 && h.GetSampleSum() == 2.02 && h.Bucket[5].GetUpperBound() == 0.1 && h.Bucket[5].GetCumulativeCount() == 1
			case mt.Gauge != nil:
				return mt.Gauge.GetValue() == 2
			}
		}
		return false
	}
	if !find("nubo_lambda_invocations_total", labels("region", "r", "function", "f", "qualifier", "live")) {
		t.Errorf("invocations of f:live:\n%s", buf.String())
	}
	if !find("nubo_lambda_duration_seconds", labels("region", "r", "function", "f", "qualifier", "live")) {
		t.Errorf("duration histogram of f:live:\n%s", buf.String())
	}
	if !find("nubo_lambda_concurrent_executions", labels("region", "r", "function", "f")) {
		t.Errorf("concurrency of f:\n%s", buf.String())
	}
	weird := false
	for _, mt := range families["nubo_lambda_errors_total"].GetMetric() {
		for _, l := range mt.GetLabel() {
			weird = weird || l.GetName() == "function" && l.GetValue() == `we"ird\`
		}
	}
	if !weird {
		t.Errorf("errors of a function with quotes in its name:\n%s", buf.String())
	}
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestOtherNamespace records AWS/DynamoDB metrics with Put: one series
// each, listed and queried by their own dimensions, kept across a restart.
func TestOtherNamespace(t *testing.T) {
	b := openBacking(t)
	m := b.open(t, nil)
	dims := []cloudwatch.Dimension{{Name: "TableName", Value: "t1"}, {Name: "Operation", Value: "GetItem"}}
	m.Put(cloudwatch.NamespaceDynamoDB, cloudwatch.SuccessfulRequestLatency, "r", dims, 2)
	m.Put(cloudwatch.NamespaceDynamoDB, cloudwatch.SuccessfulRequestLatency, "r", dims, 4)
	m.Put(cloudwatch.NamespaceDynamoDB, cloudwatch.UserErrors, "r", nil, 1)
	m.Put(cloudwatch.NamespaceDynamoDB, cloudwatch.UserErrors, "r", []cloudwatch.Dimension{{Name: "FunctionName", Value: "f"}}, 1) // not a DynamoDB dimension
	points := query(t, m, cloudwatch.Query{Namespace: cloudwatch.NamespaceDynamoDB, Region: "r", Name: cloudwatch.SuccessfulRequestLatency, Dimensions: dims})
	if len(points) != 1 || points[0].Count != 2 || points[0].Average() != 3 {
		t.Errorf("latency = %+v", points)
	}
	if points := query(t, m, cloudwatch.Query{Region: "r", Name: cloudwatch.SuccessfulRequestLatency, Dimensions: dims}); len(points) != 0 {
		t.Errorf("found in AWS/Lambda: %+v", points)
	}
	if err := m.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	again := b.open(t, nil)
	list := again.List("r", "", []cloudwatch.Dimension{{Name: "TableName"}}, false)
	if len(list) != 1 || list[0].Namespace != cloudwatch.NamespaceDynamoDB || list[0].Name != cloudwatch.SuccessfulRequestLatency {
		t.Errorf("list after restart = %+v", list)
	}
}

func TestEventsNamespace(t *testing.T) {
	b := openBacking(t)
	m := b.open(t, nil)
	rule := []cloudwatch.Dimension{{Name: "RuleName", Value: "r"}}
	m.Put(cloudwatch.NamespaceEvents, cloudwatch.Invocations, "us-east-1", rule, 1)
	m.Put(cloudwatch.NamespaceEvents, cloudwatch.Invocations, "us-east-1", append([]cloudwatch.Dimension{{Name: "EventBusName", Value: "b"}}, rule...), 1)
	m.Put(cloudwatch.NamespaceEvents, cloudwatch.Invocations, "us-east-1", []cloudwatch.Dimension{{Name: "FunctionName", Value: "r"}}, 1)
	if got := query(t, m, cloudwatch.Query{Namespace: cloudwatch.NamespaceEvents, Region: "us-east-1", Name: cloudwatch.Invocations, Dimensions: rule}); len(got) != 1 || got[0].Sum != 1 {
		t.Fatalf("per rule: %+v", got)
	}
	if got := query(t, m, cloudwatch.Query{Region: "us-east-1", Name: cloudwatch.Invocations, Dimensions: []cloudwatch.Dimension{{Name: "FunctionName", Value: "r"}}}); len(got) != 0 {
		t.Fatalf("an AWS/Events series in AWS/Lambda: %+v", got)
	}
	n := 0
	for _, mt := range m.List("us-east-1", "", nil, false) {
		if mt.Namespace == cloudwatch.NamespaceEvents {
			n++
		}
	}
	if n != 2 {
		t.Errorf("AWS/Events series listed: %d", n)
	}
}

// QueryMany answers each of its queries as Query would, with one read of
// the history.
func TestQueryMany(t *testing.T) {
	b := openBacking(t)
	m := b.open(t, nil)
	m.Record(cloudwatch.Invocations, cloudwatch.Dims{Region: "r", Function: "f"}, 1)
	m.Record(cloudwatch.Duration, cloudwatch.Dims{Region: "r", Function: "f"}, 20)
	m.Record(cloudwatch.Invocations, cloudwatch.Dims{Region: "r", Function: "g"}, 1)
	now := time.Now()
	start := now.Truncate(time.Minute).Add(-5 * time.Minute)
	dims := func(fn string) []cloudwatch.Dimension {
		return []cloudwatch.Dimension{{Name: cloudwatch.DimFunctionName, Value: fn}}
	}
	qs := []cloudwatch.Query{
		{Region: "r", Name: cloudwatch.Invocations, Dimensions: dims("f"), Start: start, End: now.Add(time.Minute), Period: time.Minute},
		{Region: "r", Name: cloudwatch.Duration, Dimensions: dims("f"), Start: start, End: now.Add(time.Minute), Period: 3 * time.Minute},
		{Region: "r", Name: cloudwatch.Invocations, Dimensions: dims("g"), Start: start, End: now.Add(time.Minute), Period: time.Hour},
		{Region: "r", Name: cloudwatch.Invocations, Dimensions: dims("none"), Start: start, End: now.Add(time.Minute), Period: time.Minute},
		{Region: "r", Name: cloudwatch.Invocations, Start: now.Add(time.Minute), End: now.Add(5 * time.Minute), Period: time.Minute},
		{Region: "r", Name: cloudwatch.Invocations, Dimensions: []cloudwatch.Dimension{{Name: "Nonsense", Value: "x"}}, Start: start, End: now, Period: time.Minute},
	}
	got, err := m.QueryMany(context.Background(), qs)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(qs) {
		t.Fatalf("%d answers to %d queries", len(got), len(qs))
	}
	for i, q := range qs {
		if want := query(t, m, q); fmt.Sprint(got[i]) != fmt.Sprint(want) {
			t.Errorf("query %d: QueryMany %+v, Query %+v", i, got[i], want)
		}
	}
	if len(got[0]) != 1 || got[0][0].Sum != 1 || len(got[3]) != 0 || len(got[4]) != 0 {
		t.Errorf("answers: %+v", got)
	}
}
