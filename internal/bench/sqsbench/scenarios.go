package sqsbench

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/nubo-dev/nubo/internal/bench"
)

// account is the account of every queue, nubo's and goaws's.
const account = "000000000000"

// fanoutTopic is the topic of the SNS scenario; fanoutQueues its
// subscribers.
const fanoutTopic = "fanout"

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
	floor  func(ctx context.Context, f *bench.StreamFloor, w, i int) (int, error)
}

// floorMessages are the messages of a batch as the floor stores them, and
// floorMarkers those of a batch of deletions (empty, as nubo's are).
var (
	floorMessages = func() [][]byte {
		out := make([][]byte, 10)
		for i := range out {
			out[i] = []byte(body)
		}
		return out
	}()
	floorMarkers = make([][]byte, 10)
)

func floorStore(msgs [][]byte) func(ctx context.Context, f *bench.StreamFloor, w, i int) (int, error) {
	return func(ctx context.Context, f *bench.StreamFloor, w, i int) (int, error) {
		return len(msgs), f.Store(ctx, "q", msgs)
	}
}

var scenarios = []scenario{
	{name: "SendMessageBatch (10)", unit: "msg/s", queues: []string{sendQueue},
		op: func(ctx context.Context, t *target, w, i int) (int, error) {
			return t.api.sendBatch(ctx, t.url(sendQueue), batchBodies, "", "")
		}, floor: floorStore(floorMessages)},
	{name: "SendMessage", unit: "msg/s", queues: []string{sendQueue},
		op: func(ctx context.Context, t *target, w, i int) (int, error) {
			return 1, t.api.send(ctx, t.url(sendQueue), body, "", "")
		}, floor: floorStore(floorMessages[:1])},
	{name: "ReceiveMessage(10)+DeleteMessageBatch", unit: "msg/s", queues: []string{recvQueue}, drain: true,
		op: func(ctx context.Context, t *target, w, i int) (int, error) {
			return receiveDelete(ctx, t, recvQueue, 10)
		}, floor: floorStore(floorMarkers)},
	{name: "ReceiveMessage(1)+DeleteMessage", unit: "msg/s", queues: []string{recvQueue}, drain: true,
		op: func(ctx context.Context, t *target, w, i int) (int, error) {
			return receiveDelete(ctx, t, recvQueue, 1)
		}, floor: floorStore(floorMarkers[:1])},
	{name: "FIFO SendMessageBatch (10)", unit: "msg/s", queues: []string{fifoSendQueue},
		op: func(ctx context.Context, t *target, w, i int) (int, error) {
			return t.api.sendBatch(ctx, t.url(fifoSendQueue), batchBodies, "w"+strconv.Itoa(w), fmt.Sprintf("%d-%d-%d", t.round, w, i))
		}, floor: floorStore(floorMessages)},
	{name: "FIFO ReceiveMessage(10)+DeleteBatch", unit: "msg/s", queues: []string{fifoRecvQueue}, drain: true,
		op: func(ctx context.Context, t *target, w, i int) (int, error) {
			return receiveDelete(ctx, t, fifoRecvQueue, 10)
		}, floor: floorStore(floorMarkers)},
	{name: "SNS Publish -> 10 queues", unit: "deliveries/s", queryOnly: true, queues: fanoutQueues(),
		op: func(ctx context.Context, t *target, w, i int) (int, error) {
			return 10, t.api.publish(ctx, t.topic, body)
		}, floor: floorStore(floorMessages)},
	{name: "the same sends directly (SendMessage)", unit: "msg/s", queryOnly: true, queues: fanoutQueues(),
		op: func(ctx context.Context, t *target, w, i int) (int, error) {
			for _, q := range fanoutQueues() {
				if err := t.api.send(ctx, t.url(q), body, "", ""); err != nil {
					return 0, err
				}
			}
			return 10, nil
		}, floor: floorStore(floorMessages)},
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
