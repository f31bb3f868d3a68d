package control

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/store"
)

// EventInvokeConfigInput is the body of Put/UpdateFunctionEventInvokeConfig.
type EventInvokeConfigInput struct {
	MaximumRetryAttempts     *int                      `json:"MaximumRetryAttempts"`
	MaximumEventAgeInSeconds *int                      `json:"MaximumEventAgeInSeconds"`
	DestinationConfig        *lambda.DestinationConfig `json:"DestinationConfig"`
}

func eventInvokeKey(scope lambda.Scope, name, qualifier string) string {
	return store.Key("eic", scope.Region, name, qualifier)
}

// PutEventInvokeConfig sets a version's or alias's asynchronous invocation
// settings: Put replaces them, and with merge (Update) only the given
// members change, on settings that must exist.
func (s *Service) PutEventInvokeConfig(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef, in *EventInvokeConfigInput, merge bool) (*lambda.FunctionEventInvokeConfig, error) {
	if err := validateEventInvoke(in); err != nil {
		return nil, err
	}
	qualifier, err := s.eventInvokeQualifier(ctx, scope, ref)
	if err != nil {
		return nil, err
	}
	if err := s.validateDestinations(ctx, scope, ref.Name, in.DestinationConfig); err != nil {
		return nil, err
	}
	cfg := lambda.FunctionEventInvokeConfig{}
	if merge {
		old, err := s.GetEventInvokeConfig(ctx, scope, lambda.FunctionRef{Name: ref.Name, Qualifier: qualifier})
		if err != nil {
			return nil, err
		}
		cfg = *old
	}
	if in.MaximumRetryAttempts != nil || !merge {
		cfg.MaximumRetryAttempts = in.MaximumRetryAttempts
	}
	if in.MaximumEventAgeInSeconds != nil || !merge {
		cfg.MaximumEventAgeInSeconds = in.MaximumEventAgeInSeconds
	}
	if in.DestinationConfig != nil || !merge {
		cfg.DestinationConfig = &lambda.DestinationConfig{}
		if in.DestinationConfig != nil {
			*cfg.DestinationConfig = *in.DestinationConfig
		}
	}
	cfg.FunctionArn = scope.QualifiedARN(ref.Name, qualifier)
	cfg.LastModified = float64(time.Now().UnixMilli()) / 1000
	if err := s.putJSON(ctx, eventInvokeKey(scope, ref.Name, qualifier), &cfg); err != nil {
		return nil, fmt.Errorf("save event invoke config: %w", err)
	}
	return &cfg, nil
}

func validateEventInvoke(in *EventInvokeConfigInput) error {
	var v lambda.Validator
	if in.MaximumRetryAttempts != nil {
		v.Range("maximumRetryAttempts", *in.MaximumRetryAttempts, 0, 2)
	}
	if in.MaximumEventAgeInSeconds != nil {
		v.Range("maximumEventAgeInSeconds", *in.MaximumEventAgeInSeconds, 60, 21600)
	}
	if err := v.Err(); err != nil {
		return err
	}
	if in.MaximumRetryAttempts == nil && in.MaximumEventAgeInSeconds == nil && in.DestinationConfig == nil {
		return lambda.Errorf(lambda.ErrInvalidParameterValue, "You must specify at least one of error handling or destination setting.")
	}
	return nil
}

// eventInvokeQualifier checks that the function and qualifier exist and
// returns the qualifier settings are kept under ($LATEST when none).
func (s *Service) eventInvokeQualifier(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef) (string, error) {
	rec, _, err := s.loadFunction(ctx, scope, ref.Name)
	if err != nil {
		return "", lambda.Errorf(lambda.ErrResourceNotFound, "The function doesn't exist.")
	}
	if ref.Qualifier == "" || ref.Qualifier == lambda.Latest {
		return lambda.Latest, nil
	}
	if _, err := s.configuration(ctx, scope, rec, ref); errors.Is(err, store.ErrUnavailable) {
		return "", err
	} else if err != nil {
		return "", lambda.Errorf(lambda.ErrResourceNotFound, "The function doesn't exist.")
	}
	return ref.Qualifier, nil
}

