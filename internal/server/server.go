// Package server is nubo's composition root: it builds every subsystem from
// a Config, serves them on one port, and starts and stops them in order.
package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/cluster"
	"github.com/nubo-dev/nubo/internal/code"
	"github.com/nubo-dev/nubo/internal/console"
	"github.com/nubo-dev/nubo/internal/engine"
	"github.com/nubo-dev/nubo/internal/iam"
	"github.com/nubo-dev/nubo/internal/invoker"
	"github.com/nubo-dev/nubo/internal/runtimes"
	"github.com/nubo-dev/nubo/internal/services/dynamodb"
	"github.com/nubo-dev/nubo/internal/services/events"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/lambda/async"
	"github.com/nubo-dev/nubo/internal/services/lambda/control"
	"github.com/nubo-dev/nubo/internal/services/lambda/esm"
	"github.com/nubo-dev/nubo/internal/services/lambda/funcurl"
	"github.com/nubo-dev/nubo/internal/services/logs"
	"github.com/nubo-dev/nubo/internal/services/scheduler"
	"github.com/nubo-dev/nubo/internal/services/sfn"
	"github.com/nubo-dev/nubo/internal/services/sns"
	"github.com/nubo-dev/nubo/internal/services/sqs"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
	"github.com/nubo-dev/nubo/internal/targets"
	"github.com/nubo-dev/nubo/internal/wire"
)

// Server is a running nubo.
type Server struct {
	cfg       Config
	log       *slog.Logger
	store     *natsstore.Store
	cluster   *cluster.Cluster // nil on a single node
	iam       *iam.Service
	control   *control.Service
	engine    *engine.Engine
	logs      *logs.Store
	obs       *observability
	async     *async.Queue
	sqs       *sqs.Service
	sns       *sns.Service
	esm       *esm.Service
	dynamodb  *dynamodb.Service
	events    *events.Service
	scheduler *scheduler.Service
	sfn       *sfn.Service
	urls      *funcurl.Service
	http      *http.Server
	forks     *runtimes.ForkServers // nil unless the process driver forks
	// identity gives functions their roles; the engine gets it before
	// the router it serves sandboxes with exists.
	identity *functionIdentity
	router   *wire.Router
	services []*wire.Service
	// runners are the long-lived components, run by Run until it stops.
	runners []func(context.Context) error
	// closers close what the runners used, once they stopped (and when
	// New fails).
	closers []func() error
	ln      net.Listener
}

