package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// enqueueFloor is the least a durable Event invocation can do here: an
// HTTP endpoint that stores the payload in a JetStream stream on disk, in
// this process as nubo's is, and answers 202 once it is stored. It reads
// no configuration and runs nothing.
type enqueueFloor struct {
	dir string
	ns  *server.Server
	nc  *nats.Conn
	js  jetstream.JetStream
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
	if f.dir, err = os.MkdirTemp("", "nubo-enqueue-floor-"); err != nil {
		return nil, err
	}
	if f.ns, err = server.NewServer(&server.Options{JetStream: true, StoreDir: f.dir, DontListen: true, NoSigs: true, NoLog: true}); err != nil {
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
	if _, err = f.js.CreateStream(ctx, jetstream.StreamConfig{Name: "events", Subjects: []string{"events.>"}, Storage: jetstream.FileStorage}); err != nil {
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