var destinationRE = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:(lambda|sqs|sns|events|s3):`)

// validateDestinations checks destination ARNs as AWS does: a function
// that exists and is not this one, a queue, a topic, an event bus, or a
// bucket (on failure only).
func (s *Service) validateDestinations(ctx context.Context, scope lambda.Scope, name string, dc *lambda.DestinationConfig) error {
	if dc == nil {
		return nil
	}
	var unavailable error // a function the store could not tell about
	valid := func(arn string, onFailure bool) bool {
		m := destinationRE.FindStringSubmatch(arn)
		switch {
		case arn == "":
			return true
		case m == nil, m[1] == "s3" && !onFailure:
			return false
		case m[1] != "lambda":
			return true
		}
		parts := strings.Split(arn, ":")
		if len(parts) < 7 || parts[5] != "function" || parts[6] == name {
			return false
		}
		_, _, err := s.loadFunction(ctx, lambda.Scope{Account: parts[4], Region: parts[3]}, parts[6])
		if errors.Is(err, store.ErrUnavailable) {
			unavailable = err
		}
		return err == nil
	}
	if valid(dc.OnSuccess.Destination, false) && valid(dc.OnFailure.Destination, true) {
		return nil
	}
	if unavailable != nil {
		return unavailable
	}
	show := func(kind, arn string) string {
		if arn == "" {
			return "null"
		}
		return kind + "(destination=" + arn + ")"
	}
	return lambda.Errorf(lambda.ErrInvalidParameterValue, "The provided destination config DestinationConfig(onSuccess=%s, onFailure=%s) is invalid.",
		show("OnSuccess", dc.OnSuccess.Destination), show("OnFailure", dc.OnFailure.Destination))
}

// GetEventInvokeConfig returns a version's or alias's settings.
func (s *Service) GetEventInvokeConfig(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef) (*lambda.FunctionEventInvokeConfig, error) {
	qualifier := ref.Qualifier
	if qualifier == "" {
		qualifier = lambda.Latest
	}
	var cfg lambda.FunctionEventInvokeConfig
	err := s.getJSON(ctx, eventInvokeKey(scope, ref.Name, qualifier), &cfg)
	if errors.Is(err, store.ErrNotFound) {
		return nil, lambda.Errorf(lambda.ErrResourceNotFound, "The function %s doesn't have an EventInvokeConfig", scope.QualifiedARN(ref.Name, qualifier))
	}
	if err != nil {
		return nil, err
	}
	return &cfg, nil
}

// EventInvokeConfig is what the asynchronous queue applies to an event for
// ref: the settings of the qualifier it was invoked with, read through the
// cache; nil when there are none.
func (s *Service) EventInvokeConfig(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef) (*lambda.FunctionEventInvokeConfig, error) {
	qualifier := ref.Qualifier
	if qualifier == "" {
		qualifier = lambda.Latest
	}
	return cachedOptional[lambda.FunctionEventInvokeConfig](ctx, s, eventInvokeKey(scope, ref.Name, qualifier))
}

// DeleteEventInvokeConfig removes a version's or alias's settings.
func (s *Service) DeleteEventInvokeConfig(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef) error {
	cfg, err := s.GetEventInvokeConfig(ctx, scope, ref)
	if err != nil {
		return err
	}
	qualifier := cfg.FunctionArn[strings.LastIndexByte(cfg.FunctionArn, ':')+1:]
	if err := s.kv.Delete(ctx, eventInvokeKey(scope, ref.Name, qualifier)); err != nil {
		return err
	}
	return nil
}

// ListEventInvokeConfigsOutput is ListFunctionEventInvokeConfigs' response.
type ListEventInvokeConfigsOutput struct {
	FunctionEventInvokeConfigs []*lambda.FunctionEventInvokeConfig `json:"FunctionEventInvokeConfigs"`
	NextMarker                 string                              `json:"NextMarker,omitempty"`
}

// ListEventInvokeConfigs lists a function's settings, at most 50 a page.
func (s *Service) ListEventInvokeConfigs(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef, page Page) (*ListEventInvokeConfigsOutput, error) {
	if page.MaxItems > 50 {
		var v lambda.Validator
		v.Range("maxItems", page.MaxItems, 1, 50)
		return nil, v.Err()
	}
	if _, _, err := s.loadFunction(ctx, scope, ref.Name); err != nil {
		return nil, lambda.Errorf(lambda.ErrResourceNotFound, "The function doesn't exist.")
	}
	keys, err := s.kv.Keys(ctx, store.Key("eic", scope.Region, ref.Name))
	if err != nil {
		return nil, err
	}
	var all []*lambda.FunctionEventInvokeConfig
	for _, k := range keys {
		var cfg lambda.FunctionEventInvokeConfig
		if err := s.getJSON(ctx, k, &cfg); err == nil {
			all = append(all, &cfg)
		}
	}
	items, next, err := paginate(all, page, func(c *lambda.FunctionEventInvokeConfig) string { return c.FunctionArn })
	if err != nil {
		return nil, err
	}
	return &ListEventInvokeConfigsOutput{FunctionEventInvokeConfigs: items, NextMarker: next}, nil
}
