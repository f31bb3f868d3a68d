package eventsapi

import (
	"context"
	"slices"
	"strings"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/iam/policy"
	"github.com/nubo-dev/nubo/internal/services/events"
	"github.com/nubo-dev/nubo/internal/wire"
)

// What each operation needs of its caller, in the names of AWS's Service
// Authorization Reference: events:<Op> on the event bus
// (event-bus/NAME), rule (rule/NAME on the default bus, rule/BUS/NAME on
// others), archive, replay, connection or API destination it names, in
// the caller's account unless an ARN names another; PutEvents on every
// bus its entries name. A bus's policy (PutPermission) is weighed with the
// caller's own. Operations that pass a role (a rule's or a target's
// RoleArn) also need iam:PassRole of it.

// arnIn is the ARN of an EventBridge resource of the caller's account.
func (h handler) arnIn(ctx context.Context, resource string) string {
	acct := wire.CallOf(ctx).Account
	if acct == "" {
		acct = h.svc.Account()
	}
	return arn.New("events", wire.Region(ctx), acct, resource).String()
}

// busARN is the ARN of the bus a name or ARN names ("" is the default
// bus).
func (h handler) busARN(ctx context.Context, bus string) string {
	switch {
	case strings.HasPrefix(bus, "arn:"):
		return bus
	case bus == "":
		bus = "default"
	}
	return h.arnIn(ctx, "event-bus/"+bus)
}

// ruleARN is the ARN of a rule of a bus named by name or ARN: rule/NAME on
// the default bus, rule/BUS/NAME on others, in the bus's account and
// region.
func (h handler) ruleARN(ctx context.Context, bus, name string) string {
	if name == "" {
		return ""
	}
	b, err := arn.Parse(h.busARN(ctx, bus))
	if err != nil {
		return ""
	}
	res := "rule/" + name
	if busName := strings.TrimPrefix(b.Resource, "event-bus/"); busName != "default" {
		res = "rule/" + busName + "/" + name
	}
	return arn.New("events", b.Region, b.Account, res).String()
}

// named is the ARN of a resource of kind ("archive", "replay", ...) by
// name, "" for none.
func (h handler) named(ctx context.Context, kind, name string) string {
	if name == "" {
		return ""
	}
	return h.arnIn(ctx, kind+"/"+name)
}

// policy is the policy of the event bus an ARN names.
func (h handler) policy(ctx context.Context, arn string) (*policy.Document, string, error) {
	doc, err := h.svc.Policy(arn)
	return doc, "", err
}

// passRoles authorises iam:PassRole of the roles an operation gives a rule
// or its targets: a caller may give EventBridge only roles it may pass.
func passRoles(ctx context.Context, roles ...string) error {
	for _, r := range roles {
		if r == "" {
			continue
		}
		if err := wire.AuthorizeAction(ctx, "iam:PassRole", r); err != nil {
			return err
		}
	}
	return nil
}

// The resources of the wire package's own inputs.

func (h handler) busOf(ctx context.Context, in *busInput) string     { return h.busARN(ctx, in.Name) }
func (h handler) busNamed(ctx context.Context, in *nameInput) string { return h.busARN(ctx, in.Name) }

func (h handler) permissionBus(ctx context.Context, in *events.PutPermissionInput) string {
	return h.busARN(ctx, in.EventBusName)
}

func (h handler) permissionRemoved(ctx context.Context, in *removePermissionInput) string {
	return h.busARN(ctx, in.EventBusName)
}

func tagged(ctx context.Context, in *tagInput) string { return in.ResourceARN }

func (h handler) ruleOf(ctx context.Context, in *events.PutRuleInput) string {
	return h.ruleARN(ctx, in.EventBusName, in.Name)
}

func (h handler) ruleNamed(ctx context.Context, in *ruleInput) string {
	return h.ruleARN(ctx, in.EventBusName, in.Name)
}

// Listings of rules act on every rule of their bus.
func (h handler) rulesOf(ctx context.Context, in *listRulesInput) string {
	return h.ruleARN(ctx, in.EventBusName, "*")
}

func (h handler) rulesTargeting(ctx context.Context, in *ruleNamesInput) string {
	return h.ruleARN(ctx, in.EventBusName, "*")
}

func (h handler) targetsRule(ctx context.Context, in *targetsInput) string {
	return h.ruleARN(ctx, in.EventBusName, in.Rule)
}

// putEventsAccess is events:PutEvents on every bus the entries name.
func (h handler) putEventsAccess(ctx context.Context, in *putEventsInput) []wire.Access {
	var buses []string
	for _, e := range in.Entries {
		buses = append(buses, h.busARN(ctx, e.EventBusName))
	}
	slices.Sort(buses)
	var out []wire.Access
	for _, b := range slices.Compact(buses) {
		out = append(out, wire.Access{Resource: b})
	}
	return out
}

// createArchiveAccess is the archive and the bus whose events it keeps.
func (h handler) createArchiveAccess(ctx context.Context, in *archiveInput) []wire.Access {
	return []wire.Access{{Resource: h.named(ctx, "archive", in.ArchiveName)}, {Resource: in.EventSourceArn}}
}

func (h handler) archiveOf(ctx context.Context, in *archiveInput) string {
	return h.named(ctx, "archive", in.ArchiveName)
}

// startReplayAccess is the replay and the archive it replays.
func (h handler) startReplayAccess(ctx context.Context, in *replayInput) []wire.Access {
	return []wire.Access{{Resource: h.named(ctx, "replay", in.ReplayName)}, {Resource: in.EventSourceArn}}
}

func (h handler) replayOf(ctx context.Context, in *replayInput) string {
	return h.named(ctx, "replay", in.ReplayName)
}

func (h handler) connectionOf(ctx context.Context, in *connectionInput) string {
	return h.named(ctx, "connection", in.Name)
}

func (h handler) destinationOf(ctx context.Context, in *destinationInput) string {
	return h.named(ctx, "api-destination", in.Name)
}
