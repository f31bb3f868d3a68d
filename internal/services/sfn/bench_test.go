package sfn

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// passChain is a machine of n Pass states.
func passChain(n int) string {
	var b strings.Builder
	b.WriteString(`{"StartAt": "P0", "States": {`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		next := fmt.Sprintf(`"Next": "P%d"`, i+1)
		if i == n-1 {
			next = `"End": true`
		}
		fmt.Fprintf(&b, `"P%d": {"Type": "Pass", "Parameters": {"step": %d, "in.$": "$.in"}, "ResultPath": "$.last", %s}`, i, i, next)
	}
	b.WriteString(`}}`)
	return b.String()
}

// BenchmarkStandardPassChain runs Standard executions of ten Pass states,
// 64 at a time, each recorded durably, and reports state transitions per
// second.
func BenchmarkStandardPassChain(b *testing.B) {
	h := newHarness(b, func(o *Options) { o.Clock = systemClock{} })
	arn := h.create("chain", "", passChain(10))
	input := `{"in": "x"}`
	ctx := context.Background()
	const inFlight = 64
	sem := make(chan struct{}, inFlight)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out, err := h.s.StartExecution(ctx, testScope, &StartExecutionInput{StateMachineArn: arn, Input: &input})
			if err != nil {
				b.Error(err)
				return
			}
			h.s.mu.Lock()
			r := h.s.runs[out.ExecutionArn]
			h.s.mu.Unlock()
			if r != nil {
				<-r.done
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N*10)/elapsed.Seconds(), "transitions/s")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "executions/s")
}

// BenchmarkExpressPassChain runs synchronous Express executions of ten
// Pass states one after another and reports the latency percentiles.
func BenchmarkExpressPassChain(b *testing.B) {
	h := newHarness(b, func(o *Options) { o.Clock = systemClock{} })
	arn := h.create("xchain", TypeExpress, passChain(10))
	input := `{"in": "x"}`
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		out, err := h.s.StartSyncExecution(ctx, testScope, &StartExecutionInput{StateMachineArn: arn, Input: &input})
		if err != nil || out.Status != StatusSucceeded {
			b.Fatalf("%v %+v", err, out)
		}
		lat = append(lat, time.Since(t0))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