// New opens the store, builds the services and listens on cfg.Addr; Run
// serves.
func New(ctx context.Context, cfg Config) (*Server, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	// Functions run in their task root, so the paths under DataDir that
	// they are given (LAMBDA_TASK_ROOT, the runtime directory, sandboxes'
	// mounts) must not be relative to nubo's working directory.
	if cfg.DataDir != "" {
		dir, err := filepath.Abs(cfg.DataDir)
		if err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
		cfg.DataDir = dir
		// The store holds what derives every secret: the data directory
		// is nubo's user's alone.
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
		if info, err := os.Stat(dir); err == nil && info.Mode().Perm()&0o077 != 0 {
			log.Warn("the data directory is readable by other users: whoever reads it can derive every secret of nubo; chmod 700 it", "dir", dir)
		}
	}
	if cfg.RootAccessKeyID == "" {
		cfg.RootAccessKeyID = DefaultRootKey
	}
	if cfg.RootSecretAccessKey == "" {
		cfg.RootSecretAccessKey = DefaultRootKey
	}
	if err := checkExposure(&cfg); err != nil {
		return nil, err
	}
	if cfg.Auth == AuthNone && !loopback(cfg.Addr) {
		log.Warn("nubo serves a non-loopback address without verifying signatures: anyone who reaches it acts as the account's root", "addr", cfg.Addr)
	}
	cfg.Logger = log
	st, err := natsstore.Open(ctx, storeOptions(cfg))
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: log, store: st}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	s.ln = limitClients(ln, cmp.Or(cfg.MaxClientConnections, DefaultMaxClientConnections))
	if err := s.build(ctx); err != nil {
		// Stopping the store may take a while: say why first.
		log.Error("nubo cannot start; stopping", "err", err)
		s.ln.Close()
		s.close()
		st.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) build(ctx context.Context) error {
	if s.cfg.Cluster != nil {
		if err := s.joinCluster(ctx); err != nil {
			return err
		}
	}
	identities, err := s.store.KV(ctx, "iam")
	if err != nil {
		return err
	}
	s.iam, err = iam.New(ctx, identities, iam.Options{Account: s.cfg.Account, RootAccessKeyID: s.cfg.RootAccessKeyID,
		RootSecretAccessKey: s.cfg.RootSecretAccessKey, Accounts: s.cfg.Accounts, Logger: s.log})
	if err != nil {
		return err
	}
	s.identity = &functionIdentity{iam: s.iam, verify: s.verifies()}
	functions, err := s.store.KV(ctx, "lambda")
	if err != nil {
		return err
	}
	objects, err := s.store.Objects(ctx, "code")
	if err != nil {
		return err
	}
	packages := code.NewPackages(objects, filepath.Join(s.cfg.DataDir, "code"))
	logStream, err := s.store.Stream(ctx, "LOGS", logs.Prefix, natsstore.StreamOptions{MaxAge: 30 * 24 * time.Hour})
	if err != nil {
		return err
	}
	logMeta, err := s.store.KV(ctx, "logs")
	if err != nil {
		return err
	}
	if s.logs, err = logs.Open(ctx, logStream, logMeta, logs.Options{Logger: s.log}); err != nil {
		return err
	}
	s.runners = append(s.runners, s.logs.Run)
	catalogue, err := runtimes.New(runtimes.Options{Dir: filepath.Join(s.cfg.DataDir, "runtimes"),
		Interpreters: interpreters(s.cfg.RuntimeInterpreters), Logger: s.log})
	if err != nil {
		return err
	}
	driver, err := s.sandboxDriver(catalogue)
	if err != nil {
		return err
	}
	if s.obs, err = s.openObservability(ctx); err != nil {
		return err
	}
	var share func(limit int, key string) int
	if s.cluster != nil {
		share = s.cluster.Share
	}
	s.engine = engine.New(engine.Options{
		Share:              share,
		Driver:             driver,
		Launcher:           runtimeLauncher{catalogue},
		Packages:           packages,
		Logs:               s.logs,
		MaxConcurrency:     s.cfg.MaxConcurrency,
		KeepAlive:          s.cfg.KeepAlive,
		ShutdownGrace:      500 * time.Millisecond,
		EndpointURL:        "http://" + s.Addr(),
		Identity:           s.identity,
		Observer:           s.obs,
		BillingGranularity: s.cfg.BillingGranularity,
		Logger:             s.log,
	})
	opts := control.Options{
		Account:          s.cfg.Account,
		MaxConcurrency:   s.cfg.MaxConcurrency,
		CodeStorageLimit: s.cfg.CodeStorageLimit,
		CheckRuntime:     catalogue.Check,
		Removed:          s.removed,
		Logger:           s.log,
	}
	if s.verifies() { // without verification any role will do, as in an emulator
		opts.CheckRole = s.canAssume
	}
	s.control = control.New(functions, packages, opts)
	inv := invoker.New(s.control, s.engine, s.cluster)
	urlConfigs, err := s.store.KV(ctx, "lambda-urls")
	if err != nil {
		return err
	}
	var urlAuth funcurl.Authorizer // without verification: any request signed for lambda
	if s.verifies() {
		urlAuth = frontDoorIdentity{s}
	}
	s.urls = funcurl.New(urlConfigs, s.control, inv, urlAuth, funcurl.Options{Account: s.cfg.Account, PublicDomain: s.cfg.PublicDomain, Logger: s.log})
	// In a cluster the events a dead node had taken come back when their
	// lease runs out: a short one (renewed every third of it) brings them
	// back within seconds.
	lease := 30 * time.Second
	if s.cluster != nil {
		lease = 5 * time.Second
	}
	work, err := s.store.WorkQueue(ctx, "ASYNC", "async", lease)
	if err != nil {
		return err
	}
	dests := &targets.Targets{}
	var rescan time.Duration
	if s.cluster != nil {
		rescan = 2 * time.Second
		s.runners = append(s.runners, follow(func(ctx context.Context) error {
			return s.control.Follow(ctx, functions.(store.Watchable))
		}), follow(func(ctx context.Context) error {
			return s.urls.Follow(ctx, urlConfigs.(store.Watchable))
		}))
	}
	s.async = async.New(async.Options{
		Work:           work,
		Control:        s.control,
		Invoker:        hereInvoker{inv},
		Share:          share,
		Rescan:         rescan,
		Lease:          lease,
		Targets:        dests,
		Metrics:        s.obs,
		RetryDelays:    s.cfg.AsyncRetryDelays,
		MaxConcurrency: s.cfg.MaxConcurrency,
		Logger:         s.log,
	})
	dests.Functions = s.async
	s.runners = append(s.runners, s.control.Run, s.engine.Run, s.async.Run)
	if err := s.buildDynamoDB(ctx); err != nil {
		return err
	}
	if err := s.buildMessaging(ctx, inv, dests); err != nil {
		return err
	}
	dests.Queues, dests.Topics = queueTargets{s.sqs}, topicTargets{s.sns}
	if err := s.buildEvents(ctx, dests); err != nil {
		return err
	}
	if err := s.buildScheduler(ctx, dests); err != nil {
		return err
	}
	objectStorage, err := s.buildS3(ctx, dests)
	if err != nil {
		return err
	}
	if err := s.buildStepFunctions(ctx, inv); err != nil {
		return err
	}
	dests.StateMachines = stateMachines{s.sfn}
	apis, gw, err := s.buildAPIGateway(ctx, inv)
	if err != nil {
		return err
	}
	if s.verifies() {
		dests.Allow = s.allowDelivery
	}
	s.serve(packages, inv, apis, gw, objectStorage)
	return nil
}

