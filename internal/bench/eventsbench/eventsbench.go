// Package eventsbench measures nubo's EventBridge end to end: it starts a
// real server on loopback, and PutEvents batches of ten (AWS JSON 1.1 over
// keep-alive HTTP, as the SDKs send it) go through a rule to an SQS queue
// and to a no-op Lambda function; it reports the PutEvents latency, the
// rate of events accepted, and the rate of events delivered end to end.
// Each is beside its floor: the same messages sent to the queue with
// SendMessageBatch, the same events invoked asynchronously, without
// EventBridge. It also times the rule matcher alone on buses of 10, 1,000
// and 10,000 rules. `nubo bench` prints its rows.
package eventsbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/bench"
)

// Options configures a run.
type Options struct {
	// Events is how many events each delivery scenario puts.
	Events int
	// Concurrency is the number of PutEvents callers.
	Concurrency int
	// Function is a zip (custom runtime bootstrap) for the Lambda
	// scenario; none skips it.
	Function []byte
	Sandbox  string
	Logf     func(format string, args ...any)
}

// Stats summarises one delivery scenario.
type Stats struct {
	Name     string
	Events   int
	Errors   int
	P50, P99 time.Duration // of a PutEvents request
	Accepted float64       // events/s PutEvents accepted
	Through  float64       // events/s from the first put to the last delivery
}

func (s Stats) String() string {
	return fmt.Sprintf("%-34s events=%-6d errors=%-3d put p50=%-9v p99=%-9v accepted %6.0f/s  delivered end to end %6.0f/s",
		s.Name, s.Events, s.Errors, s.P50.Round(time.Microsecond), s.P99.Round(time.Microsecond), s.Accepted, s.Through)
}

// Run starts a server in a temporary directory and measures it, then the
// matcher.
func Run(ctx context.Context, opts Options) ([]Stats, []MatcherStats, error) {
	dir, err := os.MkdirTemp("", "nubo-bench-events-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	srv, stop, err := bench.StartServer(ctx, dir, bench.ServerOptions{Sandbox: opts.Sandbox})
	if err != nil {
		return nil, nil, err
	}
	defer stop()
	c := &client{base: "http://" + srv.Addr(), http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * opts.Concurrency}}}
	var out []Stats
	scenarios := []func(context.Context, Options) (Stats, error){c.queueFloor, c.toQueue}
	if len(opts.Function) > 0 {
		if err := c.deploy(ctx, "noop", opts.Function); err != nil {
			return nil, nil, err
		}
		scenarios = append(scenarios, c.functionFloor, c.toFunction)
	}
	for _, run := range scenarios {
		s, err := run(ctx, opts)
		if err != nil {
			return nil, nil, err
		}
		opts.Logf("%v", s)
		out = append(out, s)
	}
	return out, Matcher(opts.Logf), nil
}

// queueFloor sends the same messages to a queue with SendMessageBatch.
func (c *client) queueFloor(ctx context.Context, opts Options) (Stats, error) {
	if err := c.json(ctx, "sqs", "AmazonSQS.CreateQueue", "1.0", map[string]any{"QueueName": "floor"}, nil); err != nil {
		return Stats{}, err
	}
	entries := make([]map[string]string, 10)
	for i := range entries {
		entries[i] = map[string]string{"Id": strconv.Itoa(i), "MessageBody": string(eventBody)}
	}
	req := map[string]any{"QueueUrl": c.base + "/000000000000/floor", "Entries": entries}
	return c.run(ctx, "floor: SendMessageBatch(10) to SQS", opts, 10, func() error {
		return c.json(ctx, "sqs", "AmazonSQS.SendMessageBatch", "1.0", req, nil)
	}, c.queued("floor"))
}

// functionFloor invokes the no-op function asynchronously, once per event.
func (c *client) functionFloor(ctx context.Context, opts Options) (Stats, error) {
	return c.run(ctx, "floor: Invoke Event (1) to Lambda", opts, 1, func() error {
		return c.lambda(ctx, "POST", "/2015-03-31/functions/noop/invocations", []byte(`{}`), http.StatusAccepted, nil, "Event")
	}, func() (int, error) { return c.invocations(ctx, "noop") })
}

// eventBody is about the size of a bench event.
var eventBody = []byte(`{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"Bench","source":"bench","detail":{"n":1}}`)

// queued reports how many messages a queue holds.
func (c *client) queued(queue string) func() (int, error) {
	return func() (int, error) {
		var out struct{ Attributes map[string]string }
		err := c.json(context.Background(), "sqs", "AmazonSQS.GetQueueAttributes", "1.0", map[string]any{
			"QueueUrl": c.base + "/000000000000/" + queue, "AttributeNames": []string{"ApproximateNumberOfMessages"}}, &out)
		n, _ := strconv.Atoi(out.Attributes["ApproximateNumberOfMessages"])
		return n, err
	}
}

// toQueue puts events for a rule whose target is an SQS queue and waits
// until the queue holds them all.
func (c *client) toQueue(ctx context.Context, opts Options) (Stats, error) {
	if err := c.json(ctx, "sqs", "AmazonSQS.CreateQueue", "1.0", map[string]any{"QueueName": "bench"}, nil); err != nil {
		return Stats{}, err
	}
	if err := c.rule(ctx, "to-queue", "queue", "arn:aws:sqs:us-east-1:000000000000:bench"); err != nil {
		return Stats{}, err
	}
	return c.putEvents(ctx, "PutEvents(10) -> rule -> SQS", "queue", opts, c.queued("bench"))
}

