package dynamodb

import (
	"context"
	"errors"

	"github.com/nubo-dev/nubo/internal/cluster"
)

// In a cluster one node at a time holds DynamoDB (a cluster.Group with one
// resource): every operation sent to any node runs there (Route), so
// concurrent writes of one item meet at its key locks and its committer
// groups them, as on a single node. Every node applies the log (replica.go)
// and its in-memory state follows (mirror.go), so the node that takes over
// from a dead holder needs only to read the log to its end (catchUp).
// One holder for every region rather than one per region: every node
// applies every region's writes anyway, so holders per region would only
// spread the evaluation of requests, at the price of a log (and an
// expected last entry) per region. A holder that lost its place without
// knowing it (cut off, fenced late) cannot store a write the new holder
// did not see: its append names an entry that is no longer the last.

// group is DynamoDB's cluster.Group and its one resource.
const (
	groupName = "dynamodb"
	resource  = "all"
)

// holder loads DynamoDB's state for the Group: the log read to its end.
type holder struct{ s *Service }

func (h holder) Acquire(ctx context.Context, _ string) error { return h.s.rep.catchUp(ctx) }
func (h holder) Release(string)                              {}

// clusterize makes s one node of c.
func (s *Service) clusterize(c *cluster.Cluster) {
	c.Codes(ErrValidation, ErrConditionalCheckFailed, ErrResourceNotFound, ErrResourceInUse, ErrTransactionCanceled,
		ErrTransactionConflict, ErrTransactionInProgress, ErrIdempotentParameterMismatch, ErrItemCollectionSizeLimit,
		ErrProvisionedThroughput, ErrRequestLimitExceeded, ErrLimitExceeded, ErrDuplicateItem, ErrInternalServer,
		ErrExpiredIterator, ErrTrimmedDataAccess)
	s.group = c.Group(groupName, holder{s})
	s.cluster = c
	c.ReportApplied(appliedName, s.rep.appliedNow)
	// Held whether or not requests come: the holder sweeps.
	s.group.Track([]string{resource})
}

// routed is an operation's input as it travels to the holder.
type routed[In any] struct {
	Scope Scope `json:"scope"`
	Input *In   `json:"input"`
}

// Route returns fn as the operation name: on a single node fn itself; in
// a cluster fn run on the node that holds DynamoDB, this one or another
// (input and output travel as their JSON). A service with a log but no
// cluster (tests) runs fn here, as a holder does.
func Route[In, Out any](s *Service, name string, fn func(*Service, context.Context, Scope, *In) (*Out, error)) func(context.Context, Scope, *In) (*Out, error) {
	if s.rep == nil {
		return func(ctx context.Context, scope Scope, in *In) (*Out, error) { return fn(s, ctx, scope, in) }
	}
	local := func(ctx context.Context, in *routed[In]) (*Out, error) {
		for attempt := 1; ; attempt++ {
			out, err := held(s, func() (*Out, error) { return fn(s, ctx, in.Scope, in.Input) })
			if !errors.Is(err, errRefused) || attempt == refusals {
				return out, err
			}
			if err := s.rep.catchUp(ctx); err != nil {
				return nil, err
			}
		}
	}
	if s.group == nil {
		return func(ctx context.Context, scope Scope, in *In) (*Out, error) {
			return local(ctx, &routed[In]{Scope: scope, Input: in})
		}
	}
	op := cluster.NewOp(s.group, "dynamodb."+name, func(*routed[In]) string { return resource }, local)
	return func(ctx context.Context, scope Scope, in *In) (*Out, error) {
		return op.Do(ctx, &routed[In]{Scope: scope, Input: in})
	}
}

// refusals is how many times the holder runs an operation whose commit
// the log refused (another node appended first: only while the holder
// changes) before it answers with the refusal. Each operation commits at
// most once (a BatchExecuteStatement's statements answer each for
// itself), so one refused stored nothing and may run again.
const refusals = 3

// held runs fn with the replica's gate held shared: no other node's entry
// is applied while it evaluates and commits.
func held[Out any](s *Service, fn func() (*Out, error)) (*Out, error) {
	s.rep.gate.RLock()
	defer s.rep.gate.RUnlock()
	return fn()
}

// holds reports whether this node may run the sweeper: a single node, or
// the holder.
func (s *Service) holds() bool { return s.group == nil || s.group.Holds(resource) }
