package sfnapi

import (
	"context"
	"strings"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/services/sfn"
	"github.com/nubo-dev/nubo/internal/wire"
)

// What each operation needs of its caller, in the names of AWS's Service
// Authorization Reference: states:<Op> on the state machine
// (stateMachine:NAME, with :VERSION or :ALIAS when the request names
// one), execution (execution:MACHINE:NAME, express:MACHINE:NAME:ID) or
// activity (activity:NAME) it names; the listings of every machine or
// activity and ValidateStateMachineDefinition on "*". A task token's
// callbacks act on the state machine whose execution issued it. Creating
// or updating a state machine with a role also needs iam:PassRole of it:
// Step Functions acts as that role in the machine's Task states.

// arnIn is the ARN of a Step Functions resource of the caller's account,
// "" when name is empty.
func (s scoped) arnIn(ctx context.Context, kind, name string) string {
	if name == "" {
		return ""
	}
	acct := wire.CallOf(ctx).Account
	if acct == "" {
		acct = s.account
	}
	return arn.New("states", wire.Region(ctx), acct, kind+":"+name).String()
}

func (s scoped) machineNamed(ctx context.Context, in *sfn.CreateStateMachineInput) string {
	return s.arnIn(ctx, "stateMachine", in.Name)
}

func (s scoped) activityNamed(ctx context.Context, in *sfn.CreateActivityInput) string {
	return s.arnIn(ctx, "activity", in.Name)
}

// aliasAccess is the alias CreateStateMachineAlias creates (its machine
// is its versions') and the versions it routes to.
func (s scoped) aliasAccess(ctx context.Context, in *sfn.CreateStateMachineAliasInput) []wire.Access {
	var out []wire.Access
	for _, r := range in.RoutingConfiguration {
		if len(out) == 0 {
			if machine, _, ok := cutQualifier(r.StateMachineVersionArn); ok && in.Name != "" {
				out = append(out, wire.Access{Resource: machine + ":" + in.Name})
			}
		}
		out = append(out, wire.Access{Resource: r.StateMachineVersionArn})
	}
	if len(out) == 0 {
		out = append(out, wire.Access{}) // nothing named: authorised on "*"
	}
	return out
}

// cutQualifier takes a state machine's version or alias ARN apart.
func cutQualifier(qualified string) (machine, qualifier string, ok bool) {
	i := strings.LastIndexByte(qualified, ':')
	if i < 0 || !strings.Contains(qualified[:i], ":stateMachine:") {
		return "", "", false
	}
	return qualified[:i], qualified[i+1:], true
}

// withRole authorises iam:PassRole of the role an input gives a state
// machine before fn runs: a caller may give Step Functions only roles it
// may pass.
func withRole[In, Out any](role func(*In) string, fn func(context.Context, sfn.Scope, *In) (*Out, error)) func(context.Context, sfn.Scope, *In) (*Out, error) {
	return func(ctx context.Context, sc sfn.Scope, in *In) (*Out, error) {
		if r := role(in); r != "" {
			if err := wire.AuthorizeAction(ctx, "iam:PassRole", r); err != nil {
				return nil, err
			}
		}
		return fn(ctx, sc, in)
	}
}

// on declares an operation's resource as a member of its input.
func on[In any](o wire.Op, resource func(*In) string) wire.Op {
	return wire.ResourceFrom(o, func(_ context.Context, in *In) string { return resource(in) })
}
