package dynamodbbench

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"time"
)

// streamLatency measures how long a write takes to reach a function
// mapped to the table's stream: n writes one after another, each timed
// from before PutItem to the function's post to a local sink.
func streamLatency(ctx context.Context, c *client, function []byte, n int) ([]time.Duration, error) {
	sink, got := newSink()
	defer sink.Close()
	err := c.call(ctx, "CreateTable", map[string]any{"TableName": "latency", "BillingMode": "PAY_PER_REQUEST",
		"AttributeDefinitions": []av{{"AttributeName": "pk", "AttributeType": "S"}},
		"KeySchema":            []av{{"AttributeName": "pk", "KeyType": "HASH"}},
		"StreamSpecification":  map[string]any{"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}}, nil)
	if err != nil {
		return nil, err
	}
	var d struct {
		Table struct{ LatestStreamArn string }
	}
	if err := c.call(ctx, "DescribeTable", map[string]string{"TableName": "latency"}, &d); err != nil {
		return nil, err
	}
	if err := c.rest(ctx, "POST", "/2015-03-31/functions", map[string]any{"FunctionName": "stream-sink", "Runtime": "provided.al2023",
		"Handler": "bootstrap", "Role": "arn:aws:iam::000000000000:role/bench", "MemorySize": 128, "Code": map[string]any{"ZipFile": function},
		"Environment": map[string]any{"Variables": map[string]string{"SINK": sink.URL}}}, http.StatusCreated, nil); err != nil {
		return nil, err
	}
	for i := 0; ; i++ {
		var cfg struct{ State string }
		if err := c.rest(ctx, "GET", "/2015-03-31/functions/stream-sink/configuration", nil, http.StatusOK, &cfg); err != nil {
			return nil, err
		}
		if cfg.State == "Active" {
			break
		}
		if i == 600 {
			return nil, fmt.Errorf("function stream-sink is %s", cfg.State)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := c.rest(ctx, "POST", "/2015-03-31/event-source-mappings", map[string]any{"FunctionName": "stream-sink",
		"EventSourceArn": d.Table.LatestStreamArn, "StartingPosition": "TRIM_HORIZON", "BatchSize": 1}, http.StatusAccepted, nil); err != nil {
		return nil, err
	}
	write := func(i int) error {
		return c.call(ctx, "PutItem", map[string]any{"TableName": "latency", "Item": map[string]av{"pk": {"S": fmt.Sprint("k", i)}}}, nil)
	}
	// The first write waits for the function to become active and warm.
	if err := write(-1); err != nil {
		return nil, err
	}
	if err := wait(ctx, got, time.Minute); err != nil {
		return nil, fmt.Errorf("stream scenario: %w", err)
	}
	lat := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		t := time.Now()
		if err := write(i); err != nil {
			return nil, err
		}
		if err := wait(ctx, got, 10*time.Second); err != nil {
			return nil, fmt.Errorf("stream scenario, write %d: %w", i, err)
		}
		lat = append(lat, time.Since(t))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat, nil
}

func wait(ctx context.Context, got <-chan struct{}, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-got:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return fmt.Errorf("the function was not invoked within %v", d)
	}
}
