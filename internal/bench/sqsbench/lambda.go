package sqsbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/bench"
)

// drain fills a queue with n messages, maps it to a no-op function and
// measures how fast the mapping empties it: events per second end to end
// (receive, invoke with the SQS event, delete).
func (c *client) drain(ctx context.Context, function []byte, n, conns int) (Stats, error) {
	queue, err := c.createQueue(ctx, "bench-esm")
	if err != nil {
		return Stats{}, err
	}
	var wg sync.WaitGroup
	var fill error
	var mu sync.Mutex
	per := (n + 9) / 10
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < per; i += conns {
				if _, err := c.sendBatch(ctx, queue); err != nil {
					mu.Lock()
					fill = err
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	if fill != nil {
		return Stats{}, fill
	}
	total := per * 10
	if err := c.deploy(ctx, "bench-consumer", function); err != nil {
		return Stats{}, err
	}
	start := time.Now()
	body, _ := json.Marshal(map[string]any{"FunctionName": "bench-consumer", "EventSourceArn": "arn:aws:sqs:us-east-1:000000000000:bench-esm",
		"BatchSize": 10, "ScalingConfig": map[string]int{"MaximumConcurrency": 32}})
	if err := c.rest(ctx, "POST", "/2015-03-31/event-source-mappings", body, http.StatusAccepted, nil); err != nil {
		return Stats{}, err
	}
	for {
		left, err := c.backlog(ctx, queue)
		if err != nil {
			return Stats{}, err
		}
		if left == 0 {
			break
		}
		if time.Since(start) > 5*time.Minute {
			return Stats{}, fmt.Errorf("the mapping left %d of %d messages after 5 minutes", left, total)
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	return Stats{Name: "SQS -> Lambda (batch 10, mapping)", Messages: total, PerSec: float64(total) / elapsed.Seconds()}, nil
}

func (c *client) backlog(ctx context.Context, queue string) (int, error) {
	var out struct{ Attributes map[string]string }
	err := c.call(ctx, "sqs", "AmazonSQS.GetQueueAttributes", map[string]any{"QueueUrl": queue, "AttributeNames": []string{"All"}}, &out)
	if err != nil {
		return 0, err
	}
	a, _ := strconv.Atoi(out.Attributes["ApproximateNumberOfMessages"])
	b, _ := strconv.Atoi(out.Attributes["ApproximateNumberOfMessagesNotVisible"])
	return a + b, nil
}

// deploy creates a provided.al2023 function from zipped and waits until it
// is active.
func (c *client) deploy(ctx context.Context, name string, zipped []byte) error {
	body, _ := json.Marshal(map[string]any{"FunctionName": name, "Runtime": "provided.al2023", "Handler": "bootstrap",
		"Role": bench.Role, "MemorySize": 128, "Code": map[string]any{"ZipFile": zipped}})
	if err := c.rest(ctx, "POST", "/2015-03-31/functions", body, http.StatusCreated, nil); err != nil {
		return err
	}
	for i := 0; i < 600; i++ {
		var cfg struct{ State string }
		if err := c.rest(ctx, "GET", "/2015-03-31/functions/"+name+"/configuration", nil, http.StatusOK, &cfg); err != nil {
			return err
		}
		if cfg.State == "Active" {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("function %s did not become active", name)
}

func (c *client) rest(ctx context.Context, method, path string, body []byte, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if err := bench.Sign(req, body, "lambda"); err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}
