package sqsbench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// account is the account of every queue, nubo's and goaws's.
const account = "000000000000"

// fanoutTopic is the topic of the SNS scenario, whose subscribers
// (fanoutQueues) get SNS's signed JSON envelopes; rawTopic's get the
// messages themselves (raw message delivery).
const (
	fanoutTopic = "fanout"
	rawTopic    = "fanout-raw"
)

func fanoutQueues() []string {
	out := make([]string, 10)
	for i := range out {
		out[i] = "fan-" + strconv.Itoa(i)
	}
	return out
}

// The queues of the scenarios.
const (
	sendQueue     = "send"
	recvQueue     = "recv"
	fifoSendQueue = "fifo-send.fifo"
	fifoRecvQueue = "fifo-recv.fifo"
)

// queueNames are the queues a server needs.
func queueNames() []string {
	return append([]string{sendQueue, recvQueue, fifoSendQueue, fifoRecvQueue}, fanoutQueues()...)
}

var body = strings.Repeat("x", 100)

var batchBodies = func() []string {
	b := make([]string, 10)
	for i := range b {
		b[i] = body
	}
	return b
}()

// fifoGroups is how many message groups the FIFO receive scenario's
// messages are spread over, so that concurrent receivers find some.
const fifoGroups = 64

// scenario is one row of the report: op does worker w's i-th request on a
// server and returns how many messages it handled (0 when there were none
// left), floor does the same durable writes on the bare stream.
type scenario struct {
	name      string
	unit      string
	queryOnly bool // SNS speaks only the query protocol
	// queues are those op uses. A scenario that drains its queue has it
	// filled up to the backlog before each measurement; the others fill
	// theirs, which are recreated after each measurement.
	queues []string
	drain  bool
	op     func(ctx context.Context, t *target, w, i int) (int, error)
	floor  func(ctx context.Context, f *floorClient, w, i int) (int, error)
}

// floorStore stores n messages (or, with no body, n deletion markers) on
// the floor.
func floorStore(n int, body string) func(ctx context.Context, f *floorClient, w, i int) (int, error) {
	msg := []byte(body)
	return func(ctx context.Context, f *floorClient, w, i int) (int, error) {
		return n, f.store(ctx, n, msg)
	}
}

var scenarios = []scenario{
	{name: "SendMessageBatch (10)", unit: "msg/s", queues: []string{sendQueue},
		op: func(ctx context.Context, t *target, w, i int) (int, error) {
			return t.api.sendBatch(ctx, t.url(sendQueue), batchBodies, "", "")
		}, floor: floorStore(10, body)},
	{name: "SendMessage", unit: "msg/s", queues: []string{sendQueue},
		op: func(ctx context.Context, t *target, w, i int) (int, error) {
			return 1, t.api.send(ctx, t.url(sendQueue), body, "", "")
		}, floor: floorStore(1, body)},
	{name: "ReceiveMessage(10)+DeleteMessageBatch", unit: "msg/s", queues: []string{recvQueue}, drain: true,
		op: func(ctx context.Context, t *target, w, i int) (int, error) {
			return receiveDelete(ctx, t, recvQueue, 10)
		}, floor: floorStore(10, "")},
	{name: "ReceiveMessage(1)+DeleteMessage", unit: "msg/s", queues: []string{recvQueue}, drain: true,
		op: func(ctx context.Context, t *target, w, i int) (int, error) {
			return receiveDelete(ctx, t, recvQueue, 1)
		}, floor: floorStore(1, "")},
	{name: "FIFO SendMessageBatch (10)", unit: "msg/s", queues: []string{fifoSendQueue},
		op: func(ctx context.Context, t *target, w, i int) (int, error) {
			return t.api.sendBatch(ctx, t.url(fifoSendQueue), batchBodies, "w"+strconv.Itoa(w), fmt.Sprintf("%d-%d-%d", t.round, w, i))
		}, floor: floorStore(10, body)},
	{name: "FIFO ReceiveMessage(10)+DeleteBatch", unit: "msg/s", queues: []string{fifoRecvQueue}, drain: true,
		op: func(ctx context.Context, t *target, w, i int) (int, error) {
			return receiveDelete(ctx, t, fifoRecvQueue, 10)
		}, floor: floorStore(10, "")},
	{name: "SNS Publish -> 10 queues", unit: "deliveries/s", queryOnly: true, queues: fanoutQueues(),
		op: func(ctx context.Context, t *target, w, i int) (int, error) {
			return 10, t.api.publish(ctx, t.topic, body)
		}, floor: floorStore(10, body)},
	{name: "SNS Publish -> 10 queues, raw delivery", unit: "deliveries/s", queryOnly: true, queues: fanoutQueues(),
		op: func(ctx context.Context, t *target, w, i int) (int, error) {
			return 10, t.api.publish(ctx, t.rawTopic, body)
		}, floor: floorStore(10, body)},
	{name: "the same sends directly (SendMessage)", unit: "msg/s", queryOnly: true, queues: fanoutQueues(),
		op: func(ctx context.Context, t *target, w, i int) (int, error) {
			for _, q := range fanoutQueues() {
				if err := t.api.send(ctx, t.url(q), body, "", ""); err != nil {
					return 0, err
				}
			}
			return 10, nil
		}, floor: floorStore(10, body)},
}

// receiveDelete receives up to max messages and deletes them, in one
// request when there are several.
func receiveDelete(ctx context.Context, t *target, queue string, max int) (int, error) {
	url := t.url(queue)
	handles, err := t.api.receive(ctx, url, max)
	if err != nil || len(handles) == 0 {
		return 0, err
	}
	if max == 1 {
		return 1, t.api.deleteMessage(ctx, url, handles[0])
	}
	return len(handles), t.api.deleteBatch(ctx, url, handles)
}
