package esm

import (
	"context"
	"strings"

	"github.com/nubo-dev/nubo/internal/eventfilter"
	"github.com/nubo-dev/nubo/internal/services/lambda"
)

var validResponseTypes = []string{"ReportBatchItemFailures"}

// check validates the members of a Create or Update and applies them to m.
func (s *Service) check(ctx context.Context, scope lambda.Scope, in *Input, m *mapping, creating bool) error {
	var v lambda.Validator
	if in.BatchSize != nil {
		v.Range("batchSize", *in.BatchSize, 1, 10000)
	}
	if in.MaximumBatchingWindowInSeconds != nil {
		v.Range("maximumBatchingWindowInSeconds", *in.MaximumBatchingWindowInSeconds, 0, 300)
	}
	if in.ScalingConfig != nil && in.ScalingConfig.MaximumConcurrency != nil {
		v.Range("scalingConfig.maximumConcurrency", *in.ScalingConfig.MaximumConcurrency, 2, 1000)
	}
	if in.FunctionResponseTypes != nil {
		if len(*in.FunctionResponseTypes) > 1 {
			v.Fail(*in.FunctionResponseTypes, "functionResponseTypes", "Member must have length less than or equal to 1")
		}
		for _, t := range *in.FunctionResponseTypes {
			v.Enum("functionResponseTypes", t, validResponseTypes...)
		}
	}
	if in.FunctionName != nil {
		v.Length("functionName", *in.FunctionName, 1, 256)
	}
	if err := v.Err(); err != nil {
		return err
	}
	if !m.stream() {
		if err := refuseStreamMembers(in); err != nil {
			return err
		}
	} else if err := checkStream(in, m, creating); err != nil {
		return err
	}
	if in.FunctionName != nil {
		ref, err := lambda.ParseFunctionRef(*in.FunctionName, 256)
		if err != nil {
			return err
		}
		if ref.Region != "" && ref.Region != scope.Region || ref.Account != "" && ref.Account != scope.Account {
			return lambda.FunctionNotFound(*in.FunctionName)
		}
		if err := s.invoker.Resolve(ctx, &lambda.Invocation{Scope: scope, Function: ref}); err != nil {
			return err
		}
		m.Function = lambda.FunctionRef{Name: ref.Name, Qualifier: ref.Qualifier}
		m.Config.FunctionArn = scope.QualifiedARN(ref.Name, ref.Qualifier)
	}
	if in.Enabled != nil {
		m.Enabled = *in.Enabled
	}
	if in.BatchSize != nil {
		m.Config.BatchSize = *in.BatchSize
	}
	if in.MaximumBatchingWindowInSeconds != nil {
		m.Config.MaximumBatchingWindowInSeconds = *in.MaximumBatchingWindowInSeconds
	}
	if in.FunctionResponseTypes != nil {
		m.Config.FunctionResponseTypes = *in.FunctionResponseTypes
	}
	if in.ScalingConfig != nil {
		m.Config.ScalingConfig = in.ScalingConfig
	}
	if in.FilterCriteria != nil {
		if err := checkFilters(in.FilterCriteria); err != nil {
			return err
		}
		m.Config.FilterCriteria = in.FilterCriteria
		if len(in.FilterCriteria.Filters) == 0 {
			m.Config.FilterCriteria = nil
		}
	}
	if m.stream() {
		return nil
	}
	fifo := strings.HasSuffix(m.Config.EventSourceArn, ".fifo")
	switch {
	case fifo && m.Config.BatchSize > 10:
		return lambda.Errorf(lambda.ErrInvalidParameterValue, "Batch size for FIFO SQS queues must be less than or equal to 10.")
	case m.Config.BatchSize > 10 && m.Config.MaximumBatchingWindowInSeconds < 1:
		return lambda.Errorf(lambda.ErrInvalidParameterValue, "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")
	}
	return nil
}

func checkFilters(fc *FilterCriteria) error {
	if len(fc.Filters) > 5 {
		return lambda.Errorf(lambda.ErrValidation, "1 validation error detected: Value at 'filterCriteria.filters' failed to satisfy constraint: Member must have length less than or equal to 5")
	}
	for _, f := range fc.Filters {
		if len(f.Pattern) > 4096 {
			return lambda.Errorf(lambda.ErrValidation, "1 validation error detected: Value at 'filterCriteria.filters.member.pattern' failed to satisfy constraint: Member must have length less than or equal to 4096")
		}
		if _, err := eventfilter.Compile([]byte(f.Pattern)); err != nil {
			return lambda.Errorf(lambda.ErrInvalidParameterValue, "Invalid filter pattern definition.")
		}
	}
	return nil
}
