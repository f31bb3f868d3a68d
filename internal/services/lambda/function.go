// Package lambda holds nubo's Lambda domain: the function, version and alias
// types exactly as the Lambda API serialises them, ARNs, validation with AWS's
// messages, the runtime catalogue, and the error classes every other package
// returns.
package lambda

import "time"

// Latest is the name of a function's unpublished version.
const Latest = "$LATEST"

// FunctionConfiguration is the Lambda API's FunctionConfiguration shape. It is
// also the stored record of $LATEST and of every published version.
type FunctionConfiguration struct {
	FunctionName               string                `json:"FunctionName"`
	FunctionArn                string                `json:"FunctionArn"`
	Runtime                    string                `json:"Runtime,omitempty"`
	Role                       string                `json:"Role"`
	Handler                    string                `json:"Handler,omitempty"`
	CodeSize                   int64                 `json:"CodeSize"`
	Description                string                `json:"Description"`
	Timeout                    int                   `json:"Timeout"`
	MemorySize                 int                   `json:"MemorySize"`
	LastModified               string                `json:"LastModified"`
	CodeSha256                 string                `json:"CodeSha256"`
	Version                    string                `json:"Version"`
	VpcConfig                  *VpcConfig            `json:"VpcConfig,omitempty"`
	DeadLetterConfig           *DeadLetterConfig     `json:"DeadLetterConfig,omitempty"`
	Environment                *EnvironmentResponse  `json:"Environment,omitempty"`
	KMSKeyArn                  string                `json:"KMSKeyArn,omitempty"`
	TracingConfig              *TracingConfig        `json:"TracingConfig,omitempty"`
	RevisionId                 string                `json:"RevisionId"`
	State                      string                `json:"State,omitempty"`
	StateReason                string                `json:"StateReason,omitempty"`
	StateReasonCode            string                `json:"StateReasonCode,omitempty"`
	LastUpdateStatus           string                `json:"LastUpdateStatus,omitempty"`
	LastUpdateStatusReason     string                `json:"LastUpdateStatusReason,omitempty"`
	LastUpdateStatusReasonCode string                `json:"LastUpdateStatusReasonCode,omitempty"`
	PackageType                string                `json:"PackageType"`
	ImageConfigResponse        *ImageConfigResponse  `json:"ImageConfigResponse,omitempty"`
	Architectures              []string              `json:"Architectures"`
	EphemeralStorage           *EphemeralStorage     `json:"EphemeralStorage"`
	SnapStart                  *SnapStartResponse    `json:"SnapStart"`
	LoggingConfig              *LoggingConfig        `json:"LoggingConfig"`
	RuntimeVersionConfig       *RuntimeVersionConfig `json:"RuntimeVersionConfig,omitempty"`
	SigningProfileVersionArn   string                `json:"SigningProfileVersionArn,omitempty"`
	SigningJobArn              string                `json:"SigningJobArn,omitempty"`
	MasterArn                  string                `json:"MasterArn,omitempty"`
}

type VpcConfig struct {
	SubnetIds               []string `json:"SubnetIds"`
	SecurityGroupIds        []string `json:"SecurityGroupIds"`
	VpcId                   string   `json:"VpcId,omitempty"`
	Ipv6AllowedForDualStack bool     `json:"Ipv6AllowedForDualStack,omitempty"`
}

type DeadLetterConfig struct {
	TargetArn string `json:"TargetArn,omitempty"`
}

type Environment struct {
	Variables map[string]string `json:"Variables"`
}

type EnvironmentResponse struct {
	Variables map[string]string `json:"Variables"`
}

type TracingConfig struct {
	Mode string `json:"Mode,omitempty"`
}

type FileSystemConfig struct {
	Arn            string `json:"Arn"`
	LocalMountPath string `json:"LocalMountPath"`
}

type ImageConfig struct {
	EntryPoint       []string `json:"EntryPoint,omitempty"`
	Command          []string `json:"Command,omitempty"`
	WorkingDirectory string   `json:"WorkingDirectory,omitempty"`
}

type ImageConfigResponse struct {
	ImageConfig *ImageConfig `json:"ImageConfig,omitempty"`
}

type EphemeralStorage struct {
	Size int `json:"Size"`
}

type SnapStart struct {
	ApplyOn string `json:"ApplyOn,omitempty"`
}

type SnapStartResponse struct {
	ApplyOn            string `json:"ApplyOn"`
	OptimizationStatus string `json:"OptimizationStatus"`
}

type LoggingConfig struct {
	LogFormat           string `json:"LogFormat,omitempty"`
	ApplicationLogLevel string `json:"ApplicationLogLevel,omitempty"`
	SystemLogLevel      string `json:"SystemLogLevel,omitempty"`
	LogGroup            string `json:"LogGroup,omitempty"`
}

type RuntimeVersionConfig struct {
	RuntimeVersionArn string `json:"RuntimeVersionArn,omitempty"`
}

// FunctionCodeLocation is GetFunction's Code member.
type FunctionCodeLocation struct {
	RepositoryType string `json:"RepositoryType"`
	Location       string `json:"Location"`
}

// Concurrency is the reserved concurrency of a function.
type Concurrency struct {
	ReservedConcurrentExecutions *int `json:"ReservedConcurrentExecutions,omitempty"`
}

// AliasRoutingConfiguration sends a share of an alias's traffic to a second version.
type AliasRoutingConfiguration struct {
	AdditionalVersionWeights map[string]float64 `json:"AdditionalVersionWeights,omitempty"`
}

// AliasConfiguration is the Lambda API's alias shape and its stored record.
type AliasConfiguration struct {
	AliasArn        string                     `json:"AliasArn"`
	Name            string                     `json:"Name"`
	FunctionVersion string                     `json:"FunctionVersion"`
	Description     string                     `json:"Description"`
	RoutingConfig   *AliasRoutingConfiguration `json:"RoutingConfig,omitempty"`
	RevisionId      string                     `json:"RevisionId"`
}

// Function states and update statuses.
const (
	StatePending   = "Pending"
	StateActive    = "Active"
	StateFailed    = "Failed"
	UpdateProgress = "InProgress"
	UpdateSuccess  = "Successful"
	UpdateFailed   = "Failed"
)

// TimeFormat is the layout of FunctionConfiguration.LastModified.
const TimeFormat = "2006-01-02T15:04:05.000-0700"

// FormatTime renders t as a LastModified string ("...+0000").
func FormatTime(t time.Time) string {
	return t.UTC().Format(TimeFormat)
}

// LogEvent is one event of a log stream.
type LogEvent struct {
	Timestamp int64 // milliseconds since the epoch
	Message   string
}

// OnDestination is a destination of DestinationConfig.
type OnDestination struct {
	Destination string `json:"Destination,omitempty"`
}

// DestinationConfig says where asynchronous invocation records go.
type DestinationConfig struct {
	OnSuccess OnDestination `json:"OnSuccess"`
	OnFailure OnDestination `json:"OnFailure"`
}

// FunctionEventInvokeConfig is a version's or alias's asynchronous
// invocation settings.
type FunctionEventInvokeConfig struct {
	LastModified             float64            `json:"LastModified"`
	FunctionArn              string             `json:"FunctionArn"`
	MaximumRetryAttempts     *int               `json:"MaximumRetryAttempts,omitempty"`
	MaximumEventAgeInSeconds *int               `json:"MaximumEventAgeInSeconds,omitempty"`
	DestinationConfig        *DestinationConfig `json:"DestinationConfig,omitempty"`
}
