package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// StreamFloor is the least a durable queue server can do on this machine:
// an HTTP endpoint in front of a bare JetStream stream on disk, embedded
// in the process as nubo's is, with nubo's durability (file storage, each
// message written before JetStream acknowledges it). POST /store?n=N
// stores the request's body N times, one JetStream message each (an empty
// body: N deletion markers), and answers once all are acknowledged, as a
// queue answers once its messages are stored. No parsing, no index, no
// protocol.
type StreamFloor struct {
	bareJetStream
}

// StartStreamFloor starts the floor's JetStream in a temporary directory;
// Close removes it.
func StartStreamFloor(ctx context.Context) (f *StreamFloor, err error) {
	f = &StreamFloor{}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	if err = f.start(ctx, "floor", server.Options{MaxPayload: 8 << 20, JetStreamMaxStore: 1 << 50}, jetstream.LimitsPolicy); err != nil {
		return nil, err
	}
	return f, nil
}

// Store publishes msg n times and waits until every copy is stored.
func (f *StreamFloor) Store(ctx context.Context, msg []byte, n int) error {
	futures := make([]jetstream.PubAckFuture, n)
	for i := range futures {
		fut, err := f.js.PublishMsgAsync(&nats.Msg{Subject: "floor.q", Data: msg})
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

// ServeHTTP serves POST /store?n=N, and DELETE /store, which drops every
// stored message so that a long run does not fill the disk.
func (f *StreamFloor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var err error
	switch r.Method {
	case http.MethodDelete:
		var st jetstream.Stream
		if st, err = f.js.Stream(r.Context(), "floor"); err == nil {
			err = st.Purge(r.Context())
		}
	case http.MethodPost:
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		var msg []byte
		if msg, err = io.ReadAll(r.Body); err == nil {
			err = f.Store(r.Context(), msg, max(n, 1))
		}
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// Close stops the floor and removes its files.
func (f *StreamFloor) Close() { f.close() }

// ServeStreamFloor serves a StreamFloor on addr until ctx ends: the floor
// runs in a process of its own, as the servers it is compared with do.
func ServeStreamFloor(ctx context.Context, addr string) error {
	f, err := StartStreamFloor(ctx)
	if err != nil {
		return fmt.Errorf("start the stream floor: %w", err)
	}
	defer f.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: f}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
