package schedulerapi

import (
	"context"

	"github.com/nubo-dev/nubo/internal/services/scheduler"
	"github.com/nubo-dev/nubo/internal/wire"
)

type scheduleInput struct {
	Name                       string                        `json:"-" wire:"path=Name"`
	GroupName                  string                        `json:"GroupName"`
	Description                string                        `json:"Description"`
	ScheduleExpression         string                        `json:"ScheduleExpression"`
	ScheduleExpressionTimezone string                        `json:"ScheduleExpressionTimezone"`
	StartDate                  *wire.Timestamp               `json:"StartDate"`
	EndDate                    *wire.Timestamp               `json:"EndDate"`
	State                      string                        `json:"State"`
	ActionAfterCompletion      string                        `json:"ActionAfterCompletion"`
	FlexibleTimeWindow         *scheduler.FlexibleTimeWindow `json:"FlexibleTimeWindow"`
	Target                     *scheduler.Target             `json:"Target"`
	KmsKeyArn                  string                        `json:"KmsKeyArn"`
}

func (in *scheduleInput) domain() scheduler.Schedule {
	sc := scheduler.Schedule{Name: in.Name, GroupName: in.GroupName, Description: in.Description, ScheduleExpression: in.ScheduleExpression,
		ScheduleExpressionTimezone: in.ScheduleExpressionTimezone, State: in.State, ActionAfterCompletion: in.ActionAfterCompletion, KmsKeyArn: in.KmsKeyArn}
	if in.StartDate != nil {
		sc.StartDate = in.StartDate.Time
	}
	if in.EndDate != nil {
		sc.EndDate = in.EndDate.Time
	}
	if in.FlexibleTimeWindow != nil {
		sc.FlexibleTimeWindow = *in.FlexibleTimeWindow
	}
	if in.Target != nil {
		sc.Target = *in.Target
	}
	return sc
}

type scheduleArnOutput struct {
	ScheduleArn string `json:"ScheduleArn"`
}

func (h handler) createSchedule(ctx context.Context, in *scheduleInput) (*scheduleArnOutput, error) {
	if err := passRole(ctx, in); err != nil {
		return nil, err
	}
	arn, err := h.svc.CreateSchedule(ctx, wire.Region(ctx), in.domain())
	if err != nil {
		return nil, err
	}
	return &scheduleArnOutput{arn}, nil
}

func (h handler) updateSchedule(ctx context.Context, in *scheduleInput) (*scheduleArnOutput, error) {
	if err := passRole(ctx, in); err != nil {
		return nil, err
	}
	arn, err := h.svc.UpdateSchedule(ctx, wire.Region(ctx), in.domain())
	if err != nil {
		return nil, err
	}
	return &scheduleArnOutput{arn}, nil
}

type scheduleRef struct {
	Name      string `json:"-" wire:"path=Name"`
	GroupName string `json:"-" wire:"query=groupName"`
}

// schedule is a schedule as GetSchedule shows it.
type schedule struct {
	Arn                        string                        `json:"Arn"`
	Name                       string                        `json:"Name"`
	GroupName                  string                        `json:"GroupName"`
	Description                string                        `json:"Description,omitempty"`
	ScheduleExpression         string                        `json:"ScheduleExpression"`
	ScheduleExpressionTimezone string                        `json:"ScheduleExpressionTimezone,omitempty"`
	StartDate                  *wire.Timestamp               `json:"StartDate,omitempty"`
	EndDate                    *wire.Timestamp               `json:"EndDate,omitempty"`
	State                      string                        `json:"State"`
	ActionAfterCompletion      string                        `json:"ActionAfterCompletion,omitempty"`
	FlexibleTimeWindow         *scheduler.FlexibleTimeWindow `json:"FlexibleTimeWindow"`
	Target                     *scheduler.Target             `json:"Target"`
	CreationDate               *wire.Timestamp               `json:"CreationDate"`
	LastModificationDate       *wire.Timestamp               `json:"LastModificationDate"`
}

func (h handler) getSchedule(ctx context.Context, in *scheduleRef) (*schedule, error) {
	sc, err := h.svc.GetSchedule(ctx, wire.Region(ctx), in.GroupName, in.Name)
	if err != nil {
		return nil, err
	}
	return &schedule{Arn: sc.Arn, Name: sc.Name, GroupName: sc.GroupName, Description: sc.Description, ScheduleExpression: sc.ScheduleExpression,
		ScheduleExpressionTimezone: sc.ScheduleExpressionTimezone, StartDate: wire.TimestampOf(sc.StartDate), EndDate: wire.TimestampOf(sc.EndDate),
		State: sc.State, ActionAfterCompletion: sc.ActionAfterCompletion, FlexibleTimeWindow: &sc.FlexibleTimeWindow, Target: &sc.Target,
		CreationDate: wire.TimestampOf(sc.CreationDate), LastModificationDate: wire.TimestampOf(sc.LastModificationDate)}, nil
}

func (h handler) deleteSchedule(ctx context.Context, in *scheduleRef) (*empty, error) {
	return &empty{}, h.svc.DeleteSchedule(ctx, wire.Region(ctx), in.GroupName, in.Name)
}

type listSchedulesInput struct {
	GroupName  string `json:"-" wire:"query=ScheduleGroup"`
	NamePrefix string `json:"-" wire:"query=NamePrefix"`
	State      string `json:"-" wire:"query=State"`
	MaxResults *int32 `json:"-" wire:"query=MaxResults"`
	NextToken  string `json:"-" wire:"query=NextToken"`
}

type scheduleSummary struct {
	Arn                  string          `json:"Arn"`
	Name                 string          `json:"Name"`
	GroupName            string          `json:"GroupName"`
	State                string          `json:"State"`
	Target               targetSummary   `json:"Target"`
	CreationDate         *wire.Timestamp `json:"CreationDate"`
	LastModificationDate *wire.Timestamp `json:"LastModificationDate"`
}

type targetSummary struct {
	Arn string `json:"Arn"`
}

type listSchedulesOutput struct {
	Schedules []scheduleSummary `json:"Schedules"`
	NextToken string            `json:"NextToken,omitempty"`
}

func (h handler) listSchedules(ctx context.Context, in *listSchedulesInput) (*listSchedulesOutput, error) {
	list, next, err := h.svc.ListSchedules(ctx, wire.Region(ctx), in.GroupName, in.NamePrefix, in.State, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &listSchedulesOutput{Schedules: []scheduleSummary{}, NextToken: next}
	for _, sc := range list {
		out.Schedules = append(out.Schedules, scheduleSummary{Arn: sc.Arn, Name: sc.Name, GroupName: sc.GroupName, State: sc.State,
			Target: targetSummary{sc.Target.Arn}, CreationDate: wire.TimestampOf(sc.CreationDate), LastModificationDate: wire.TimestampOf(sc.LastModificationDate)})
	}
	return out, nil
}
