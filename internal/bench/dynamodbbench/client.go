package dynamodbbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/nubo-dev/nubo/internal/bench"
)

// client speaks AWS JSON 1.0 to one endpoint over keep-alive HTTP, as the
// SDKs send it, without the SDK's own cost in the numbers.
type client struct {
	base string
	http *http.Client
}

func newClient(addr string, conns int) *client {
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: time.Minute}
	return &client{base: "http://" + addr, http: &http.Client{Transport: tr}}
}

// call sends one DynamoDB operation, with in as JSON, and decodes its
// answer into out (if not nil).
func (c *client) call(ctx context.Context, op string, in, out any) error {
	body, _ := json.Marshal(in)
	b, err := c.post(ctx, op, body)
	if err != nil || out == nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// post sends one DynamoDB operation whose JSON is body and returns the
// answer's body.
func (c *client) post(ctx context.Context, op string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+"/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	if err := bench.Sign(req, body, "dynamodb"); err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s: %s", op, resp.Status, b)
	}
	return b, nil
}

// rest calls nubo's Lambda API.
func (c *client) rest(ctx context.Context, method, path string, in any, want int, out any) error {
	body, _ := json.Marshal(in)
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

type av = map[string]string

func item(pk string, sk int, payload string) map[string]av {
	return map[string]av{"pk": {"S": pk}, "sk": {"N": fmt.Sprint(sk)}, "v": {"S": payload}}
}

// setup creates the benchmark's table and the items GetItem and Query
// read, and waits until the table is ACTIVE.
func (c *client) setup(ctx context.Context, payload string) error {
	err := c.call(ctx, "CreateTable", map[string]any{"TableName": "bench", "BillingMode": "PAY_PER_REQUEST",
		"AttributeDefinitions": []av{{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}},
		"KeySchema":            []av{{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}}}, nil)
	if err != nil {
		return err
	}
	for i := 0; ; i++ {
		var d struct{ Table struct{ TableStatus string } }
		if err := c.call(ctx, "DescribeTable", map[string]string{"TableName": "bench"}, &d); err != nil {
			return err
		}
		if d.Table.TableStatus == "ACTIVE" {
			break
		}
		if i == 200 {
			return fmt.Errorf("table bench is %s", d.Table.TableStatus)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for i := 0; i < getItems; i += 25 {
		var reqs []any
		for j := i; j < i+25; j++ {
			reqs = append(reqs, map[string]any{"PutRequest": map[string]any{"Item": item(fmt.Sprint("g", j), 0, payload)}})
		}
		if err := c.call(ctx, "BatchWriteItem", map[string]any{"RequestItems": map[string]any{"bench": reqs}}, nil); err != nil {
			return err
		}
	}
	for i := 0; i < 100; i += 25 {
		var reqs []any
		for j := i; j < i+25; j++ {
			reqs = append(reqs, map[string]any{"PutRequest": map[string]any{"Item": item("q", j, payload)}})
		}
		if err := c.call(ctx, "BatchWriteItem", map[string]any{"RequestItems": map[string]any{"bench": reqs}}, nil); err != nil {
			return err
		}
	}
	return nil
}

// getItems is how many items GetItem picks from.
const getItems = 1000
