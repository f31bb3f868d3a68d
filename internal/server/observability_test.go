package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/nubo-dev/nubo/internal/meter"
	"github.com/nubo-dev/nubo/internal/server"
)

// cloudwatchClient is an SDK CloudWatch client pointed at nubo, speaking
// the SDK's own protocol (RPC v2 CBOR) or the one protocol sets.
func (n *nubo) cloudwatchClient(protocol string) *cloudwatch.Client {
	return cloudwatch.NewFromConfig(aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String("http://" + n.addr),
	}, func(o *cloudwatch.Options) {
		switch protocol {
		case "json":
			o.Protocol = awsjson.New10(schemas.GraniteServiceVersion20100801)
		case "query":
			o.Protocol = awsquery.New(schemas.GraniteServiceVersion20100801)
		}
	})
}

// report is what a REPORT line says.
type report struct {
	durationMs float64
	billedMs   int64
	memoryMB   int64
}

var reportRE = regexp.MustCompile(`^REPORT RequestId: \S+\tDuration: ([0-9.]+) ms\tBilled Duration: (\d+) ms\tMemory Size: (\d+) MB\t`)

// reports reads back, through GetLogEvents, the REPORT lines of every
// stream of a function's log group.
func (n *nubo) reports(t *testing.T, function string) []report {
	t.Helper()
	c := n.logsClient()
	group := "/aws/lambda/" + function
	streams, err := c.DescribeLogStreams(context.Background(), &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String(group)})
	if err != nil {
		t.Fatal(err)
	}
	var out []report
	for _, st := range streams.LogStreams {
		for _, line := range streamEvents(t, c, group, aws.ToString(st.LogStreamName)) {
			m := reportRE.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			d, _ := strconv.ParseFloat(m[1], 64)
			b, _ := strconv.ParseInt(m[2], 10, 64)
			mem, _ := strconv.ParseInt(m[3], 10, 64)
			out = append(out, report{d, b, mem})
		}
	}
	return out
}

// cost fetches the bill of this month.
func (n *nubo) cost(t *testing.T, query string) meter.Report {
	t.Helper()
	resp := n.do(t, "GET", meter.Path+"?"+query, signedFor("nubo"), nil)
	var r meter.Report
	if err := json.Unmarshal(resp.body, &r); err != nil {
		t.Fatalf("%s: %d %s: %v", meter.Path, resp.status, resp.body, err)
	}
	return r
}

func functionCost(r meter.Report, name string) meter.FunctionCost {
	for _, f := range r.Functions {
		if f.Function == name {
			return f
		}
	}
	return meter.FunctionCost{}
}

// statistics asks CloudWatch for a function's metric over the last hour,
// in one period.
func statistics(t *testing.T, c *cloudwatch.Client, metric string, dims []cwtypes.Dimension, stats ...cwtypes.Statistic) *cwtypes.Datapoint {
	t.Helper()
	now := time.Now()
	out, err := c.GetMetricStatistics(context.Background(), &cloudwatch.GetMetricStatisticsInput{
		Namespace: aws.String("AWS/Lambda"), MetricName: aws.String(metric), Dimensions: dims,
		StartTime: aws.Time(now.Add(-time.Hour)), EndTime: aws.Time(now.Add(time.Minute)), Period: aws.Int32(3660),
		Statistics: stats, ExtendedStatistics: []string{"p50", "p99"},
	})
	if err != nil {
		t.Fatalf("GetMetricStatistics %s: %v", metric, err)
	}
	if len(out.Datapoints) != 1 {
		t.Fatalf("GetMetricStatistics %s: %d datapoints, want 1: %+v", metric, len(out.Datapoints), out.Datapoints)
	}
	return &out.Datapoints[0]
}

func fnDims(name string) []cwtypes.Dimension {
	return []cwtypes.Dimension{{Name: aws.String("FunctionName"), Value: aws.String(name)}}
}

