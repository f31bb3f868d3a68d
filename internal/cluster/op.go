package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// Op is an operation on a Group's resources that runs on the node holding
// the resource: Do runs it here when this node holds it (acquiring it
// first when it is this node's to hold), or calls it on the node that
// does. A service adopts the cluster with one Op per operation that
// touches state a single node holds:
//
//	send := cluster.NewOp(group, "sqs.Send", func(in *SendIn) string { return in.Queue }, s.send)
//	out, err := send.Do(ctx, &SendIn{...})
//
// With a nil Group (a single node) Do is local.
type Op[In, Out any] struct {
	g        *Group
	method   string
	resource func(*In) string
	local    func(context.Context, *In) (*Out, error)
}

// NewOp declares an operation and registers it to be called from other
// nodes (in and out travel as JSON).
func NewOp[In, Out any](g *Group, method string, resource func(*In) string, local func(context.Context, *In) (*Out, error)) *Op[In, Out] {
	o := &Op[In, Out]{g: g, method: method, resource: resource, local: local}
	if g != nil {
		g.c.Handle(method, func(ctx context.Context, payload []byte) ([]byte, error) {
			in := new(In)
			if err := json.Unmarshal(payload, in); err != nil {
				return nil, fmt.Errorf("cluster: decode %s: %w", method, err)
			}
			out, err := o.Do(ctx, in)
			if err != nil {
				return nil, err
			}
			return json.Marshal(out)
		})
	}
	return o
}

// Do runs the operation where its resource is held.
func (o *Op[In, Out]) Do(ctx context.Context, in *In) (*Out, error) {
	if o.g == nil {
		return o.local(ctx, in)
	}
	return Forward(ctx, o.g, o.resource(in), func(ctx context.Context) (*Out, error) {
		return o.local(ctx, in)
	}, func(ctx context.Context, node string) (*Out, error) {
		payload, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		data, err := o.g.c.Call(ctx, node, o.method, payload)
		if err != nil {
			return nil, err
		}
		out := new(Out)
		if err := json.Unmarshal(data, out); err != nil {
			return nil, fmt.Errorf("cluster: decode the answer of %s: %w", o.method, err)
		}
		return out, nil
	})
}

// Forward runs local when this node holds resource of g, or remote with
// the node that does. A node that is gone (its calls unanswered) is waited
// out: once this node's view sees it dead, the resource goes to a live
// node, and the operation runs there (again, if the dead node did it but
// died before it answered: operations sent through Forward must bear
// that, as SQS's and SNS's at-least-once deliveries do).
func Forward[T any](ctx context.Context, g *Group, resource string, local func(context.Context) (T, error), remote func(ctx context.Context, node string) (T, error)) (T, error) {
	var zero T
	// A node that died holding resource is dead to this one within the
	// time its bucket needs to elect a leader (when it led it) and
	// DeadAfter.
	deadline := time.Now().Add(g.c.opts.DeadAfter + 10*time.Second)
	for {
		node, done, err := g.Use(ctx, resource)
		if err != nil {
			return zero, err
		}
		if node == "" {
			defer done()
			return local(ctx)
		}
		if hops(ctx) >= 2 {
			return zero, store.Unavailable(fmt.Sprintf("the cluster is moving %s %s between nodes", g.name, resource))
		}
		out, err := remote(ctx, node)
		if !errors.Is(err, store.ErrNoResponders) && !errors.Is(err, ErrNodeGone) {
			return out, err
		}
		if time.Now().After(deadline) {
			reason := fmt.Sprintf("node %s, which holds %s %s, does not answer", node, g.name, resource)
			if errors.Is(err, ErrNodeGone) { // the last call may have done its work
				return zero, store.Interrupted(reason)
			}
			return zero, store.Unavailable(reason)
		}
		select {
		case <-ctx.Done():
			return zero, ctx.Err()
		case <-time.After(100 * time.Millisecond): // until this node's view sees node dead
		}
	}
}
