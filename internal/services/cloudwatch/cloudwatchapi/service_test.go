package cloudwatchapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/nubo-dev/nubo/internal/services/cloudwatch"
)

// fakeMetrics answers every query with one datapoint.
type fakeMetrics struct{}

func (fakeMetrics) Query(ctx context.Context, q cloudwatch.Query) ([]cloudwatch.Datapoint, error) {
	return []cloudwatch.Datapoint{{Time: q.Start, Stat: cloudwatch.Stat{Count: 2, Sum: 3, Min: 1, Max: 2, Hist: map[int32]int64{0: 1, 70: 1}}}}, nil
}

func (f fakeMetrics) QueryMany(ctx context.Context, qs []cloudwatch.Query) ([][]cloudwatch.Datapoint, error) {
	out := make([][]cloudwatch.Datapoint, len(qs))
	for i, q := range qs {
		out[i], _ = f.Query(ctx, q)
	}
	return out, nil
}

func (fakeMetrics) List(region, name string, dims []cloudwatch.Dimension, recent bool) []cloudwatch.Metric {
	return []cloudwatch.Metric{{Name: cloudwatch.Invocations}}
}

// FuzzService sends arbitrary bodies in each protocol: nubo must answer,
// never panic or fail with a server error.
func FuzzService(f *testing.F) {
	s := New(fakeMetrics{}, "000000000000", slog.New(slog.NewTextHandler(io.Discard, nil)))
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
			r.Header.Set("X-Amz-Target", serviceName+"."+op)
		default:
			r = httptest.NewRequest("POST", "/service/"+serviceName+"/operation/"+url.PathEscape(op), strings.NewReader(body))
			r.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %q: status %d: %s", op, body, w.Code, w.Body)
		}
	})
}
