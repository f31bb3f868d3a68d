package lambda

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Limits AWS applies to function configuration.
const (
	MinMemory           = 128
	MaxMemory           = 10240
	DefaultMemory       = 128
	MaxTimeout          = 900
	DefaultTimeout      = 3
	MinEphemeral        = 512
	MaxEphemeral        = 10240
	MaxEnvironmentBytes = 4096
	MaxLayers           = 5
)

// FunctionCode is the Code member of CreateFunction.
type FunctionCode struct {
	ZipFile         []byte `json:"ZipFile,omitempty"`
	S3Bucket        string `json:"S3Bucket,omitempty"`
	S3Key           string `json:"S3Key,omitempty"`
	S3ObjectVersion string `json:"S3ObjectVersion,omitempty"`
	ImageUri        string `json:"ImageUri,omitempty"`
}

// FunctionSettings are the configuration members shared by CreateFunction and
// UpdateFunctionConfiguration. Nil means "not given".
type FunctionSettings struct {
	Runtime           *string            `json:"Runtime,omitempty"`
	Role              *string            `json:"Role,omitempty"`
	Handler           *string            `json:"Handler,omitempty"`
	Description       *string            `json:"Description,omitempty"`
	Timeout           *int               `json:"Timeout,omitempty"`
	MemorySize        *int               `json:"MemorySize,omitempty"`
	VpcConfig         *VpcConfig         `json:"VpcConfig,omitempty"`
	DeadLetterConfig  *DeadLetterConfig  `json:"DeadLetterConfig,omitempty"`
	Environment       *Environment       `json:"Environment,omitempty"`
	KMSKeyArn         *string            `json:"KMSKeyArn,omitempty"`
	TracingConfig     *TracingConfig     `json:"TracingConfig,omitempty"`
	Layers            []string           `json:"Layers,omitempty"`
	FileSystemConfigs []FileSystemConfig `json:"FileSystemConfigs,omitempty"`
	ImageConfig       *ImageConfig       `json:"ImageConfig,omitempty"`
	EphemeralStorage  *EphemeralStorage  `json:"EphemeralStorage,omitempty"`
	SnapStart         *SnapStart         `json:"SnapStart,omitempty"`
	LoggingConfig     *LoggingConfig     `json:"LoggingConfig,omitempty"`
}

// CreateFunctionInput is the body of CreateFunction.
type CreateFunctionInput struct {
	FunctionName string `json:"FunctionName"`
	FunctionSettings
	Code                 *FunctionCode     `json:"Code"`
	Publish              bool              `json:"Publish"`
	PackageType          string            `json:"PackageType"`
	Tags                 map[string]string `json:"Tags"`
	Architectures        []string          `json:"Architectures"`
	CodeSigningConfigArn string            `json:"CodeSigningConfigArn"`
}

// UpdateFunctionConfigurationInput is the body of UpdateFunctionConfiguration.
type UpdateFunctionConfigurationInput struct {
	FunctionSettings
	RevisionId string `json:"RevisionId"`
}

// UpdateFunctionCodeInput is the body of UpdateFunctionCode.
type UpdateFunctionCodeInput struct {
	FunctionCode
	Architectures []string `json:"Architectures"`
	Publish       bool     `json:"Publish"`
	DryRun        bool     `json:"DryRun"`
	RevisionId    string   `json:"RevisionId"`
}

var (
	roleRE        = regexp.MustCompile(`^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$`)
	handlerRE     = regexp.MustCompile(`^[^\s]+$`)
	envKeyRE      = regexp.MustCompile(`^[a-zA-Z]([a-zA-Z0-9_])+$`)
	kmsRE         = regexp.MustCompile(`^(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()$`)
	logGroupRE    = regexp.MustCompile(`^[\.\-_/#A-Za-z0-9]+$`)
	reservedEnvRE = regexp.MustCompile(`^(_HANDLER|_X_AMZN_TRACE_ID|AWS_REGION|AWS_DEFAULT_REGION|AWS_EXECUTION_ENV|AWS_LAMBDA_FUNCTION_NAME|AWS_LAMBDA_FUNCTION_MEMORY_SIZE|AWS_LAMBDA_FUNCTION_VERSION|AWS_LAMBDA_INITIALIZATION_TYPE|AWS_LAMBDA_LOG_GROUP_NAME|AWS_LAMBDA_LOG_STREAM_NAME|AWS_ACCESS_KEY|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|AWS_LAMBDA_RUNTIME_API|LAMBDA_TASK_ROOT|LAMBDA_RUNTIME_DIR)$`)
)

