package sqsbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/bench"
)

// Drain is the SQS-to-Lambda scenario's result.
type Drain struct {
	Messages int
	Elapsed  time.Duration
}

func (d Drain) String() string {
	return fmt.Sprintf("SQS -> Lambda (batch 10, mapping): %d messages in %v, %.0f messages/s", d.Messages, d.Elapsed.Round(time.Millisecond),
		float64(d.Messages)/d.Elapsed.Seconds())
}

// drain fills a queue with n messages, maps it to a no-op function and
// measures how fast the mapping empties it: events per second end to end
// (receive, invoke with the SQS event, delete).
func drain(ctx context.Context, c *conn, function []byte, n, conns int) (Drain, error) {
	t := &target{name: "nubo", api: newJSONAPI(c), conns: conns, urls: map[string]string{}, held: map[string]int{}}
	url, err := t.api.createQueue(ctx, "bench-esm")
	if err != nil {
		return Drain{}, err
	}
	t.urls["bench-esm"] = url
	if err := t.fill(ctx, "bench-esm", n); err != nil {
		return Drain{}, err
	}
	if err := deploy(ctx, c, "bench-consumer", function); err != nil {
		return Drain{}, err
	}
	start := time.Now()
	body, _ := json.Marshal(map[string]any{"FunctionName": "bench-consumer", "EventSourceArn": queueARN("bench-esm"),
		"BatchSize": 10, "ScalingConfig": map[string]int{"MaximumConcurrency": 32}})
	if err := rest(ctx, c, "POST", "/2015-03-31/event-source-mappings", body, http.StatusAccepted, nil); err != nil {
		return Drain{}, err
	}
	for {
		left, err := backlog(ctx, c, url)
		if err != nil {
			return Drain{}, err
		}
		if left == 0 {
			break
		}
		if time.Since(start) > 5*time.Minute {
			return Drain{}, fmt.Errorf("the mapping left %d of %d messages after 5 minutes", left, t.held["bench-esm"])
		}
		time.Sleep(20 * time.Millisecond)
	}
	return Drain{Messages: t.held["bench-esm"], Elapsed: time.Since(start)}, nil
}

func backlog(ctx context.Context, c *conn, queue string) (int, error) {
	b, err := newJSONAPI(c).call(ctx, "GetQueueAttributes", withMember(object(nil, "QueueUrl", queue), "AttributeNames", []byte(`["All"]`)))
	if err != nil {
		return 0, err
	}
	var out struct{ Attributes map[string]string }
	if err := json.Unmarshal(b, &out); err != nil {
		return 0, err
	}
	a, _ := strconv.Atoi(out.Attributes["ApproximateNumberOfMessages"])
	n, _ := strconv.Atoi(out.Attributes["ApproximateNumberOfMessagesNotVisible"])
	return a + n, nil
}

// deploy creates a provided.al2023 function from zipped, running as
// bench.Role, and waits until it is active.
func deploy(ctx context.Context, c *conn, name string, zipped []byte) error {
	if err := bench.CreateRole(ctx, strings.TrimPrefix(c.base, "http://")); err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]any{"FunctionName": name, "Runtime": "provided.al2023", "Handler": "bootstrap",
		"Role": bench.Role, "MemorySize": 128, "Code": map[string]any{"ZipFile": zipped}})
	if err := rest(ctx, c, "POST", "/2015-03-31/functions", body, http.StatusCreated, nil); err != nil {
		return err
	}
	for i := 0; i < 600; i++ {
		var cfg struct{ State string }
		if err := rest(ctx, c, "GET", "/2015-03-31/functions/"+name+"/configuration", nil, http.StatusOK, &cfg); err != nil {
			return err
		}
		if cfg.State == "Active" {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("function %s did not become active", name)
}

func rest(ctx context.Context, c *conn, method, path string, body []byte, want int, out any) error {
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
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}
