// Package natsstore implements nubo's store interfaces on NATS JetStream: an
// embedded in-process server by default, or an external NATS when a URL is
// given. It is the only package in nubo that imports NATS.
package natsstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Options configures Open.
type Options struct {
	// Dir holds the embedded server's JetStream files.
	Dir string
	// URL, when set, connects to an external NATS instead of embedding one.
	URL string
	// Listen, when set, makes the embedded server accept NATS clients on this
	// host:port (it has no listener otherwise). They must present the token
	// in Dir/nats.token (TokenFile), created on first use.
	Listen string
	// WriteTimeout bounds the wait for JetStream to acknowledge a write
	// (default 10 s): a stream that failed to write (on a full disk)
	// does not answer at all.
	WriteTimeout time.Duration
	// Node names this node in a cluster (the embedded server's name).
	Node string
	// Cluster, when set, joins the embedded server to a NATS cluster.
	Cluster *Cluster
	// Replicas is how many copies JetStream keeps of every stream, KV
	// bucket and object store (1 when zero); more than one needs a
	// cluster of at least that many nodes.
	Replicas int
	Logger   *slog.Logger
}

// Store is a connection to JetStream, and the embedded server when there is one.
type Store struct {
	srv *server.Server
	nc  *nats.Conn
	js  jetstream.JetStream
	log *slog.Logger
	url string
	// token authenticates connections to an embedded server that listens.
	token string
	// conns are extra connections (tables' shards), closed with the store.
	conns []*nats.Conn
	// stops end the store's background work, wg waits for it.
	mu    sync.Mutex
	stops []context.CancelFunc
	wg    sync.WaitGroup
	// compactAt overrides the tables' compactAt, logCompactAt the log
	// tables' (tests).
	compactAt    int
	logCompactAt int64
	// logLease overrides a clustered log rewrite's lease (tests).
	logLease time.Duration
	// space guards the embedded server's disk (nil with an external NATS).
	space        *space
	writeTimeout time.Duration
	node         string
	replicas     int
}

// newJS is a JetStream context on nc with nubo's options.
func (s *Store) newJS(nc *nats.Conn) (jetstream.JetStream, error) {
	return jetstream.New(nc, jetstream.WithPublishAsyncTimeout(s.writeTimeout), jetstream.WithDefaultTimeout(s.writeTimeout), jetstream.WithPublishAsyncErrHandler(func(_ jetstream.JetStream, m *nats.Msg, err error) {
		if !sealedErr(err) { // a log's append to a generation a rewrite sealed, published again
			s.log.Error("store append failed", "subject", m.Subject, "err", err)
		}
	}))
}

// goRun runs fn in a goroutine that Close stops and waits for.
func (s *Store) goRun(fn func(ctx context.Context)) {
	ctx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	s.stops = append(s.stops, cancel)
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn(ctx)
	}()
}