// Validate checks the model constraints of the settings members, then the
// service's own rules (runtime lifecycle, environment size and reserved keys).
func (s *FunctionSettings) Validate() error {
	var v Validator
	if s.Role != nil {
		v.Pattern("role", *s.Role, roleRE, `arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`)
	}
	if s.Handler != nil {
		v.Length("handler", *s.Handler, 0, 128)
		if *s.Handler != "" {
			v.Pattern("handler", *s.Handler, handlerRE, `[^\s]+`)
		}
	}
	if s.Description != nil {
		v.Length("description", *s.Description, 0, 256)
	}
	if s.Timeout != nil {
		v.Range("timeout", *s.Timeout, 1, MaxTimeout)
	}
	if s.MemorySize != nil {
		v.Range("memorySize", *s.MemorySize, MinMemory, MaxMemory)
	}
	if s.EphemeralStorage != nil {
		v.Range("ephemeralStorage.size", s.EphemeralStorage.Size, MinEphemeral, MaxEphemeral)
	}
	if s.KMSKeyArn != nil {
		v.Pattern("kMSKeyArn", *s.KMSKeyArn, kmsRE, `(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()`)
	}
	if s.TracingConfig != nil && s.TracingConfig.Mode != "" {
		v.Enum("tracingConfig.mode", s.TracingConfig.Mode, "Active", "PassThrough")
	}
	if s.SnapStart != nil && s.SnapStart.ApplyOn != "" {
		v.Enum("snapStart.applyOn", s.SnapStart.ApplyOn, "PublishedVersions", "None")
	}
	if len(s.Layers) > MaxLayers {
		v.Fail(strings.Join(s.Layers, ", "), "layers", "Member must have length less than or equal to 5")
	}
	validateLogging(&v, s.LoggingConfig)
	validateEnvKeys(&v, s.Environment)
	if err := v.Err(); err != nil {
		return err
	}
	if s.Runtime != nil {
		if err := ValidateRuntime(*s.Runtime); err != nil {
			return err
		}
	}
	return validateEnvironment(s.Environment)
}

func validateLogging(v *Validator, l *LoggingConfig) {
	if l == nil {
		return
	}
	if l.LogFormat != "" {
		v.Enum("loggingConfig.logFormat", l.LogFormat, "JSON", "Text")
	}
	if l.ApplicationLogLevel != "" {
		v.Enum("loggingConfig.applicationLogLevel", l.ApplicationLogLevel, "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
	}
	if l.SystemLogLevel != "" {
		v.Enum("loggingConfig.systemLogLevel", l.SystemLogLevel, "DEBUG", "INFO", "WARN")
	}
	if l.LogGroup != "" {
		v.Length("loggingConfig.logGroup", l.LogGroup, 1, 512)
		v.Pattern("loggingConfig.logGroup", l.LogGroup, logGroupRE, `[\.\-_/#A-Za-z0-9]+`)
	}
}

func validateEnvKeys(v *Validator, env *Environment) {
	if env == nil {
		return
	}
	for _, k := range slices.Sorted(maps.Keys(env.Variables)) {
		if !envKeyRE.MatchString(k) {
			v.Fail(k, "environment.variables", "Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]")
			return
		}
	}
}

func validateEnvironment(env *Environment) error {
	if env == nil {
		return nil
	}
	var reserved []string
	for _, k := range slices.Sorted(maps.Keys(env.Variables)) {
		if reservedEnvRE.MatchString(k) {
			reserved = append(reserved, k)
		}
	}
	if len(reserved) > 0 {
		return Errorf(ErrInvalidParameterValue,
			"Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: %s",
			strings.Join(reserved, ", "))
	}
	measured, _ := json.Marshal(env.Variables)
	if len(measured) > MaxEnvironmentBytes {
		return Errorf(ErrInvalidParameterValue,
			"Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: %s",
			measured)
	}
	return nil
}

// ValidateArchitectures checks an Architectures member (exactly one of x86_64, arm64).
func ValidateArchitectures(a []string) error {
	if a == nil {
		return nil
	}
	var v Validator
	if len(a) != 1 {
		v.Fail("["+strings.Join(a, ", ")+"]", "architectures", "Member must have length less than or equal to 1")
		if len(a) == 0 {
			v = Validator{}
			v.Fail("[]", "architectures", "Member must have length greater than or equal to 1")
		}
		return v.Err()
	}
	v.Enum("architectures", a[0], "x86_64", "arm64")
	return v.Err()
}

// ValidateNewFunctionName checks a CreateFunction FunctionName, which may be a
// name or an ARN whose name part becomes the function's name.
func ValidateNewFunctionName(name string) (FunctionRef, error) {
	ref, err := ParseFunctionRef(name, 140)
	if err != nil {
		return ref, err
	}
	if ref.Qualifier != "" {
		var v Validator
		v.Fail(name, "functionName", "Member must satisfy regular expression pattern: "+functionRefPattern)
		return ref, v.Err()
	}
	return ref, nil
}
