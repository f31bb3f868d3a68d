// Package server is nubo's composition root: it builds every subsystem from
// a Config, serves them on one port, and starts and stops them in order.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/code"
	"github.com/nubo-dev/nubo/internal/console"
	"github.com/nubo-dev/nubo/internal/engine"
	"github.com/nubo-dev/nubo/internal/invoker"
	"github.com/nubo-dev/nubo/internal/meter"
	"github.com/nubo-dev/nubo/internal/runtimes"
	"github.com/nubo-dev/nubo/internal/services/cloudwatch/cloudwatchapi"
	"github.com/nubo-dev/nubo/internal/services/dynamodb"
	"github.com/nubo-dev/nubo/internal/services/dynamodb/dynamodbapi"
	"github.com/nubo-dev/nubo/internal/services/lambda/async"
	"github.com/nubo-dev/nubo/internal/services/lambda/control"
	"github.com/nubo-dev/nubo/internal/services/lambda/esm"
	"github.com/nubo-dev/nubo/internal/services/lambda/lambdaapi"
	"github.com/nubo-dev/nubo/internal/services/logs"
	"github.com/nubo-dev/nubo/internal/services/logs/logsapi"
	"github.com/nubo-dev/nubo/internal/services/sns"
	"github.com/nubo-dev/nubo/internal/services/sns/snsapi"
	"github.com/nubo-dev/nubo/internal/services/sqs"
	"github.com/nubo-dev/nubo/internal/services/sqs/sqsapi"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
	"github.com/nubo-dev/nubo/internal/targets"
	"github.com/nubo-dev/nubo/internal/wire"
)

// Config is everything nubo serve is told.
type Config struct {
	Addr           string
	DataDir        string
	NATSURL        string
	NATSListen     string
	Account        string
	Region         string
	MaxConcurrency int
	// CodeStorageLimit is the code storage quota per region in bytes
	// (0: AWS's 75 GB).
	CodeStorageLimit int64
	KeepAlive        time.Duration
	// Sandbox selects the sandbox driver: "process", "linux", or "" to use
	// linux when nubo runs as root and can, process otherwise.
	Sandbox string
	// SandboxNetwork is the linux driver's network mode: "none" or
	// "outbound".
	SandboxNetwork string
	// NoForkServer makes the process driver start every Python
	// environment's interpreter rather than fork a pre-initialised one
	// (runtimes.ForkServers).
	NoForkServer bool
	// RuntimeInterpreters maps runtime ids or families ("python3.12",
	// "python", "nodejs", "java", "ruby") to interpreter paths.
	RuntimeInterpreters map[string]string
	// AsyncRetryDelays are the waits before the retries of an asynchronous
	// event whose function failed (Lambda: 1 and 2 minutes).
	AsyncRetryDelays []time.Duration
	// SNSRetryDelay is the wait between HTTP delivery attempts (AWS's
	// default delivery policy: 20 seconds).
	SNSRetryDelay time.Duration
	// BillingGranularity rounds billed durations up (1 ms when zero).
	BillingGranularity time.Duration
	// Prices price the bill (Lambda's when nil).
	Prices *meter.Prices
	Logger *slog.Logger
}

// Server is a running nubo.
type Server struct {
	cfg      Config
	log      *slog.Logger
	store    *natsstore.Store
	control  *control.Service
	engine   *engine.Engine
	logs     *logs.Store
	obs      *observability
	async    *async.Queue
	sqs      *sqs.Service
	sns      *sns.Service
	esm      *esm.Service
	dynamodb *dynamodb.Service
	http     *http.Server
	forks    *runtimes.ForkServers // nil unless the process driver forks
	// api is the router, which functions inside sandboxes reach too; the
	// engine gets it before the router exists.
	api apiHandler
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
	}
	st, err := natsstore.Open(ctx, natsstore.Options{Dir: cfg.DataDir, URL: cfg.NATSURL, Listen: cfg.NATSListen, Logger: log})
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: log, store: st}
	s.ln, err = net.Listen("tcp", cfg.Addr)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	if err := s.build(ctx); err != nil {
		s.ln.Close()
		s.close()
		st.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) build(ctx context.Context) error {
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
	s.engine = engine.New(engine.Options{
		Driver:             driver,
		Launcher:           runtimeLauncher{catalogue},
		Packages:           packages,
		Logs:               s.logs,
		MaxConcurrency:     s.cfg.MaxConcurrency,
		KeepAlive:          s.cfg.KeepAlive,
		ShutdownGrace:      500 * time.Millisecond,
		EndpointURL:        "http://" + s.Addr(),
		API:                &s.api,
		Observer:           s.obs,
		BillingGranularity: s.cfg.BillingGranularity,
		Logger:             s.log,
	})
	s.control = control.New(functions, packages, control.Options{
		Account:          s.cfg.Account,
		MaxConcurrency:   s.cfg.MaxConcurrency,
		CodeStorageLimit: s.cfg.CodeStorageLimit,
		CheckRuntime:     catalogue.Check,
		Removed:          s.engine.Removed,
		Logger:           s.log,
	})
	inv := invoker.New(s.control, s.engine)
	work, err := s.store.WorkQueue(ctx, "ASYNC", "async", 30*time.Second)
	if err != nil {
		return err
	}
	dests := &targets.Targets{}
	s.async = async.New(async.Options{
		Work:           work,
		Control:        s.control,
		Invoker:        inv,
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
	router := wire.NewRouter(s.cfg.Region, s.log)
	router.HandlePath(lambdaapi.CodePath, lambdaapi.CodeHandler(packages))
	router.HandlePath(logs.Path, s.logs.Handler())
	router.HandlePath(sns.CertPath, snsapi.CertificateHandler(s.sns))
	s.observabilityPaths(router)
	// The services nubo serves, one per AWS signing name.
	var served []string
	for _, svc := range []*wire.Service{
		lambdaapi.New(s.control, inv, s.async, s.esm, s.cfg.Account, s.log),
		sqsapi.New(s.sqs, s.log),
		snsapi.New(s.sns, s.log),
		logsapi.New(s.logs, s.cfg.Account, s.log),
		cloudwatchapi.New(s.obs.metrics, s.log),
		dynamodbapi.New(s.dynamodb, s.cfg.Account, s.obs.metrics, s.log),
	} {
		router.Handle(svc)
		served = append(served, svc.Name)
	}
	router.HandlePath(console.Path, console.Handler(console.Options{Services: served}))
	s.api.Handler = router
	s.http = &http.Server{Handler: console.Root(router), ReadHeaderTimeout: 30 * time.Second}
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

// apiHandler serves whatever Handler is once it is set.
type apiHandler struct{ http.Handler }

// Async is the asynchronous invocation queue (the benchmark watches its
// backlog).
func (s *Server) Async() *async.Queue { return s.async }

// Addr is the address nubo listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

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
	s.log.Info("nubo is ready", "addr", s.Addr(), "data_dir", s.cfg.DataDir, "region", s.cfg.Region, "account", s.cfg.Account)
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
