package cloudwatch

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/metrics"
)

func TestDecodeQuery(t *testing.T) {
	form, _ := url.ParseQuery("Action=GetMetricData&StartTime=2026-01-02T03%3A04%3A05Z" +
		"&MetricDataQueries.member.2.Id=b&MetricDataQueries.member.1.Id=a" +
		"&MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name=FunctionName" +
		"&MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value=f" +
		"&MetricDataQueries.member.1.MetricStat.Period=60&Statistics.member.1=Sum&Statistics.member.2=p99")
	in := decodeQuery(form)
	if in.str("Action") != "GetMetricData" {
		t.Errorf("Action: %v", in["Action"])
	}
	if got := in.strings("Statistics"); !reflect.DeepEqual(got, []string{"Sum", "p99"}) {
		t.Errorf("Statistics: %v", got)
	}
	queries := in.list("MetricDataQueries")
	if len(queries) != 2 || asParams(queries[0]).str("Id") != "a" || asParams(queries[1]).str("Id") != "b" {
		t.Fatalf("MetricDataQueries: %v", queries)
	}
	stat := asParams(queries[0]).obj("MetricStat")
	if p, ok := stat.num("Period"); !ok || p != 60 {
		t.Errorf("Period: %v", stat["Period"])
	}
	dims, err := dimensionsOf(stat.obj("Metric"), "Dimensions")
	if err != nil || len(dims) != 1 || dims[0] != (metrics.Dimension{Name: "FunctionName", Value: "f"}) {
		t.Errorf("Dimensions: %v %v", dims, err)
	}
	if ts, ok := in.time("StartTime"); !ok || !ts.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("StartTime: %v", ts)
	}
}

func TestTimesInEveryProtocol(t *testing.T) {
	want := time.Date(2026, 1, 2, 3, 4, 5, 500_000_000, time.UTC)
	codec, err := newCBORCodec()
	if err != nil {
		t.Fatal(err)
	}
	data, err := codec.enc.Marshal(toCBOR(map[string]any{"T": want, "M": dict{"p99": 1.5}}))
	if err != nil {
		t.Fatal(err)
	}
	decoded := map[string]any{}
	if err := codec.dec.Unmarshal(data, &decoded); err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]params{
		"cbor":  decoded,
		"json":  {"T": 1767323045.5},
		"query": {"T": "2026-01-02T03:04:05.500Z"},
	} {
		if got, ok := p.time("T"); !ok || !got.Equal(want) {
			t.Errorf("%s: got %v, want %v", name, got, want)
		}
	}
	var buf bytes.Buffer
	writeXML(&buf, "GetMetricStatistics", map[string]any{"Datapoints": []any{map[string]any{"Timestamp": want, "ExtendedStatistics": dict{"p99": 1.5}}}}, "id")
	for _, part := range []string{"<Timestamp>2026-01-02T03:04:05.500Z</Timestamp>", "<entry><key>p99</key><value>1.5</value></entry>", "<RequestId>id</RequestId>"} {
		if !strings.Contains(buf.String(), part) {
			t.Errorf("XML lacks %s:\n%s", part, buf.String())
		}
	}
}

// fakeMetrics answers every query with one datapoint.
type fakeMetrics struct{}

func (fakeMetrics) Query(ctx context.Context, q metrics.Query) ([]metrics.Datapoint, error) {
	return []metrics.Datapoint{{Time: q.Start, Stat: metrics.Stat{Count: 2, Sum: 3, Min: 1, Max: 2, Hist: map[int32]int64{0: 1, 70: 1}}}}, nil
}

func (fakeMetrics) List(region, name string, dims []metrics.Dimension, recent bool) []metrics.Metric {
	return []metrics.Metric{{Name: metrics.Invocations}}
}

// FuzzService sends arbitrary bodies in each protocol: nubo must answer,
// never panic or fail with a server error.
func FuzzService(f *testing.F) {
	s, err := New(fakeMetrics{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint8(0), "GetMetricStatistics", "Action=GetMetricStatistics&Namespace=AWS/Lambda&MetricName=Duration&StartTime=2026-01-01T00:00:00Z&EndTime=2026-01-01T01:00:00Z&Period=60&Statistics.member.1=Sum&ExtendedStatistics.member.1=p99")
	f.Add(uint8(1), "GetMetricData", `{"StartTime":1767225600,"EndTime":1767229200,"MetricDataQueries":[{"Id":"a","MetricStat":{"Period":60,"Stat":"p50","Metric":{"Namespace":"AWS/Lambda","MetricName":"Errors"}}}]}`)
	f.Add(uint8(2), "ListMetrics", "\xa1iNamespacejAWS/Lambda")
	f.Fuzz(func(t *testing.T, proto uint8, op, body string) {
		var r *http.Request
		switch proto % 3 {
		case 0:
			r = httptest.NewRequest("POST", "/", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		case 1:
			r = httptest.NewRequest("POST", "/", strings.NewReader(body))
			r.Header.Set("X-Amz-Target", TargetPrefix+op)
		default:
			r = httptest.NewRequest("POST", PathPrefix+url.PathEscape(op), strings.NewReader(body))
			r.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %q: status %d: %s", op, body, w.Code, w.Body)
		}
	})
}
