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

// bareJetStream is the floors' JetStream: a server embedded in this
// process, as nubo's is, on a temporary directory, with one file-stored
// stream of the floor's own.
type bareJetStream struct {
	dir string
	ns  *server.Server
	nc  *nats.Conn
	js  jetstream.JetStream
}

// start starts the server with opts (its store directory set here) and
// creates the stream name on the subjects name.>, keeping its messages by
// retention; on an error, what started is for close to stop.
func (b *bareJetStream) start(ctx context.Context, name string, opts server.Options, retention jetstream.RetentionPolicy) (err error) {
	if b.dir, err = os.MkdirTemp("", "nubo-floor-"+name+"-"); err != nil {
		return err
	}
	opts.JetStream, opts.StoreDir, opts.DontListen, opts.NoSigs, opts.NoLog = true, b.dir, true, true, true
	if b.ns, err = server.NewServer(&opts); err != nil {
		return err
	}
	b.ns.Start()
	if !b.ns.ReadyForConnections(10 * time.Second) {
		return fmt.Errorf("the floor's nats server did not start")
	}
	if b.nc, err = nats.Connect("", nats.InProcessServer(b.ns)); err != nil {
		return err
	}
	if b.js, err = jetstream.New(b.nc); err != nil {
		return err
	}
	_, err = b.js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{name + ".>"}, Storage: jetstream.FileStorage, Retention: retention})
	return err
}

// close stops the server and removes its directory.
func (b *bareJetStream) close() {
	if b.nc != nil {
		b.nc.Close()
	}
	if b.ns != nil {
		b.ns.Shutdown()
		b.ns.WaitForShutdown()
	}
	if b.dir != "" {
		os.RemoveAll(b.dir)
	}
}
