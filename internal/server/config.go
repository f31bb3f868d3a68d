package server

import (
	"log/slog"
	"time"

	"github.com/nubo-dev/nubo/internal/iam"
	"github.com/nubo-dev/nubo/internal/meter"
	"github.com/nubo-dev/nubo/internal/services/sfn"
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
	// Cluster, when set, makes this nubo a node of a cluster.
	Cluster *ClusterConfig
	// Auth is AuthSigV4 ("" too: every request's signature is verified
	// and its caller authorised) or AuthNone (every caller is the
	// account's root, as an emulator).
	Auth string
	// RootAccessKeyID and RootSecretAccessKey are the account's root
	// credentials (DefaultRootKey when empty; then nubo serves only
	// loopback addresses).
	RootAccessKeyID, RootSecretAccessKey string
	// Accounts are further accounts, known by their roots' credentials.
	Accounts []iam.Account
	// PublicDomain is the domain operators point at nubo for function URLs
	// and APIs ("example.com", or "http://example.com:8080"); without it
	// they are served under localhost. nubo answers to it besides IP
	// addresses and localhost (and its subdomains).
	PublicDomain string
	// HeaderTimeout bounds the wait for a request's headers, and
	// BodyIdleTimeout for the next bytes of its body (20 s each when zero);
	// MaxClientConnections caps the connections one client address holds
	// open (1,024 when zero).
	HeaderTimeout, BodyIdleTimeout time.Duration
	MaxClientConnections           int
	// StepFunctionsMock replaces Task results for executions started as
	// "<stateMachineArn>#<TestCase>" (Step Functions Local's mock
	// configuration, --local-mock).
	StepFunctionsMock *sfn.MockConfig
	Logger            *slog.Logger
}