// TestBillExactness invokes handlers of known sleep times and memory
// sizes, and checks that the bill (requests, MB·ms, GB-seconds) is exactly
// what the REPORT lines read back through GetLogEvents say, and that the
// Invocations and Duration metrics agree with them.
func TestBillExactness(t *testing.T) {
	n := startNubo(t, "")
	plan := []struct {
		name    string
		memory  int32
		arch    types.Architecture
		sleeps  []int
		aliased bool
	}{
		{"exact-small", 128, types.ArchitectureX8664, []int{0, 15, 15, 40}, false},
		{"exact-large", 1536, types.ArchitectureArm64, []int{25, 5, 60}, true},
	}
	ctx := context.Background()
	for _, p := range plan {
		n.createGo(t, p.name, func(in *lambda.CreateFunctionInput) {
			in.MemorySize = aws.Int32(p.memory)
			in.Architectures = []types.Architecture{p.arch}
		})
		qualifier := (*string)(nil)
		if p.aliased {
			v := n.publish(t, p.name)
			if _, err := n.client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String(p.name), Name: aws.String("live"), FunctionVersion: aws.String(v)}); err != nil {
				t.Fatal(err)
			}
			qualifier = aws.String("live")
		}
		for _, ms := range p.sleeps {
			n.invokeJSON(t, &lambda.InvokeInput{FunctionName: aws.String(p.name), Qualifier: qualifier, Payload: []byte(fmt.Sprintf(`{"op":"sleep","ms":%d}`, ms))})
		}
	}

	bill := n.cost(t, "")
	cw := n.cloudwatchClient("")
	var totalMBMs, totalRequests int64
	for _, p := range plan {
		reports := n.reports(t, p.name)
		var mbMs, billed int64
		var durations float64
		for _, r := range reports {
			if r.memoryMB != int64(p.memory) {
				t.Errorf("%s: REPORT memory %d, want %d", p.name, r.memoryMB, p.memory)
			}
			mbMs += r.billedMs * r.memoryMB
			billed += r.billedMs
			durations += r.durationMs
		}
		if len(reports) != len(p.sleeps) {
			t.Fatalf("%s: %d REPORT lines, want %d", p.name, len(reports), len(p.sleeps))
		}
		got := functionCost(bill, p.name)
		t.Logf("%s: %d requests, %d billed ms, %d MB·ms = %.6f GB-s (REPORT lines: %d requests, %d ms, %d MB·ms)",
			p.name, got.Requests, got.BilledMs, got.MBMs, got.GBSeconds, len(reports), billed, mbMs)
		if got.Requests != int64(len(reports)) || got.BilledMs != billed || got.MBMs != mbMs || got.GBSeconds != float64(mbMs)/1024000 {
			t.Errorf("%s: bill %+v, REPORT lines say %d requests, %d billed ms, %d MB·ms", p.name, got, len(reports), billed, mbMs)
		}
		if len(got.Lines) != 1 || got.Lines[0].Architecture != string(p.arch) {
			t.Errorf("%s: bill lines %+v", p.name, got.Lines)
		}
		totalMBMs += mbMs
		totalRequests += int64(len(reports))

		inv := statistics(t, cw, "Invocations", fnDims(p.name), cwtypes.StatisticSum)
		if aws.ToFloat64(inv.Sum) != float64(len(reports)) {
			t.Errorf("%s: Invocations Sum %v, want %d", p.name, aws.ToFloat64(inv.Sum), len(reports))
		}
		dur := statistics(t, cw, "Duration", fnDims(p.name), cwtypes.StatisticSum, cwtypes.StatisticSampleCount, cwtypes.StatisticMaximum)
		if aws.ToFloat64(dur.SampleCount) != float64(len(reports)) || math.Abs(aws.ToFloat64(dur.Sum)-durations) > 1e-6 {
			t.Errorf("%s: Duration SampleCount %v Sum %v, REPORT lines say %d and %v", p.name, aws.ToFloat64(dur.SampleCount), aws.ToFloat64(dur.Sum), len(reports), durations)
		}
		if dur.Unit != cwtypes.StandardUnitMilliseconds || dur.ExtendedStatistics["p99"] > aws.ToFloat64(dur.Maximum) || dur.ExtendedStatistics["p99"] < float64(slicesMax(p.sleeps)) {
			t.Errorf("%s: Duration %+v", p.name, dur)
		}
		if p.aliased {
			res := append(fnDims(p.name), cwtypes.Dimension{Name: aws.String("Resource"), Value: aws.String(p.name + ":live")})
			if got := statistics(t, cw, "Invocations", res, cwtypes.StatisticSum); aws.ToFloat64(got.Sum) != float64(len(reports)) {
				t.Errorf("%s:live Invocations %v", p.name, aws.ToFloat64(got.Sum))
			}
		}
	}
	if bill.Requests != totalRequests || bill.MBMs != totalMBMs || bill.FreeRequests != totalRequests || bill.Cost != 0 {
		t.Errorf("bill totals %+v, want %d requests and %d MB·ms, all free", bill, totalRequests, totalMBMs)
	}
	all := statistics(t, cw, "Invocations", nil, cwtypes.StatisticSum)
	if aws.ToFloat64(all.Sum) != float64(totalRequests) {
		t.Errorf("account Invocations %v, want %d", aws.ToFloat64(all.Sum), totalRequests)
	}
}