// Open starts the embedded server (unless opts.URL is set) and connects to it.
func Open(ctx context.Context, opts Options) (*Store, error) {
	s := &Store{log: opts.Logger, url: opts.URL, writeTimeout: opts.WriteTimeout, node: opts.Node, replicas: max(opts.Replicas, 1)}
	if s.writeTimeout == 0 {
		s.writeTimeout = 10 * time.Second
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	var err error
	if opts.URL != "" {
		s.nc, err = nats.Connect(opts.URL, nats.Name("nubo"))
		if err != nil {
			return nil, fmt.Errorf("connect to nats %s: %w", opts.URL, err)
		}
	} else {
		if opts.Listen != "" || opts.Cluster != nil {
			if s.token, err = clientToken(opts.Dir); err != nil {
				return nil, fmt.Errorf("nats client token: %w", err)
			}
		}
		if s.srv, err = startEmbedded(opts, s.token); err != nil {
			return nil, err
		}
		s.space = &space{dir: opts.Dir}
		s.nc, err = nats.Connect("", nats.InProcessServer(s.srv), nats.Name("nubo"), nats.Token(s.token))
		if err != nil {
			s.srv.Shutdown()
			return nil, fmt.Errorf("connect to embedded nats: %w", err)
		}
		if opts.Cluster != nil {
			if err := s.waitForMeta(ctx); err != nil {
				s.Close()
				return nil, err
			}
			s.space.quorum = &quorum{srv: s.srv, peers: len(opts.Cluster.Peers)}
			s.goRun(s.space.quorum.run)
		}
	}
	s.js, err = s.newJS(s.nc)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	if s.srv != nil && opts.Cluster == nil {
		s.goRun(s.heal)
	}
	if (opts.Cluster != nil || opts.URL != "" && opts.Node != "") && opts.Dir != "" {
		if err := s.migrate(ctx, opts.Dir); err != nil {
			s.Close()
			return nil, fmt.Errorf("migrate single-node data: %w", err)
		}
	}
	return s, nil
}

func startEmbedded(opts Options, token string) (*server.Server, error) {
	sopts := &server.Options{
		ServerName: "nubo",
		JetStream:  true,
		StoreDir:   filepath.Join(opts.Dir, "jetstream"),
		DontListen: opts.Listen == "",
		NoSigs:     true,
		NoLog:      true,
		// DynamoDB's requests (up to 16 MB) and answers travel between
		// a cluster's nodes as one message each.
		MaxPayload: 32 << 20,
		// JetStream would otherwise cap its storage at 75% of the disk
		// free when it started; nubo's own guard (space) keeps a reserve
		// instead, whatever else uses the disk.
		JetStreamMaxStore: 1 << 50,
	}
	if opts.Listen != "" {
		host, port, err := net.SplitHostPort(opts.Listen)
		if err != nil {
			return nil, fmt.Errorf("nats listen address %q: %w", opts.Listen, err)
		}
		sopts.Host = host
		if sopts.Port, err = strconv.Atoi(port); err != nil {
			return nil, fmt.Errorf("nats listen port %q: %w", port, err)
		}
	}
	if opts.Cluster != nil {
		if err := clusterOptions(sopts, opts); err != nil {
			return nil, err
		}
	}
	if !sopts.DontListen {
		sopts.Authorization = token
	}
	if err := canListen(sopts); err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	srv, err := server.NewServer(sopts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		srv.Shutdown()
		return nil, errors.New("embedded nats: not ready after 30s")
	}
	return srv, nil
}

// canListen checks that the server's client and route addresses are
// free: nats-server would wait out its readiness timeout and not say why.
func canListen(sopts *server.Options) error {
	var addrs []string
	if !sopts.DontListen && sopts.Port > 0 {
		addrs = append(addrs, net.JoinHostPort(sopts.Host, strconv.Itoa(sopts.Port)))
	}
	if sopts.Cluster.Port > 0 {
		addrs = append(addrs, net.JoinHostPort(sopts.Cluster.Host, strconv.Itoa(sopts.Cluster.Port)))
	}
	for _, addr := range addrs {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return err
		}
		ln.Close()
	}
	return nil
}

// Close drains the connection and stops the embedded server.
func (s *Store) Close() {
	s.mu.Lock()
	for _, stop := range s.stops {
		stop()
	}
	s.mu.Unlock()
	s.wg.Wait()
	for _, nc := range s.conns {
		nc.Close()
	}
	if s.nc != nil {
		s.nc.Close()
	}
	if s.srv != nil {
		s.srv.Shutdown()
		s.srv.WaitForShutdown()
	}
}

// connect opens another connection to the same NATS, for work that should
// not queue behind the main connection's traffic.
func (s *Store) connect() (*nats.Conn, error) {
	var nc *nats.Conn
	var err error
	if s.srv != nil {
		nc, err = nats.Connect("", nats.InProcessServer(s.srv), nats.Name("nubo"), nats.Token(s.token))
	} else {
		nc, err = nats.Connect(s.url, nats.Name("nubo"))
	}
	if err != nil {
		return nil, fmt.Errorf("connect to nats: %w", err)
	}
	s.mu.Lock()
	s.conns = append(s.conns, nc)
	s.mu.Unlock()
	return nc, nil
}
