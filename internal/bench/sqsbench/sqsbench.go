// Package sqsbench measures nubo's SQS service end to end: it starts a real
// server on loopback and drives the AWS JSON 1.0 protocol over keep-alive
// HTTP, as the SDKs send it (without the SDK's own cost in the numbers):
// SendMessage and SendMessageBatch, ReceiveMessage with DeleteMessage and
// DeleteMessageBatch, and a queue drained by an event source mapping into a
// no-op function. `nubo bench-sqs` prints its report.
package sqsbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/bench"
)

// Options configures a run.
type Options struct {
	// Concurrency is the number of client connections.
	Concurrency int
	// Duration of each send measurement.
	Duration time.Duration
	// Events is how many messages the SQS-to-Lambda scenario drains.
	Events int
	// Function is a zip (custom runtime bootstrap) for that scenario; none
	// skips it.
	Function []byte
	Sandbox  string
	Logf     func(format string, args ...any)
}

// Stats summarises one scenario: request latencies and message rate.
type Stats struct {
	Name     string
	Requests int
	Messages int
	Errors   int
	P50, P99 time.Duration
	PerSec   float64 // messages per second
}

func (s Stats) String() string {
	return fmt.Sprintf("%-34s requests=%-7d messages=%-7d errors=%-3d p50=%-10v p99=%-10v %8.0f messages/s",
		s.Name, s.Requests, s.Messages, s.Errors, s.P50.Round(time.Microsecond), s.P99.Round(time.Microsecond), s.PerSec)
}

// Run starts a server in a temporary directory and measures it.
func Run(ctx context.Context, opts Options) ([]Stats, error) {
	dir, err := os.MkdirTemp("", "nubo-bench-sqs-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	srv, stop, err := bench.StartServer(ctx, dir, bench.ServerOptions{Sandbox: opts.Sandbox})
	if err != nil {
		return nil, err
	}
	defer stop()
	c := newClient("http://"+srv.Addr(), opts.Concurrency)
	var out []Stats
	report := func(s Stats) {
		opts.Logf("%v", s)
		out = append(out, s)
	}
	queue, err := c.createQueue(ctx, "bench")
	if err != nil {
		return nil, err
	}
	report(c.measure(ctx, "SendMessageBatch (10 per request)", opts.Concurrency, opts.Duration, func() (int, error) {
		return c.sendBatch(ctx, queue)
	}))
	report(c.measure(ctx, "SendMessage", opts.Concurrency, opts.Duration, func() (int, error) {
		return c.send(ctx, queue)
	}))
	report(c.measure(ctx, "ReceiveMessage(10)+DeleteMessageBatch", opts.Concurrency, opts.Duration, func() (int, error) {
		return c.receiveDelete(ctx, queue, 10)
	}))
	report(c.measure(ctx, "ReceiveMessage(1)+DeleteMessage", opts.Concurrency, opts.Duration, func() (int, error) {
		return c.receiveDelete(ctx, queue, 1)
	}))
	if len(opts.Function) > 0 && opts.Events > 0 {
		s, err := c.drain(ctx, opts.Function, opts.Events, opts.Concurrency)
		if err != nil {
			return nil, err
		}
		report(s)
	}
	return out, nil
}

// measure runs op from n goroutines for d and summarises it; op returns
// how many messages it handled.
func (c *client) measure(ctx context.Context, name string, n int, d time.Duration, op func() (int, error)) Stats {
	var mu sync.Mutex
	var lat []time.Duration
	msgs, errs := 0, 0
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			m, e := 0, 0
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t := time.Now()
				k, err := op()
				local = append(local, time.Since(t))
				if err != nil {
					e++
				}
				if k == 0 && err == nil {
					break // nothing left to receive
				}
				m += k
			}
			mu.Lock()
			lat = append(lat, local...)
			msgs += m
			errs += e
			mu.Unlock()
		}()
	}
	wg.Wait()
	return summarise(name, lat, msgs, errs, time.Since(start))
}

func summarise(name string, lat []time.Duration, msgs, errs int, elapsed time.Duration) Stats {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	s := Stats{Name: name, Requests: len(lat), Messages: msgs, Errors: errs, PerSec: float64(msgs) / elapsed.Seconds()}
	if len(lat) > 0 {
		s.P50, s.P99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
	return s
}

// client speaks the AWS JSON 1.0 protocol over plain keep-alive HTTP.
type client struct {
	base string
	http *http.Client
}

func newClient(base string, conns int) *client {
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: time.Minute}
	return &client{base: base, http: &http.Client{Transport: tr}}
}

func (c *client) call(ctx context.Context, service, target string, in, out any) error {
	body, _ := json.Marshal(in)
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	if err := bench.Sign(req, body, service); err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s: %s", target, resp.Status, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func (c *client) createQueue(ctx context.Context, name string) (string, error) {
	var out struct{ QueueUrl string }
	err := c.call(ctx, "sqs", "AmazonSQS.CreateQueue", map[string]any{"QueueName": name, "Attributes": map[string]string{"VisibilityTimeout": "30"}}, &out)
	return out.QueueUrl, err
}

var body = strings.Repeat("x", 100)

func (c *client) send(ctx context.Context, queue string) (int, error) {
	return 1, c.call(ctx, "sqs", "AmazonSQS.SendMessage", map[string]any{"QueueUrl": queue, "MessageBody": body}, nil)
}

func (c *client) sendBatch(ctx context.Context, queue string) (int, error) {
	entries := make([]map[string]string, 10)
	for i := range entries {
		entries[i] = map[string]string{"Id": fmt.Sprint(i), "MessageBody": body}
	}
	var out struct{ Successful []any }
	err := c.call(ctx, "sqs", "AmazonSQS.SendMessageBatch", map[string]any{"QueueUrl": queue, "Entries": entries}, &out)
	return len(out.Successful), err
}

func (c *client) receiveDelete(ctx context.Context, queue string, max int) (int, error) {
	var out struct {
		Messages []struct{ ReceiptHandle string }
	}
	if err := c.call(ctx, "sqs", "AmazonSQS.ReceiveMessage", map[string]any{"QueueUrl": queue, "MaxNumberOfMessages": max}, &out); err != nil {
		return 0, err
	}
	switch len(out.Messages) {
	case 0:
		return 0, nil
	case 1:
		return 1, c.call(ctx, "sqs", "AmazonSQS.DeleteMessage", map[string]any{"QueueUrl": queue, "ReceiptHandle": out.Messages[0].ReceiptHandle}, nil)
	}
	entries := make([]map[string]string, len(out.Messages))
	for i, m := range out.Messages {
		entries[i] = map[string]string{"Id": fmt.Sprint(i), "ReceiptHandle": m.ReceiptHandle}
	}
	return len(out.Messages), c.call(ctx, "sqs", "AmazonSQS.DeleteMessageBatch", map[string]any{"QueueUrl": queue, "Entries": entries}, nil)
}
