package schedulerapi

import (
	"context"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/wire"
)

// What each operation needs of its caller, in the names of AWS's Service
// Authorization Reference: scheduler:<Op> on the schedule
// (schedule/GROUP/NAME, group "default" when none is named) or schedule
// group (schedule-group/NAME) it names, in the caller's account; the
// listings on "*". Creating or updating a schedule also needs
// iam:PassRole of its target's role, which Scheduler assumes to deliver.

// arnIn is the ARN of a Scheduler resource of the caller's account, ""
// when name is empty.
func (h handler) arnIn(ctx context.Context, kind, name string) string {
	if name == "" {
		return ""
	}
	acct := wire.CallOf(ctx).Account
	if acct == "" {
		acct = h.svc.Account()
	}
	return arn.New("scheduler", wire.Region(ctx), acct, kind+"/"+name).String()
}

func (h handler) scheduleARN(ctx context.Context, group, name string) string {
	if group == "" {
		group = "default"
	}
	if name == "" {
		return ""
	}
	return h.arnIn(ctx, "schedule", group+"/"+name)
}

func (h handler) scheduleOf(ctx context.Context, in *scheduleInput) string {
	return h.scheduleARN(ctx, in.GroupName, in.Name)
}

func (h handler) scheduleNamed(ctx context.Context, in *scheduleRef) string {
	return h.scheduleARN(ctx, in.GroupName, in.Name)
}

func (h handler) groupOf(ctx context.Context, in *groupInput) string {
	return h.arnIn(ctx, "schedule-group", in.Name)
}

func tagged(ctx context.Context, in *tagInput) string { return in.ResourceArn }

// passRole authorises iam:PassRole of a schedule's target role: a caller
// may give Scheduler only roles it may pass.
func passRole(ctx context.Context, in *scheduleInput) error {
	if in.Target == nil || in.Target.RoleArn == "" {
		return nil
	}
	return wire.AuthorizeAction(ctx, "iam:PassRole", in.Target.RoleArn)
}
