package control

import (
	"cmp"
	"maps"
	"slices"

	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// newConfig builds the $LATEST configuration of a new function from its
// validated settings, with AWS's defaults for everything not given.
func newConfig(scope lambda.Scope, name string, in *lambda.CreateFunctionInput) lambda.FunctionConfiguration {
	cfg := lambda.FunctionConfiguration{
		FunctionName:     name,
		FunctionArn:      scope.FunctionARN(name),
		Timeout:          lambda.DefaultTimeout,
		MemorySize:       lambda.DefaultMemory,
		Version:          lambda.Latest,
		PackageType:      "Zip",
		Architectures:    []string{"x86_64"},
		EphemeralStorage: &lambda.EphemeralStorage{Size: lambda.MinEphemeral},
		TracingConfig:    &lambda.TracingConfig{Mode: "PassThrough"},
		SnapStart:        &lambda.SnapStartResponse{ApplyOn: "None", OptimizationStatus: "Off"},
		LoggingConfig:    &lambda.LoggingConfig{LogFormat: "Text", LogGroup: "/aws/lambda/" + name},
	}
	if len(in.Architectures) == 1 {
		cfg.Architectures = slices.Clone(in.Architectures)
	}
	applySettings(&cfg, &in.FunctionSettings)
	return cfg
}

// applySettings copies every given member of s onto cfg, as
// UpdateFunctionConfiguration does (Environment replaces the whole map).
func applySettings(cfg *lambda.FunctionConfiguration, s *lambda.FunctionSettings) {
	setString(&cfg.Runtime, s.Runtime)
	setString(&cfg.Role, s.Role)
	setString(&cfg.Handler, s.Handler)
	setString(&cfg.Description, s.Description)
	setString(&cfg.KMSKeyArn, s.KMSKeyArn)
	if s.Timeout != nil {
		cfg.Timeout = *s.Timeout
	}
	if s.MemorySize != nil {
		cfg.MemorySize = *s.MemorySize
	}
	if s.Environment != nil {
		cfg.Environment = nil
		if len(s.Environment.Variables) > 0 {
			cfg.Environment = &lambda.EnvironmentResponse{Variables: maps.Clone(s.Environment.Variables)}
		}
	}
	if s.EphemeralStorage != nil {
		cfg.EphemeralStorage = &lambda.EphemeralStorage{Size: s.EphemeralStorage.Size}
	}
	if s.TracingConfig != nil && s.TracingConfig.Mode != "" {
		cfg.TracingConfig = &lambda.TracingConfig{Mode: s.TracingConfig.Mode}
	}
	if s.DeadLetterConfig != nil {
		cfg.DeadLetterConfig = nil
		if s.DeadLetterConfig.TargetArn != "" {
			cfg.DeadLetterConfig = &lambda.DeadLetterConfig{TargetArn: s.DeadLetterConfig.TargetArn}
		}
	}
	if s.VpcConfig != nil {
		cfg.VpcConfig = &lambda.VpcConfig{SubnetIds: nonNil(s.VpcConfig.SubnetIds), SecurityGroupIds: nonNil(s.VpcConfig.SecurityGroupIds)}
	}
	if s.SnapStart != nil && s.SnapStart.ApplyOn != "" {
		cfg.SnapStart = &lambda.SnapStartResponse{ApplyOn: s.SnapStart.ApplyOn, OptimizationStatus: "Off"}
	}
	if s.LoggingConfig != nil {
		cfg.LoggingConfig = mergeLogging(cfg.LoggingConfig, s.LoggingConfig, cfg.FunctionName)
	}
	if s.ImageConfig != nil {
		cfg.ImageConfigResponse = &lambda.ImageConfigResponse{ImageConfig: s.ImageConfig}
	}
}

// mergeLogging applies a partial LoggingConfig; switching to JSON sets the
// log levels to INFO unless given, and switching to Text drops them.
func mergeLogging(old, in *lambda.LoggingConfig, name string) *lambda.LoggingConfig {
	l := lambda.LoggingConfig{LogFormat: "Text", LogGroup: "/aws/lambda/" + name}
	if old != nil {
		l = *old
	}
	if in.LogFormat != "" {
		l.LogFormat = in.LogFormat
	}
	if in.LogGroup != "" {
		l.LogGroup = in.LogGroup
	}
	if in.ApplicationLogLevel != "" {
		l.ApplicationLogLevel = in.ApplicationLogLevel
	}
	if in.SystemLogLevel != "" {
		l.SystemLogLevel = in.SystemLogLevel
	}
	if l.LogFormat == "JSON" {
		l.ApplicationLogLevel = cmp.Or(l.ApplicationLogLevel, "INFO")
		l.SystemLogLevel = cmp.Or(l.SystemLogLevel, "INFO")
	} else {
		l.ApplicationLogLevel, l.SystemLogLevel = "", ""
	}
	return &l
}

func setString(dst *string, src *string) {
	if src != nil {
		*dst = *src
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
