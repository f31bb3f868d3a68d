package sqsbench

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
)

// floorClient stores messages on the floor (bench.StreamFloor).
type floorClient struct{ c *conn }

func (f *floorClient) store(ctx context.Context, n int, msg []byte) error {
	_, err := f.c.post(ctx, "", "/store?n="+strconv.Itoa(n), http.Header{}, msg)
	return err
}

// reset drops the floor's messages.
func (f *floorClient) reset(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, "DELETE", f.c.base+"/store", nil)
	if err != nil {
		return err
	}
	resp, err := f.c.http.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("reset the floor: %s", resp.Status)
	}
	return nil
}

// target is one column of the report: a server in one protocol, or the
// floor.
type target struct {
	name  string // "nubo", "goaws", "floor"
	proto string // "JSON", "query"; "" for the floor
	api   api
	floor *floorClient
	conns int
	pid   int // of the server's process
	// prefix starts the names of the target's queues and topic: nubo's
	// two protocols use queues of their own.
	prefix string

	urls            map[string]string // queue name (without prefix) -> URL
	topic, rawTopic string
	// held counts the messages of the queues that scenarios drain, as far
	// as this run put them there.
	held  map[string]int
	round int
}

// url is the URL of one of the target's queues.
func (t *target) url(queue string) string { return t.urls[queue] }

func queueARN(name string) string { return "arn:aws:sqs:us-east-1:" + account + ":" + name }

// setup creates the target's queues and, with subscribe, the fan-out topic
// and its subscriptions (goaws has them from its configuration).
func (t *target) setup(ctx context.Context, subscribe bool) error {
	t.urls, t.held = map[string]string{}, map[string]int{}
	for _, q := range queueNames() {
		url, err := t.api.createQueue(ctx, t.prefix+q)
		if err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		t.urls[q] = url
	}
	t.topic = "arn:aws:sns:us-east-1:" + account + ":" + t.prefix + fanoutTopic
	t.rawTopic = "arn:aws:sns:us-east-1:" + account + ":" + t.prefix + rawTopic
	if !subscribe {
		return nil
	}
	for _, topic := range []string{fanoutTopic, rawTopic} {
		arn, err := t.api.createTopic(ctx, t.prefix+topic)
		if err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		for _, q := range fanoutQueues() {
			if err := t.api.subscribe(ctx, arn, queueARN(t.prefix+q), topic == rawTopic); err != nil {
				return fmt.Errorf("%s: subscribe %s: %w", t.name, q, err)
			}
		}
	}
	return nil
}

// recreate empties queues by deleting and creating them again, so that
// the messages a measurement sent do not pile up over the run.
func (t *target) recreate(ctx context.Context, queues []string) error {
	for _, q := range queues {
		if err := t.api.deleteQueue(ctx, t.url(q)); err != nil {
			return fmt.Errorf("%s: delete %s: %w", t.name, q, err)
		}
		url, err := t.api.createQueue(ctx, t.prefix+q)
		if err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		t.urls[q] = url
		t.held[q] = 0
	}
	return nil
}

// fill sends batches to queue until it holds at least n messages (FIFO
// ones spread over fifoGroups groups).
func (t *target) fill(ctx context.Context, queue string, n int) error {
	missing := (n - t.held[queue] + 9) / 10
	if missing <= 0 {
		return nil
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	sent := 0
	next := 0
	for w := 0; w < t.conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= missing {
					return
				}
				group, dedup := "", ""
				if isFIFO(queue) {
					group, dedup = "g"+strconv.Itoa(i%fifoGroups), fmt.Sprintf("fill-%d-%d", t.round, i)
				}
				k, err := t.api.sendBatch(ctx, t.url(queue), batchBodies, group, dedup)
				mu.Lock()
				sent += k
				if err != nil && first == nil {
					first = err
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	t.held[queue] += sent
	if first != nil {
		return fmt.Errorf("%s: fill %s: %w", t.name, queue, first)
	}
	return nil
}
