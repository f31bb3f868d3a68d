package cloudwatch

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Path is where the Prometheus exposition is served.
const Path = "/metrics"

// promKey is one Prometheus series: a function, or one of its aliases or
// versions (the qualifier its callers named; "" for none). The series of
// a function are disjoint, so sum() over them gives its total.
type promKey struct {
	region, function, qualifier string
}

// promSeries holds running totals of every metric of a promKey.
type promSeries struct {
	sum     map[string]float64
	buckets map[string][]uint64 // per histogram metric, counts per bound of secondsBuckets
	count   map[string]uint64
}

// secondsBuckets are the upper bounds of the duration histograms.
var secondsBuckets = []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900}

// promNames are the Prometheus names of the metrics recorded with
// Record; the Milliseconds ones are histograms in seconds.
var promNames = map[string]struct{ name, help string }{
	Invocations:                 {"nubo_lambda_invocations_total", "Invocations of Lambda functions (AWS/Lambda Invocations)."},
	Errors:                      {"nubo_lambda_errors_total", "Invocations that failed (AWS/Lambda Errors)."},
	Throttles:                   {"nubo_lambda_throttles_total", "Invocations refused by concurrency limits (AWS/Lambda Throttles)."},
	DeadLetterErrors:            {"nubo_lambda_dead_letter_errors_total", "Failures to send an event to a dead-letter queue (AWS/Lambda DeadLetterErrors)."},
	DestinationDeliveryFailures: {"nubo_lambda_destination_delivery_failures_total", "Failures to send a result to a destination (AWS/Lambda DestinationDeliveryFailures)."},
	AsyncEventsReceived:         {"nubo_lambda_async_events_received_total", "Events queued for asynchronous invocation (AWS/Lambda AsyncEventsReceived)."},
	AsyncEventsDropped:          {"nubo_lambda_async_events_dropped_total", "Asynchronous events dropped without running (AWS/Lambda AsyncEventsDropped)."},
	Duration:                    {"nubo_lambda_duration_seconds", "Time spent running the handler (AWS/Lambda Duration)."},
	AsyncEventAge:               {"nubo_lambda_async_event_age_seconds", "Time asynchronous events waited before running (AWS/Lambda AsyncEventAge)."},
}

func (m *Metrics) countLocked(name string, d Dims, value float64) {
	if _, ok := promNames[name]; !ok || d.Function == "" {
		return
	}
	k := promKey{d.Region, d.Function, d.Qualifier}
	p := m.totals[k]
	if p == nil {
		p = &promSeries{sum: map[string]float64{}, buckets: map[string][]uint64{}, count: map[string]uint64{}}
		m.totals[k] = p
	}
	if Unit[name] != "Milliseconds" {
		p.sum[name] += value
		return
	}
	seconds := value / 1000
	b := p.buckets[name]
	if b == nil {
		b = make([]uint64, len(secondsBuckets))
		p.buckets[name] = b
	}
	for i, bound := range secondsBuckets {
		if seconds <= bound {
			b[i]++
		}
	}
	p.sum[name] += seconds
	p.count[name]++
}

// Handler serves the Prometheus text exposition of the running totals
// (since nubo started) and the invocations in flight now, followed by
// what extra writes (e.g. the meter's totals).
func (m *Metrics) Handler(extra ...func(io.Writer)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		bw := bufio.NewWriter(w)
		m.WritePrometheus(bw)
		for _, x := range extra {
			x(bw)
		}
		bw.Flush()
	})
}

// WritePrometheus writes the exposition.
func (m *Metrics) WritePrometheus(w io.Writer) {
	m.mu.Lock()
	keys := make([]promKey, 0, len(m.totals))
	for k := range m.totals {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		return a.region+"\x00"+a.function+"\x00"+a.qualifier < b.region+"\x00"+b.function+"\x00"+b.qualifier
	})
	names := make([]string, 0, len(promNames))
	for n := range promNames {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return promNames[names[i]].name < promNames[names[j]].name })
	for _, name := range names {
		pn := promNames[name]
		histogram := Unit[name] == "Milliseconds"
		kind := "counter"
		if histogram {
			kind = "histogram"
		}
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", pn.name, pn.help, pn.name, kind)
		for _, k := range keys {
			p := m.totals[k]
			labels := fmt.Sprintf(`region="%s",function="%s",qualifier="%s"`, escape(k.region), escape(k.function), escape(k.qualifier))
			if !histogram {
				fmt.Fprintf(w, "%s{%s} %s\n", pn.name, labels, number(p.sum[name]))
				continue
			}
			for i, bound := range secondsBuckets {
				fmt.Fprintf(w, "%s_bucket{%s,le=\"%s\"} %d\n", pn.name, labels, number(bound), bucketCount(p.buckets[name], i))
			}
			fmt.Fprintf(w, "%s_bucket{%s,le=\"+Inf\"} %d\n", pn.name, labels, p.count[name])
			fmt.Fprintf(w, "%s_sum{%s} %s\n%s_count{%s} %d\n", pn.name, labels, number(p.sum[name]), pn.name, labels, p.count[name])
		}
	}
	m.mu.Unlock()
	m.writeConcurrency(w)
}

func bucketCount(b []uint64, i int) uint64 {
	if b == nil {
		return 0
	}
	return b[i]
}

func (m *Metrics) writeConcurrency(w io.Writer) {
	const name = "nubo_lambda_concurrent_executions"
	fmt.Fprintf(w, "# HELP %s Invocations in flight now (AWS/Lambda ConcurrentExecutions).\n# TYPE %s gauge\n", name, name)
	if m.opts.Concurrency == nil {
		return
	}
	_, byFunction := m.opts.Concurrency()
	keys := make([]string, 0, len(byFunction))
	for k := range byFunction {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		region, function := splitKey(k)
		fmt.Fprintf(w, "%s{region=\"%s\",function=\"%s\"} %d\n", name, escape(region), escape(function), byFunction[k])
	}
}

// Escape escapes a Prometheus label value.
func escape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

func number(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