// toFunction puts events for a rule whose target is the no-op function and
// waits until it has run them all (after the floor's invocations).
func (c *client) toFunction(ctx context.Context, opts Options) (Stats, error) {
	if err := c.rule(ctx, "to-function", "function", "arn:aws:lambda:us-east-1:000000000000:function:noop"); err != nil {
		return Stats{}, err
	}
	before, err := c.invocations(ctx, "noop")
	if err != nil {
		return Stats{}, err
	}
	return c.putEvents(ctx, "PutEvents(10) -> rule -> Lambda", "function", opts, func() (int, error) {
		n, err := c.invocations(ctx, "noop")
		return n - before, err
	})
}

// rule creates a rule for events of source kind with one target.
func (c *client) rule(ctx context.Context, name, kind, target string) error {
	if err := c.json(ctx, "events", "AWSEvents.PutRule", "1.1", map[string]any{"Name": name,
		"EventPattern": `{"source": ["bench.` + kind + `"]}`}, nil); err != nil {
		return err
	}
	return c.json(ctx, "events", "AWSEvents.PutTargets", "1.1", map[string]any{"Rule": name,
		"Targets": []map[string]string{{"Id": "t", "Arn": target}}}, nil)
}

// putEvents puts events of source bench.kind in batches of ten.
func (c *client) putEvents(ctx context.Context, name, kind string, opts Options, delivered func() (int, error)) (Stats, error) {
	entries := make([]map[string]string, 10)
	for i := range entries {
		entries[i] = map[string]string{"Source": "bench." + kind, "DetailType": "Bench", "Detail": `{"n": ` + strconv.Itoa(i) + `, "pad": "` + strings.Repeat("x", 100) + `"}`}
	}
	req := map[string]any{"Entries": entries}
	return c.run(ctx, name, opts, 10, func() error {
		var out struct{ FailedEntryCount int }
		err := c.json(ctx, "events", "AWSEvents.PutEvents", "1.1", req, &out)
		if err == nil && out.FailedEntryCount > 0 {
			err = fmt.Errorf("%d entries failed", out.FailedEntryCount)
		}
		return err
	}, delivered)
}

// run sends opts.Events events, per requests of per, from
// opts.Concurrency callers, then waits until delivered reports them all.
func (c *client) run(ctx context.Context, name string, opts Options, per int, send func() error, delivered func() (int, error)) (Stats, error) {
	batches := (opts.Events + per - 1) / per
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < opts.Concurrency; w++ {
		wg.Go(func() {
			for i := w; i < batches; i += opts.Concurrency {
				t := time.Now()
				err := send()
				mu.Lock()
				lat = append(lat, time.Since(t))
				if err != nil {
					errs++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	accepted := time.Since(start)
	total := batches * per
	for {
		n, err := delivered()
		if err != nil {
			return Stats{}, err
		}
		if n >= total {
			break
		}
		if time.Since(start) > 5*time.Minute {
			return Stats{}, fmt.Errorf("%s: %d of %d events delivered after 5 minutes", name, n, total)
		}
		time.Sleep(10 * time.Millisecond)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return Stats{Name: name, Events: total, Errors: errs, P50: lat[len(lat)/2], P99: lat[len(lat)*99/100],
		Accepted: float64(total) / accepted.Seconds(), Through: float64(total) / time.Since(start).Seconds()}, nil
}

// client speaks AWS JSON and Lambda's REST API over keep-alive HTTP.
type client struct {
	base string
	http *http.Client
}

func (c *client) json(ctx context.Context, service, target, version string, in, out any) error {
	body, _ := json.Marshal(in)
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/"+service+"/aws4_request, SignedHeaders=host, Signature=0")
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Content-Type", "application/x-amz-json-"+version)
	return c.do(req, http.StatusOK, out)
}

func (c *client) do(req *http.Request, want int, out any) error {
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %s: %s", req.Method, req.Header.Get("X-Amz-Target"), resp.Status, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// deploy creates a provided.al2023 function and waits until it is active.
func (c *client) deploy(ctx context.Context, name string, zipped []byte) error {
	body, _ := json.Marshal(map[string]any{"FunctionName": name, "Runtime": "provided.al2023", "Handler": "bootstrap",
		"Role": "arn:aws:iam::000000000000:role/bench", "MemorySize": 128, "Code": map[string]any{"ZipFile": zipped}})
	if err := c.lambda(ctx, "POST", "/2015-03-31/functions", body, http.StatusCreated, nil, ""); err != nil {
		return err
	}
	for range 600 {
		var cfg struct{ State string }
		if err := c.lambda(ctx, "GET", "/2015-03-31/functions/"+name+"/configuration", nil, http.StatusOK, &cfg, ""); err != nil {
			return err
		}
		if cfg.State == "Active" {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("function %s did not become active", name)
}

func (c *client) lambda(ctx context.Context, method, path string, body []byte, want int, out any, invocationType string) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if invocationType != "" {
		req.Header.Set("X-Amz-Invocation-Type", invocationType)
	}
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0")
	req.Header.Set("Content-Type", "application/json")
	return c.do(req, want, out)
}

// invocations reads a function's invocations so far from /metrics.
func (c *client) invocations(ctx context.Context, function string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	prefix := `nubo_lambda_invocations_total{region="us-east-1",function="` + function + `",qualifier=""} `
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, prefix); ok {
			f, err := strconv.ParseFloat(v, 64)
			return int(f), err
		}
	}
	return 0, nil
}
