package control

import (
	"context"

	"github.com/nubo-dev/nubo/internal/code"
	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// minUnreserved is how much concurrency the account keeps unreserved: 100 as
// in AWS, or a tenth of the limit when the limit is below 1,000.
func (s *Service) minUnreserved() int {
	return min(100, s.opts.MaxConcurrency/10)
}

// PutFunctionConcurrency reserves concurrency for a function.
func (s *Service) PutFunctionConcurrency(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef, reserved *int) (*lambda.Concurrency, error) {
	var v lambda.Validator
	if reserved == nil {
		v.Fail(nil, "reservedConcurrentExecutions", "Member must not be null")
	} else {
		v.Range("reservedConcurrentExecutions", *reserved, 0, 1<<31-1)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if _, _, err := s.loadFunction(ctx, scope, ref.Name); err != nil {
		return nil, err
	}
	others, err := s.reservedTotal(ctx, scope, ref.Name)
	if err != nil {
		return nil, err
	}
	if s.opts.MaxConcurrency-others-*reserved < s.minUnreserved() {
		return nil, lambda.Errorf(lambda.ErrInvalidParameterValue,
			"Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [%d].", s.minUnreserved())
	}
	n := *reserved
	if _, err := s.modifyFunction(ctx, scope, ref.Name, func(r *functionRecord) error {
		r.Reserved = &n
		return nil
	}); err != nil {
		return nil, err
	}
	return &lambda.Concurrency{ReservedConcurrentExecutions: &n}, nil
}

// GetFunctionConcurrency returns the reservation ({} when there is none).
func (s *Service) GetFunctionConcurrency(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef) (*lambda.Concurrency, error) {
	rec, _, err := s.loadFunction(ctx, scope, ref.Name)
	if err != nil {
		return nil, err
	}
	return &lambda.Concurrency{ReservedConcurrentExecutions: rec.Reserved}, nil
}

// DeleteFunctionConcurrency removes the reservation.
func (s *Service) DeleteFunctionConcurrency(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef) error {
	_, err := s.modifyFunction(ctx, scope, ref.Name, func(r *functionRecord) error {
		r.Reserved = nil
		return nil
	})
	return err
}

// reservedTotal sums the reservations of every function but except.
func (s *Service) reservedTotal(ctx context.Context, scope lambda.Scope, except string) (int, error) {
	recs, err := s.allFunctions(ctx, scope)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, r := range recs {
		if r.Reserved != nil && r.Latest.FunctionName != except {
			total += *r.Reserved
		}
	}
	return total, nil
}

// AccountSettings is GetAccountSettings' response.
type AccountSettings struct {
	AccountLimit AccountLimit `json:"AccountLimit"`
	AccountUsage AccountUsage `json:"AccountUsage"`
}

type AccountLimit struct {
	TotalCodeSize                  int64 `json:"TotalCodeSize"`
	CodeSizeUnzipped               int64 `json:"CodeSizeUnzipped"`
	CodeSizeZipped                 int64 `json:"CodeSizeZipped"`
	ConcurrentExecutions           int   `json:"ConcurrentExecutions"`
	UnreservedConcurrentExecutions int   `json:"UnreservedConcurrentExecutions"`
}

type AccountUsage struct {
	TotalCodeSize int64 `json:"TotalCodeSize"`
	FunctionCount int64 `json:"FunctionCount"`
}

// GetAccountSettings reports the region's limits and usage.
func (s *Service) GetAccountSettings(ctx context.Context, scope lambda.Scope) (*AccountSettings, error) {
	recs, err := s.allFunctions(ctx, scope)
	if err != nil {
		return nil, err
	}
	used, err := s.codeUsage(ctx, scope)
	if err != nil {
		return nil, err
	}
	out := &AccountSettings{
		AccountLimit: AccountLimit{
			TotalCodeSize:        s.opts.CodeStorageLimit,
			CodeSizeUnzipped:     code.MaxUnzipped,
			CodeSizeZipped:       code.MaxZipped,
			ConcurrentExecutions: s.opts.MaxConcurrency,
		},
		AccountUsage: AccountUsage{FunctionCount: int64(len(recs)), TotalCodeSize: used},
	}
	reserved := 0
	for _, r := range recs {
		if r.Reserved != nil {
			reserved += *r.Reserved
		}
	}
	out.AccountLimit.UnreservedConcurrentExecutions = s.opts.MaxConcurrency - reserved
	return out, nil
}
