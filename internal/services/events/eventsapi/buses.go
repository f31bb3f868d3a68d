package eventsapi

import (
	"context"

	"github.com/nubo-dev/nubo/internal/services/events"
	"github.com/nubo-dev/nubo/internal/wire"
)

type busInput struct {
	Name             string                   `json:"Name"`
	EventSourceName  string                   `json:"EventSourceName"`
	Description      string                   `json:"Description"`
	KmsKeyIdentifier string                   `json:"KmsKeyIdentifier"`
	DeadLetterConfig *events.DeadLetterConfig `json:"DeadLetterConfig"`
	Tags             []events.Tag             `json:"Tags"`
}

func (in *busInput) domain() events.CreateBusInput {
	return events.CreateBusInput{Name: in.Name, EventSourceName: in.EventSourceName, Description: in.Description,
		KmsKeyIdentifier: in.KmsKeyIdentifier, DeadLetterConfig: in.DeadLetterConfig, Tags: in.Tags}
}

type createBusOutput struct {
	EventBusArn string `json:"EventBusArn"`
	Description string `json:"Description,omitempty"`
}

func (h handler) createEventBus(ctx context.Context, in *busInput) (*createBusOutput, error) {
	b, err := h.svc.CreateEventBus(ctx, wire.Region(ctx), in.domain())
	if err != nil {
		return nil, err
	}
	return &createBusOutput{EventBusArn: b.Arn, Description: b.Description}, nil
}

type updateBusOutput struct {
	Arn         string `json:"Arn"`
	Name        string `json:"Name"`
	Description string `json:"Description,omitempty"`
}

func (h handler) updateEventBus(ctx context.Context, in *busInput) (*updateBusOutput, error) {
	b, err := h.svc.UpdateEventBus(ctx, wire.Region(ctx), in.domain())
	if err != nil {
		return nil, err
	}
	return &updateBusOutput{Arn: b.Arn, Name: b.Name, Description: b.Description}, nil
}

// eventBus is an event bus as DescribeEventBus and ListEventBuses show it.
type eventBus struct {
	Name             string          `json:"Name"`
	Arn              string          `json:"Arn"`
	Description      string          `json:"Description,omitempty"`
	Policy           string          `json:"Policy,omitempty"`
	CreationTime     *wire.Timestamp `json:"CreationTime,omitempty"`
	LastModifiedTime *wire.Timestamp `json:"LastModifiedTime,omitempty"`
}

func busOut(b events.BusInfo) eventBus {
	return eventBus{Name: b.Name, Arn: b.Arn, Description: b.Description, Policy: b.Policy,
		CreationTime: wire.TimestampOf(b.CreationTime), LastModifiedTime: wire.TimestampOf(b.LastModifiedTime)}
}

type nameInput struct {
	Name string `json:"Name"`
}

func (h handler) describeEventBus(ctx context.Context, in *nameInput) (*eventBus, error) {
	b, err := h.svc.DescribeEventBus(ctx, wire.Region(ctx), in.Name)
	if err != nil {
		return nil, err
	}
	out := busOut(b)
	return &out, nil
}

func (h handler) deleteEventBus(ctx context.Context, in *nameInput) error {
	return h.svc.DeleteEventBus(ctx, wire.Region(ctx), in.Name)
}

type listBusesInput struct {
	NamePrefix string `json:"NamePrefix"`
	page
}

type listBusesOutput struct {
	EventBuses []eventBus `json:"EventBuses"`
	NextToken  string     `json:"NextToken,omitempty"`
}

func (h handler) listEventBuses(ctx context.Context, in *listBusesInput) (*listBusesOutput, error) {
	buses, next, err := h.svc.ListEventBuses(ctx, wire.Region(ctx), in.NamePrefix, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &listBusesOutput{EventBuses: []eventBus{}, NextToken: next}
	for _, b := range buses {
		out.EventBuses = append(out.EventBuses, busOut(b))
	}
	return out, nil
}

func (h handler) putPermission(ctx context.Context, in *events.PutPermissionInput) error {
	return h.svc.PutPermission(ctx, wire.Region(ctx), *in)
}

type removePermissionInput struct {
	StatementId          string `json:"StatementId"`
	RemoveAllPermissions bool   `json:"RemoveAllPermissions"`
	EventBusName         string `json:"EventBusName"`
}

func (h handler) removePermission(ctx context.Context, in *removePermissionInput) error {
	return h.svc.RemovePermission(ctx, wire.Region(ctx), in.EventBusName, in.StatementId, in.RemoveAllPermissions)
}

type tagInput struct {
	ResourceARN string       `json:"ResourceARN"`
	Tags        []events.Tag `json:"Tags"`
	TagKeys     []string     `json:"TagKeys"`
}

type tagsOutput struct {
	Tags []events.Tag `json:"Tags"`
}

func (h handler) tagResource(ctx context.Context, in *tagInput) (*empty, error) {
	return &empty{}, h.svc.TagResource(ctx, in.ResourceARN, in.Tags)
}

func (h handler) untagResource(ctx context.Context, in *tagInput) (*empty, error) {
	return &empty{}, h.svc.UntagResource(ctx, in.ResourceARN, in.TagKeys)
}

func (h handler) listTagsForResource(ctx context.Context, in *tagInput) (*tagsOutput, error) {
	tags, err := h.svc.ListTagsForResource(ctx, in.ResourceARN)
	if err != nil {
		return nil, err
	}
	return &tagsOutput{Tags: tags}, nil
}
