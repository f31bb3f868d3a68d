package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nubo-dev/nubo/internal/iam"
	"github.com/nubo-dev/nubo/internal/server"
	"github.com/nubo-dev/nubo/internal/services/lambda/control"
	"github.com/nubo-dev/nubo/internal/services/sfn"
)

// env returns the environment variable key, or def when it is unset.
func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

func envInt(key string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return v
	}
	return def
}

func envBool(key string, def bool) bool {
	if v, err := strconv.ParseBool(os.Getenv(key)); err == nil {
		return v
	}
	return def
}

func envDuration(key string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(key)); err == nil {
		return v
	}
	return def
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	var cfg server.Config
	fs.StringVar(&cfg.Addr, "addr", env("NUBO_ADDR", "127.0.0.1:4566"), "address to serve the AWS APIs on (NUBO_ADDR)")
	fs.StringVar(&cfg.DataDir, "data-dir", env("NUBO_DATA_DIR", ".nubo"), "directory for all state (NUBO_DATA_DIR)")
	fs.StringVar(&cfg.NATSURL, "nats-url", env("NUBO_NATS_URL", ""), "use this NATS server instead of the embedded one (NUBO_NATS_URL)")
	fs.StringVar(&cfg.NATSListen, "nats-listen", env("NUBO_NATS_LISTEN", ""), "let NATS clients reach the embedded server at host:port (NUBO_NATS_LISTEN)")
	fs.StringVar(&cfg.Account, "account-id", env("NUBO_ACCOUNT_ID", "000000000000"), "account id in every ARN (NUBO_ACCOUNT_ID)")
	fs.StringVar(&cfg.PublicDomain, "public-domain", env("NUBO_PUBLIC_DOMAIN", ""), "domain pointed at nubo, which it answers to with its subdomains, and under which it serves function URLs and APIs: example.com, or http://example.com:8080 (NUBO_PUBLIC_DOMAIN)")
	fs.StringVar(&cfg.Region, "region", env("NUBO_REGION", "us-east-1"), "region of requests whose signature names none (NUBO_REGION)")
	fs.IntVar(&cfg.MaxConcurrency, "max-concurrency", envInt("NUBO_MAX_CONCURRENCY", 1000), "account concurrency limit (NUBO_MAX_CONCURRENCY)")
	fs.Int64Var(&cfg.CodeStorageLimit, "code-storage-limit", envInt64("NUBO_CODE_STORAGE_LIMIT", control.DefaultCodeStorageLimit), "code storage quota per region in bytes: zips and their extracted files (NUBO_CODE_STORAGE_LIMIT)")
	fs.StringVar(&cfg.Sandbox, "sandbox", env("NUBO_SANDBOX", ""), "sandbox driver: linux (isolated; the default as root) or process (NUBO_SANDBOX)")
	fs.StringVar(&cfg.SandboxNetwork, "sandbox-network", env("NUBO_SANDBOX_NETWORK", "none"), "linux sandboxes' network: none (loopback only) or outbound (NUBO_SANDBOX_NETWORK)")
	fs.DurationVar(&cfg.KeepAlive, "keep-alive", envDuration("NUBO_KEEP_ALIVE", 10*time.Minute), "how long an idle environment stays warm (NUBO_KEEP_ALIVE)")
	forkServer := fs.Bool("python-fork-server", envBool("NUBO_PYTHON_FORK_SERVER", true), "with the process driver, fork Python environments from a pre-initialised interpreter (NUBO_PYTHON_FORK_SERVER)")
	interpreters := envFlags{}
	fs.Var(interpreters, "runtime-interpreter", "runtime id or family=interpreter path, e.g. python=/usr/bin/python3.12 (repeatable; NUBO_RUNTIME_INTERPRETERS, comma-separated)")
	for _, kv := range strings.Split(os.Getenv("NUBO_RUNTIME_INTERPRETERS"), ",") {
		if kv != "" {
			interpreters.Set(kv)
		}
	}
	asyncDelays := fs.String("async-retry-delays", env("NUBO_ASYNC_RETRY_DELAYS", "1m,2m"), "waits before the retries of a failed asynchronous event (NUBO_ASYNC_RETRY_DELAYS)")
	fs.DurationVar(&cfg.BillingGranularity, "billing-granularity", envDuration("NUBO_BILLING_GRANULARITY", time.Millisecond), "billed durations are rounded up to a multiple of this, e.g. 100ms as before 2020 (NUBO_BILLING_GRANULARITY)")
	cfg.Prices = priceFlags(fs)
	cluster := clusterFlags(fs)
	localMock := fs.String("local-mock", env("NUBO_SFN_LOCAL_MOCK", ""), "Step Functions Local's mock configuration file: executions started as <stateMachineArn>#<TestCase> take their Task results from it (NUBO_SFN_LOCAL_MOCK)")
	logLevel := fs.String("log-level", env("NUBO_LOG_LEVEL", "info"), "debug, info, warn or error (NUBO_LOG_LEVEL)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the server to this file until it stops")
	fs.StringVar(&cfg.Auth, "auth", env("NUBO_AUTH", server.AuthSigV4), "sigv4 (verify every request's signature and authorise it) or none (every caller is the root, as an emulator) (NUBO_AUTH)")
	fs.StringVar(&cfg.RootAccessKeyID, "root-access-key-id", env("NUBO_ROOT_ACCESS_KEY_ID", server.DefaultRootKey), "access key id of the account's root (NUBO_ROOT_ACCESS_KEY_ID)")
	fs.StringVar(&cfg.RootSecretAccessKey, "root-secret-access-key", env("NUBO_ROOT_SECRET_ACCESS_KEY", server.DefaultRootKey),
		"secret access key of the account's root; with the default, nubo serves only loopback addresses (NUBO_ROOT_SECRET_ACCESS_KEY)")
	accounts := accountFlags{cfg: &cfg}
	fs.Var(&accounts, "account", "a further account, ID:ACCESS_KEY_ID:SECRET_ACCESS_KEY of its root (repeatable; NUBO_ACCOUNTS, comma-separated)")
	for _, a := range strings.Split(os.Getenv("NUBO_ACCOUNTS"), ",") {
		if a != "" {
			if err := accounts.Set(a); err != nil {
				return fmt.Errorf("NUBO_ACCOUNTS: %w", err)
			}
		}
	}
	fs.IntVar(&cfg.MaxClientConnections, "max-client-connections", envInt("NUBO_MAX_CLIENT_CONNECTIONS", server.DefaultMaxClientConnections), "connections one client address may hold open (NUBO_MAX_CLIENT_CONNECTIONS)")
	fs.Parse(args)
	cfg.RuntimeInterpreters = interpreters
	if *localMock != "" {
		data, err := os.ReadFile(*localMock)
		if err != nil {
			return fmt.Errorf("--local-mock: %w", err)
		}
		if cfg.StepFunctionsMock, err = sfn.ParseMockConfig(data); err != nil {
			return fmt.Errorf("--local-mock %s: %w", *localMock, err)
		}
	}
	cfg.NoForkServer = !*forkServer
	var err error
	if cfg.Cluster, err = cluster.config(); err != nil {
		return err
	}
	for _, d := range strings.Split(*asyncDelays, ",") {
		delay, err := time.ParseDuration(strings.TrimSpace(d))
		if err != nil || delay <= 0 {
			return fmt.Errorf("--async-retry-delays: bad delay %q", d)
		}
		cfg.AsyncRetryDelays = append(cfg.AsyncRetryDelays, delay)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return err
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	stopProfile, err := startCPUProfile(*profile)
	if err != nil {
		return err
	}
	defer stopProfile()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := server.New(ctx, cfg)
	if err != nil {
		return err
	}
	return srv.Run(ctx)
}

// accountFlags collects repeated --account ID:ACCESS_KEY_ID:SECRET flags.
type accountFlags struct{ cfg *server.Config }

func (a *accountFlags) String() string { return "" }

func (a *accountFlags) Set(s string) error {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) != 3 || len(parts[0]) != 12 || strings.Trim(parts[0], "0123456789") != "" || parts[1] == "" || parts[2] == "" {
		return fmt.Errorf("want ACCOUNT_ID:ACCESS_KEY_ID:SECRET_ACCESS_KEY with a 12-digit account id, got %q", s)
	}
	a.cfg.Accounts = append(a.cfg.Accounts, iam.Account{ID: parts[0], AccessKeyID: parts[1], SecretAccessKey: parts[2]})
	return nil
}
