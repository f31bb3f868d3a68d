// Package sfnbench measures nubo's Step Functions end to end: it starts a
// real server on loopback and drives the AWS JSON 1.0 protocol over
// keep-alive HTTP, as the SDKs send it (without the SDK's own cost in the
// numbers): Standard state machines of ten Pass states and of ten Lambda
// tasks (a no-op function), each client starting an execution and
// waiting for its end before the next, and an Express machine of ten Pass
// states run with StartSyncExecution. Every scenario is also run on a
// floor: the same executions through the sfn domain's Go API on the same
// server and store, without HTTP, which tells what the wire adds.
// `nubo bench-sfn` prints its report.
package sfnbench

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/bench"
	"github.com/nubo-dev/nubo/internal/services/sfn"
)

// Options configures a run.
type Options struct {
	// Concurrencies are the numbers of clients (executions in flight).
	Concurrencies []int
	// Duration of each measurement.
	Duration time.Duration
	// Function is a zip (custom runtime bootstrap) of a no-op function for
	// the Lambda scenario; none skips it.
	Function []byte
	Sandbox  string
	Logf     func(format string, args ...any)
}

// Stats summarise one scenario at one concurrency.
type Stats struct {
	Scenario    string
	Concurrency int
	Floor       bool // through the Go API, without HTTP
	Executions  int
	Errors      int
	FirstError  string
	// P50 and P99 are of the requests: StartExecution for Standard
	// workflows, StartSyncExecution (the whole execution) for Express.
	P50, P99          time.Duration
	ExecutionsPerSec  float64
	TransitionsPerSec float64
}

func (s Stats) String() string {
	where := "nubo"
	if s.Floor {
		where = "floor"
	}
	out := fmt.Sprintf("%-26s c=%-3d %-5s executions=%-6d errors=%-3d %7.0f executions/s %8.0f transitions/s  p50=%-9v p99=%v",
		s.Scenario, s.Concurrency, where, s.Executions, s.Errors, s.ExecutionsPerSec, s.TransitionsPerSec,
		s.P50.Round(time.Microsecond), s.P99.Round(time.Microsecond))
	if s.FirstError != "" {
		out += " first error: " + s.FirstError
	}
	return out
}

// transitions is the state transitions of one execution of each scenario:
// ten states entered.
const transitions = 10

// api is how a scenario reaches Step Functions: over HTTP, or the floor's
// Go API.
type api interface {
	start(ctx context.Context, machine string) error
	startSync(ctx context.Context, machine string) error
	// count is how many executions of a machine have a status.
	count(ctx context.Context, machine, status string) (int, error)
}

// scenario is a state machine and how it is run.
type scenario struct {
	title, name, typ, definition string
}

// Run starts a server in a temporary directory and measures it.
func Run(ctx context.Context, opts Options) ([]Stats, error) {
	dir, err := os.MkdirTemp("", "nubo-bench-sfn-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	srv, stop, err := bench.StartServer(ctx, dir, bench.ServerOptions{Sandbox: opts.Sandbox})
	if err != nil {
		return nil, err
	}
	defer stop()
	c := newClient("http://"+srv.Addr(), 64)
	scenarios := []scenario{
		{"Standard, 10 Pass", "pass10", sfn.TypeStandard, chain(10, passState)},
		{"Express sync, 10 Pass", "express10", sfn.TypeExpress, chain(10, passState)},
	}
	if len(opts.Function) > 0 {
		if err := c.deploy(ctx, "noop", opts.Function); err != nil {
			return nil, err
		}
		scenarios = append(scenarios, scenario{"Standard, 10 Lambda tasks", "lambda10", sfn.TypeStandard, chain(10, lambdaState)})
	}
	var out []Stats
	for _, sc := range scenarios {
		arn, err := c.createMachine(ctx, sc.name, sc.typ, sc.definition)
		if err != nil {
			return nil, err
		}
		measure(ctx, c, sc, arn, 4, 500*time.Millisecond) // warm-up: environments, connections
		for _, n := range opts.Concurrencies {
			for _, a := range []api{c, &floorClient{svc: srv.StepFunctions()}} {
				s, err := measure(ctx, a, sc, arn, n, opts.Duration)
				if err != nil {
					return nil, err
				}
				_, s.Floor = a.(*floorClient)
				opts.Logf("%v", s)
				out = append(out, s)
			}
		}
	}
	return out, nil
}

// measure runs a scenario from n clients for d. A Standard execution's
// client starts the next as soon as StartExecution answers; the
// measurement lasts until every execution it started has ended. An
// Express client waits for StartSyncExecution's answer.
func measure(ctx context.Context, a api, sc scenario, arn string, n int, d time.Duration) (Stats, error) {
	s := Stats{Scenario: sc.title, Concurrency: n}
	if sc.typ == sfn.TypeExpress {
		start := time.Now()
		lat, errs, first := load(ctx, n, d, func(ctx context.Context) error { return a.startSync(ctx, arn) })
		s.summarise(lat, errs, first, time.Since(start))
		return s, nil
	}
	failedBefore, err := a.count(ctx, arn, sfn.StatusFailed)
	if err != nil {
		return s, err
	}
	start := time.Now()
	lat, errs, first := load(ctx, n, d, func(ctx context.Context) error { return a.start(ctx, arn) })
	for {
		running, err := a.count(ctx, arn, sfn.StatusRunning)
		if err != nil {
			return s, err
		}
		if running == 0 {
			break
		}
		if time.Since(start) > d+5*time.Minute {
			return s, fmt.Errorf("%s: %d executions still running 5 minutes after the last start", sc.title, running)
		}
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	failed, err := a.count(ctx, arn, sfn.StatusFailed)
	if err != nil {
		return s, err
	}
	s.summarise(lat, errs+failed-failedBefore, first, elapsed)
	return s, nil
}

func (s *Stats) summarise(lat []time.Duration, errs int, first string, elapsed time.Duration) {
	s.Executions, s.Errors, s.FirstError = len(lat), errs, first
	s.ExecutionsPerSec = float64(len(lat)) / elapsed.Seconds()
	s.TransitionsPerSec = s.ExecutionsPerSec * transitions
	if len(lat) > 0 {
		s.P50, s.P99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
}

// load runs op from n goroutines for d and returns the latencies of the
// calls that succeeded, how many failed and the first failure.
func load(ctx context.Context, n int, d time.Duration, op func(context.Context) error) (lat []time.Duration, errs int, first string) {
	var mu sync.Mutex
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t := time.Now()
				opCtx, cancel := context.WithTimeout(ctx, time.Minute)
				err := op(opCtx)
				cancel()
				if err != nil {
					mu.Lock()
					if errs++; first == "" {
						first = err.Error()
					}
					mu.Unlock()
					continue
				}
				local = append(local, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat, errs, first
}

func passState(i int) string {
	return fmt.Sprintf(`{"Type": "Pass", "Parameters": {"step": %d, "in.$": "$.in"}, "ResultPath": "$.last"`, i)
}

func lambdaState(int) string {
	return `{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "noop", "Payload.$": "$"}, "ResultPath": null`
}

// chain is a definition of n states one after another, made by state.
func chain(n int, state func(i int) string) string {
	var b strings.Builder
	b.WriteString(`{"StartAt": "S0", "States": {`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		next := fmt.Sprintf(`"Next": "S%d"`, i+1)
		if i == n-1 {
			next = `"End": true`
		}
		fmt.Fprintf(&b, `"S%d": %s, %s}`, i, state(i), next)
	}
	b.WriteString(`}}`)
	return b.String()
}