// close runs the closers, last first.
func (s *Server) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i](); err != nil {
			s.log.Warn("close", "err", err)
		}
	}
	s.closers = nil
}

// removed forgets a function's (or version's) environments and URLs.
func (s *Server) removed(scope lambda.Scope, name, version string) {
	s.engine.Removed(scope, name, version)
	s.urls.Removed(scope, name, version)
}

// Services are the AWS services nubo serves, as the wire layer sees them
// (their operations and what each needs of its caller).
func (s *Server) Services() []*wire.Service { return s.services }

// Async is the asynchronous invocation queue (the benchmark watches its
// backlog).
func (s *Server) Async() *async.Queue { return s.async }

// StepFunctions is the Step Functions domain (the benchmark's floor calls
// it without HTTP).
func (s *Server) StepFunctions() *sfn.Service { return s.sfn }

// Addr is the address nubo listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// consoleURL is where a browser on this machine finds the console: on an
// address that listens on every interface, loopback's.
func (s *Server) consoleURL() string {
	host, port, _ := net.SplitHostPort(s.Addr())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + console.Path
}

// Run serves until ctx ends, then shuts down gracefully.
func (s *Server) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for _, run := range s.runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(ctx); err != nil {
				s.log.Error("component stopped", "err", err)
			}
		}()
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- s.http.Serve(s.ln) }()
	s.log.Info("nubo is ready", "addr", s.Addr(), "data_dir", s.cfg.DataDir, "region", s.cfg.Region, "account", s.cfg.Account,
		"auth", cmp.Or(s.cfg.Auth, AuthSigV4), "console", s.consoleURL())
	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
	}
	shutdownCtx, stop := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer stop()
	if e := s.http.Shutdown(shutdownCtx); e != nil && err == nil {
		err = e
	}
	cancel()
	wg.Wait()
	s.close()
	if s.forks != nil {
		s.forks.Close() // after the engine stopped the environments they forked
	}
	if err := s.obs.flush(shutdownCtx); err != nil {
		s.log.Warn("flush metrics and meter", "err", err)
	}
	if err := s.logs.Flush(shutdownCtx); err != nil {
		s.log.Warn("flush logs", "err", err)
	}
	s.store.Close()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	s.log.Info("nubo stopped")
	return err
}