func slicesMax(s []int) int {
	m := 0
	for _, v := range s {
		m = max(m, v)
	}
	return m
}

// TestCloudWatchProtocols asks for the same metrics in the three protocols
// CloudWatch's clients speak, and checks errors in each.
func TestCloudWatchProtocols(t *testing.T) {
	n := startNubo(t, "")
	n.createGo(t, "metered", nil)
	for i := 0; i < 3; i++ {
		n.invokeJSON(t, &lambda.InvokeInput{FunctionName: aws.String("metered"), Payload: []byte(`{"op":"sleep","ms":5}`)})
	}
	n.invokeJSON(t, &lambda.InvokeInput{FunctionName: aws.String("metered"), Payload: []byte(`{"op":"error","value":"x"}`)})
	ctx := context.Background()
	now := time.Now()
	for _, protocol := range []string{"", "json", "query"} {
		t.Run("protocol="+protocol, func(t *testing.T) {
			c := n.cloudwatchClient(protocol)
			inv := statistics(t, c, "Invocations", fnDims("metered"), cwtypes.StatisticSum, cwtypes.StatisticSampleCount)
			if aws.ToFloat64(inv.Sum) != 4 || inv.Timestamp == nil || inv.Timestamp.After(now) {
				t.Errorf("Invocations: %+v", inv)
			}
			errs := statistics(t, c, "Errors", fnDims("metered"), cwtypes.StatisticSum, cwtypes.StatisticAverage)
			if aws.ToFloat64(errs.Sum) != 1 || aws.ToFloat64(errs.Average) != 0.25 {
				t.Errorf("Errors: sum %v average %v, want 1 and 0.25", aws.ToFloat64(errs.Sum), aws.ToFloat64(errs.Average))
			}

			data, err := c.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
				StartTime: aws.Time(now.Add(-10 * time.Minute)), EndTime: aws.Time(now.Add(2 * time.Minute)),
				MetricDataQueries: []cwtypes.MetricDataQuery{
					{Id: aws.String("inv"), MetricStat: &cwtypes.MetricStat{Period: aws.Int32(60), Stat: aws.String("Sum"),
						Metric: &cwtypes.Metric{Namespace: aws.String("AWS/Lambda"), MetricName: aws.String("Invocations"), Dimensions: fnDims("metered")}}},
					{Id: aws.String("p99"), MetricStat: &cwtypes.MetricStat{Period: aws.Int32(720), Stat: aws.String("p99"),
						Metric: &cwtypes.Metric{Namespace: aws.String("AWS/Lambda"), MetricName: aws.String("Duration")}}},
				},
			})
			if err != nil {
				t.Fatalf("GetMetricData: %v", err)
			}
			if len(data.MetricDataResults) != 2 {
				t.Fatalf("GetMetricData results: %+v", data.MetricDataResults)
			}
			var sum float64
			r := data.MetricDataResults[0]
			for _, v := range r.Values {
				sum += v
			}
			if aws.ToString(r.Id) != "inv" || sum != 4 || len(r.Timestamps) != len(r.Values) || r.StatusCode != cwtypes.StatusCodeComplete {
				t.Errorf("GetMetricData inv: %+v", r)
			}
			if p := data.MetricDataResults[1]; len(p.Values) != 1 || p.Values[0] < 5 {
				t.Errorf("GetMetricData p99 of the account's Duration: %+v", p)
			}

			list, err := c.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("AWS/Lambda"), MetricName: aws.String("Duration")})
			if err != nil {
				t.Fatalf("ListMetrics: %v", err)
			}
			if len(list.Metrics) != 2 {
				t.Errorf("Duration metrics (account, function): %+v", list.Metrics)
			}
			filtered, err := c.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Dimensions: []cwtypes.DimensionFilter{{Name: aws.String("FunctionName"), Value: aws.String("metered")}}})
			if err != nil {
				t.Fatalf("ListMetrics: %v", err)
			}
			names := map[string]bool{}
			for _, m := range filtered.Metrics {
				names[aws.ToString(m.MetricName)] = true
			}
			if !names["Invocations"] || !names["Errors"] || !names["Duration"] {
				t.Errorf("metrics of metered: %v", names)
			}

			// The SDK names a query-protocol error by its shape; the others
			// carry the query code (X-Amzn-Query-Error), as AWS's do.
			code := func(c string) string {
				if protocol == "query" {
					return c + "Exception"
				}
				return c
			}
			_, err = c.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("AWS/Lambda"), MetricName: aws.String("Invocations"),
				StartTime: aws.Time(now.Add(-time.Hour)), EndTime: aws.Time(now), Period: aws.Int32(45), Statistics: []cwtypes.Statistic{cwtypes.StatisticSum}})
			checkError(t, err, apiError{code: code("InvalidParameterValue"), status: 400, message: "The parameter Period must be a multiple of 60."})
			_, err = c.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("AWS/Lambda"), MetricName: aws.String("Invocations"),
				StartTime: aws.Time(now.Add(-time.Hour)), EndTime: aws.Time(now), Period: aws.Int32(60)})
			checkError(t, err, apiError{code: code("InvalidParameterCombination"), status: 400})
			_, err = c.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("AWS/Lambda"), MetricName: aws.String("Invocations"),
				StartTime: aws.Time(now.Add(-30 * 24 * time.Hour)), EndTime: aws.Time(now), Period: aws.Int32(60), Statistics: []cwtypes.Statistic{cwtypes.StatisticSum}})
			checkError(t, err, apiError{code: code("InvalidParameterCombination"), status: 400})
		})
	}
}

