// Package schedulerapi is EventBridge Scheduler's wire package: its REST
// operations (restJson1, signing name "scheduler"), declared to the wire
// layer with their routes and bindings.
package schedulerapi

import (
	"context"
	"log/slog"

	"github.com/nubo-dev/nubo/internal/services/scheduler"
	"github.com/nubo-dev/nubo/internal/wire"
)

type handler struct{ svc *scheduler.Service }

// New returns Scheduler's service for the wire layer.
func New(svc *scheduler.Service, log *slog.Logger) *wire.Service {
	h := handler{svc}
	return &wire.Service{
		Name:   "scheduler",
		REST:   &wire.RESTProtocol{},
		Errors: wire.Errors{Internal: scheduler.ErrInternal, BadRequest: scheduler.ErrValidation},
		Log:    log,
		Home:   svc.Account(),
		Wrap:   wire.Synced(svc.Sync, log, nil),
		Ops: []wire.Op{
			route(wire.ResourceFrom(wire.Operation("CreateSchedule", h.createSchedule), h.scheduleOf), "POST /schedules/{Name}"),
			route(wire.ResourceFrom(wire.Operation("UpdateSchedule", h.updateSchedule), h.scheduleOf), "PUT /schedules/{Name}"),
			route(wire.ResourceFrom(wire.Operation("GetSchedule", h.getSchedule), h.scheduleNamed), "GET /schedules/{Name}"),
			route(wire.ResourceFrom(wire.Operation("DeleteSchedule", h.deleteSchedule), h.scheduleNamed), "DELETE /schedules/{Name}"),
			route(wire.Operation("ListSchedules", h.listSchedules).AnyResource(), "GET /schedules"),
			route(wire.ResourceFrom(wire.Operation("CreateScheduleGroup", h.createGroup), h.groupOf), "POST /schedule-groups/{Name}"),
			route(wire.ResourceFrom(wire.Operation("GetScheduleGroup", h.getGroup), h.groupOf), "GET /schedule-groups/{Name}"),
			route(wire.ResourceFrom(wire.Operation("DeleteScheduleGroup", h.deleteGroup), h.groupOf), "DELETE /schedule-groups/{Name}"),
			route(wire.Operation("ListScheduleGroups", h.listGroups).AnyResource(), "GET /schedule-groups"),
			route(wire.ResourceFrom(wire.Operation("TagResource", h.tagResource), tagged), "POST /tags/{ResourceArn}"),
			route(wire.ResourceFrom(wire.Operation("UntagResource", h.untagResource), tagged), "DELETE /tags/{ResourceArn}"),
			route(wire.ResourceFrom(wire.Operation("ListTagsForResource", h.listTags), tagged), "GET /tags/{ResourceArn}"),
		},
	}
}

func route(op wire.Op, pattern string) wire.Op {
	op.HTTP = pattern
	return op
}

// empty is the output of operations whose output has no members.
type empty struct{}

type groupInput struct {
	Name       string          `json:"-" wire:"path=Name"`
	Tags       []scheduler.Tag `json:"Tags"`
	NamePrefix string          `json:"-" wire:"query=NamePrefix"`
	MaxResults *int32          `json:"-" wire:"query=MaxResults"`
	NextToken  string          `json:"-" wire:"query=NextToken"`
}

type groupArnOutput struct {
	ScheduleGroupArn string `json:"ScheduleGroupArn"`
}

func (h handler) createGroup(ctx context.Context, in *groupInput) (*groupArnOutput, error) {
	arn, err := h.svc.CreateScheduleGroup(ctx, wire.Region(ctx), in.Name, in.Tags)
	if err != nil {
		return nil, err
	}
	return &groupArnOutput{arn}, nil
}

type group struct {
	Arn                  string          `json:"Arn"`
	Name                 string          `json:"Name"`
	State                string          `json:"State"`
	CreationDate         *wire.Timestamp `json:"CreationDate,omitempty"`
	LastModificationDate *wire.Timestamp `json:"LastModificationDate,omitempty"`
}

func groupOut(g scheduler.Group) *group {
	return &group{Arn: g.Arn, Name: g.Name, State: g.State, CreationDate: wire.TimestampOf(g.CreationDate),
		LastModificationDate: wire.TimestampOf(g.LastModificationDate)}
}

func (h handler) getGroup(ctx context.Context, in *groupInput) (*group, error) {
	g, err := h.svc.GetScheduleGroup(ctx, wire.Region(ctx), in.Name)
	if err != nil {
		return nil, err
	}
	return groupOut(g), nil
}

func (h handler) deleteGroup(ctx context.Context, in *groupInput) (*empty, error) {
	return &empty{}, h.svc.DeleteScheduleGroup(ctx, wire.Region(ctx), in.Name)
}

type listGroupsOutput struct {
	ScheduleGroups []*group `json:"ScheduleGroups"`
	NextToken      string   `json:"NextToken,omitempty"`
}

func (h handler) listGroups(ctx context.Context, in *groupInput) (*listGroupsOutput, error) {
	gs, next, err := h.svc.ListScheduleGroups(ctx, wire.Region(ctx), in.NamePrefix, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &listGroupsOutput{ScheduleGroups: []*group{}, NextToken: next}
	for _, g := range gs {
		out.ScheduleGroups = append(out.ScheduleGroups, groupOut(g))
	}
	return out, nil
}

type tagInput struct {
	ResourceArn string          `json:"-" wire:"path=ResourceArn"`
	Tags        []scheduler.Tag `json:"Tags"`
	TagKeys     []string        `json:"-" wire:"query=TagKeys"`
}

type tagsOutput struct {
	Tags []scheduler.Tag `json:"Tags"`
}

func (h handler) tagResource(ctx context.Context, in *tagInput) (*empty, error) {
	return &empty{}, h.svc.TagResource(ctx, in.ResourceArn, in.Tags)
}

func (h handler) untagResource(ctx context.Context, in *tagInput) (*empty, error) {
	return &empty{}, h.svc.UntagResource(ctx, in.ResourceArn, in.TagKeys)
}

func (h handler) listTags(ctx context.Context, in *tagInput) (*tagsOutput, error) {
	tags, err := h.svc.ListTagsForResource(ctx, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return &tagsOutput{tags}, nil
}
