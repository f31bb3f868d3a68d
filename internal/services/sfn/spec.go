package sfn

import (
	"reflect"
	"strings"

	"github.com/google/uuid"
	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/services/sfn/asl"
)

// spec is what a state machine, or one of its versions, runs.
type spec struct {
	Definition string                   `json:"definition"`
	RoleArn    string                   `json:"roleArn"`
	Type       string                   `json:"type"`
	Logging    *LoggingConfiguration    `json:"logging,omitempty"`
	Tracing    *TracingConfiguration    `json:"tracing,omitempty"`
	Encryption *EncryptionConfiguration `json:"encryption,omitempty"`
	RevisionID string                   `json:"revisionId"`

	parsed *asl.Machine
}

// parse validates a definition for a type and returns the machine.
func parse(definition, typ string) (*asl.Machine, error) {
	if len(definition) > maxDefinition {
		return nil, errorf(ErrInvalidDefinition, "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The definition must be at most %d characters'", maxDefinition)
	}
	m, diags := asl.Parse(definition, asl.ParseOptions{Express: typ == TypeExpress})
	if diags != nil {
		parts := make([]string, len(diags))
		for i, d := range diags {
			loc := d.Location
			if loc == "" {
				loc = "null"
			}
			parts[i] = d.Code + ": " + d.Message + " at " + loc
		}
		return nil, errorf(ErrInvalidDefinition, "Invalid State Machine Definition: '%s'", strings.Join(parts, ", "))
	}
	return m, nil
}

func (sp *spec) machine() (*asl.Machine, error) {
	if sp.parsed == nil {
		m, err := parse(sp.Definition, sp.Type)
		if err != nil {
			return nil, err
		}
		sp.parsed = m
	}
	return sp.parsed, nil
}

// newSpec validates what a state machine runs.
func (s *Service) newSpec(definition, roleArn, typ string, logging *LoggingConfiguration, tracing *TracingConfiguration, enc *EncryptionConfiguration) (*spec, error) {
	if typ != TypeStandard && typ != TypeExpress {
		return nil, errorf(ErrValidation, "1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]", typ)
	}
	if _, err := arn.Parse(roleArn); err != nil {
		return nil, invalidArn(roleArn)
	}
	if err := checkLogging(logging); err != nil {
		return nil, err
	}
	if enc != nil && enc.Type != "AWS_OWNED_KEY" {
		return nil, errorf(ErrInvalidEncryptionConfiguration, "nubo supports encryptionConfiguration type AWS_OWNED_KEY only")
	}
	m, err := parse(definition, typ)
	if err != nil {
		return nil, err
	}
	return &spec{Definition: definition, RoleArn: roleArn, Type: typ, Logging: logging, Tracing: tracing,
		Encryption: enc, RevisionID: uuid.NewString(), parsed: m}, nil
}

func checkLogging(l *LoggingConfiguration) error {
	if l == nil {
		return nil
	}
	switch l.Level {
	case "", "OFF":
	case "ALL", "ERROR", "FATAL":
		if len(l.Destinations) != 1 || l.Destinations[0].CloudWatchLogsLogGroup == nil {
			return errorf(ErrInvalidLoggingConfiguration, "Invalid Logging Configuration: Must specify exactly one Log Destination.")
		}
		if _, err := arn.Parse(l.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn); err != nil {
			return errorf(ErrInvalidLoggingConfiguration, "Invalid Logging Configuration: Log Destination not a valid CloudWatch Logs log group ARN.")
		}
	default:
		return errorf(ErrValidation, "1 validation error detected: Value '%s' at 'loggingConfiguration.level' failed to satisfy constraint: Member must satisfy enum value set: [ALL, ERROR, FATAL, OFF]", l.Level)
	}
	return nil
}

func sameSpec(a, b *spec) bool {
	return a.Definition == b.Definition && a.Type == b.Type && reflect.DeepEqual(a.Logging, b.Logging) &&
		reflect.DeepEqual(a.Tracing, b.Tracing) && reflect.DeepEqual(a.Encryption, b.Encryption)
}