// TestBillingGranularityScrapeAndRestart bills in 100 ms steps: the REPORT
// lines, the bill and the metrics agree on it; /metrics parses as
// Prometheus text; and a restart keeps logs, metrics and the bill.
func TestBillingGranularityScrapeAndRestart(t *testing.T) {
	dir := t.TempDir()
	hundred := func(c *server.Config) { c.BillingGranularity = 100 * time.Millisecond }
	n := startNuboWith(t, dir, hundred)
	n.createGo(t, "coarse", func(in *lambda.CreateFunctionInput) { in.MemorySize = aws.Int32(512) })
	for _, ms := range []int{1, 120} {
		n.invokeJSON(t, &lambda.InvokeInput{FunctionName: aws.String("coarse"), Payload: []byte(fmt.Sprintf(`{"op":"sleep","ms":%d}`, ms))})
	}
	reports := n.reports(t, "coarse")
	var mbMs int64
	for _, r := range reports {
		if r.billedMs%100 != 0 || r.billedMs == 0 {
			t.Errorf("billed %d ms, want a multiple of 100", r.billedMs)
		}
		mbMs += r.billedMs * r.memoryMB
	}
	bill := functionCost(n.cost(t, "function=coarse"), "coarse")
	if len(reports) != 2 || bill.Requests != 2 || bill.MBMs != mbMs {
		t.Fatalf("bill %+v, REPORT lines %+v", bill, reports)
	}

	resp, err := http.Get("http://" + n.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	value := func(family string) float64 {
		for _, m := range families[family].GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "function" && l.GetValue() == "coarse" {
					switch {
					case m.Counter != nil:
						return m.Counter.GetValue()
					case m.Gauge != nil:
						return m.Gauge.GetValue()
					case m.Histogram != nil:
						return float64(m.Histogram.GetSampleCount())
					}
				}
			}
		}
		return -1
	}
	if value("nubo_lambda_invocations_total") != 2 || value("nubo_lambda_duration_seconds") != 2 ||
		value("nubo_lambda_month_requests") != 2 || value("nubo_lambda_month_gb_seconds") != float64(mbMs)/1024000 {
		t.Errorf("/metrics: invocations %v, durations %v, month requests %v, GB-s %v", value("nubo_lambda_invocations_total"),
			value("nubo_lambda_duration_seconds"), value("nubo_lambda_month_requests"), value("nubo_lambda_month_gb_seconds"))
	}

	n.stop()
	n = startNuboWith(t, dir, hundred)
	if again := functionCost(n.cost(t, "function=coarse"), "coarse"); again.Requests != 2 || again.MBMs != mbMs {
		t.Errorf("bill after restart: %+v", again)
	}
	if got := n.reports(t, "coarse"); len(got) != 2 {
		t.Errorf("REPORT lines after restart: %+v", got)
	}
	inv := statistics(t, n.cloudwatchClient(""), "Invocations", fnDims("coarse"), cwtypes.StatisticSum)
	if aws.ToFloat64(inv.Sum) != 2 {
		t.Errorf("Invocations after restart: %v", aws.ToFloat64(inv.Sum))
	}
}
