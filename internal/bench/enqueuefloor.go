package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
)

// enqueueFloor is the least a durable Event invocation can do here: an
// HTTP endpoint that stores the payload in a work-queue stream on disk
// (nubo's asynchronous events are kept in one), in this process as nubo's
// is, and answers 202 once it is stored. It reads no configuration and runs
// nothing.
type enqueueFloor struct {
	bareJetStream
	ln  net.Listener
	srv *http.Server
}

func startEnqueueFloor(ctx context.Context) (f *enqueueFloor, err error) {
	f = &enqueueFloor{}
	defer func() {
		if err != nil {
			f.stop()
		}
	}()
	if err = f.start(ctx, "events", server.Options{}, jetstream.WorkQueuePolicy); err != nil {
		return nil, err
	}
	if f.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", f.enqueue)
	f.srv = &http.Server{Handler: mux}
	go f.srv.Serve(f.ln)
	return f, nil
}

func (f *enqueueFloor) enqueue(w http.ResponseWriter, r *http.Request) {
	payload, _ := io.ReadAll(r.Body)
	if _, err := f.js.Publish(r.Context(), "events."+r.PathValue("name"), payload); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (f *enqueueFloor) base() string { return "http://" + f.ln.Addr().String() }

func (f *enqueueFloor) stop() {
	if f.srv != nil {
		f.srv.Close()
	}
	f.close()
}

// measureEnqueueFloor times n Event invocations on the floor, sent every
// apart as runAsync sends them to nubo.
func measureEnqueueFloor(ctx context.Context, n int, every time.Duration) (Stats, error) {
	f, err := startEnqueueFloor(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("start the enqueue floor: %w", err)
	}
	defer f.stop()
	return newClient(f.base(), 1).enqueues(ctx, n, every), nil
}
