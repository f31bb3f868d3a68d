package bench

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// StreamFloor is the least a durable queue can do on this machine: a bare
// JetStream stream on disk, embedded in this process as nubo's is, with
// nubo's durability (file storage, each message written before JetStream
// acknowledges it). Store publishes one request's messages, one JetStream
// message each, and returns once all are acknowledged, as a queue answers
// once its messages are stored. No HTTP, no parsing, no index.
type StreamFloor struct {
	dir string
	ns  *server.Server
	nc  *nats.Conn
	js  jetstream.JetStream
}

// StartStreamFloor starts the floor's server in a temporary directory; Close
// removes it.
func StartStreamFloor(ctx context.Context) (f *StreamFloor, err error) {
	f = &StreamFloor{}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	if f.dir, err = os.MkdirTemp("", "nubo-stream-floor-"); err != nil {
		return nil, err
	}
	if f.ns, err = server.NewServer(&server.Options{JetStream: true, StoreDir: f.dir, DontListen: true, NoSigs: true, NoLog: true,
		MaxPayload: 8 << 20, JetStreamMaxStore: 1 << 50}); err != nil {
		return nil, err
	}
	f.ns.Start()
	if !f.ns.ReadyForConnections(10 * time.Second) {
		return nil, fmt.Errorf("the floor's nats server did not start")
	}
	if f.nc, err = nats.Connect("", nats.InProcessServer(f.ns)); err != nil {
		return nil, err
	}
	if f.js, err = jetstream.New(f.nc); err != nil {
		return nil, err
	}
	if _, err = f.js.CreateStream(ctx, jetstream.StreamConfig{Name: "floor", Subjects: []string{"floor.>"}, Storage: jetstream.FileStorage}); err != nil {
		return nil, err
	}
	return f, nil
}

// Store publishes msgs on subject floor.<subject> and waits until every one
// is stored.
func (f *StreamFloor) Store(ctx context.Context, subject string, msgs [][]byte) error {
	futures := make([]jetstream.PubAckFuture, len(msgs))
	for i, m := range msgs {
		fut, err := f.js.PublishMsgAsync(&nats.Msg{Subject: "floor." + subject, Data: m})
		if err != nil {
			return err
		}
		futures[i] = fut
	}
	for _, fut := range futures {
		select {
		case <-fut.Ok():
		case err := <-fut.Err():
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Reset drops every stored message, so that a long run does not fill the
// disk.
func (f *StreamFloor) Reset(ctx context.Context) error {
	st, err := f.js.Stream(ctx, "floor")
	if err != nil {
		return err
	}
	return st.Purge(ctx)
}

// Close stops the floor and removes its files.
func (f *StreamFloor) Close() {
	if f.nc != nil {
		f.nc.Close()
	}
	if f.ns != nil {
		f.ns.Shutdown()
		f.ns.WaitForShutdown()
	}
	if f.dir != "" {
		os.RemoveAll(f.dir)
	}
}
