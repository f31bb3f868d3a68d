package eventsapi

import (
	"context"

	"github.com/nubo-dev/nubo/internal/services/events"
	"github.com/nubo-dev/nubo/internal/wire"
)

type archiveInput struct {
	ArchiveName    string `json:"ArchiveName"`
	EventSourceArn string `json:"EventSourceArn"`
	Description    string `json:"Description"`
	EventPattern   string `json:"EventPattern"`
	RetentionDays  *int32 `json:"RetentionDays"`
}

func (in *archiveInput) domain() events.ArchiveInput {
	return events.ArchiveInput{ArchiveName: in.ArchiveName, EventSourceArn: in.EventSourceArn, Description: in.Description,
		EventPattern: in.EventPattern, RetentionDays: in.RetentionDays}
}

// archive is an archive as the archive operations show it.
type archive struct {
	ArchiveArn     string          `json:"ArchiveArn,omitempty"`
	ArchiveName    string          `json:"ArchiveName,omitempty"`
	EventSourceArn string          `json:"EventSourceArn,omitempty"`
	Description    string          `json:"Description,omitempty"`
	EventPattern   string          `json:"EventPattern,omitempty"`
	State          string          `json:"State"`
	RetentionDays  *int32          `json:"RetentionDays,omitempty"`
	SizeBytes      *int64          `json:"SizeBytes,omitempty"`
	EventCount     *int64          `json:"EventCount,omitempty"`
	CreationTime   *wire.Timestamp `json:"CreationTime,omitempty"`
}

// archiveOut shows an archive in full (Describe, List) or as Create and
// Update answer: its ARN, state and creation time.
func archiveOut(a events.ArchiveInfo, full bool) *archive {
	out := &archive{ArchiveArn: a.ArchiveArn, State: a.State, CreationTime: wire.TimestampOf(a.CreationTime)}
	if full {
		out.ArchiveName, out.EventSourceArn, out.Description, out.EventPattern = a.ArchiveName, a.EventSourceArn, a.Description, a.EventPattern
		out.RetentionDays, out.SizeBytes, out.EventCount = &a.RetentionDays, &a.SizeBytes, &a.EventCount
	}
	return out
}

func (h handler) createArchive(ctx context.Context, in *archiveInput) (*archive, error) {
	a, err := h.svc.CreateArchive(ctx, wire.Region(ctx), in.domain())
	if err != nil {
		return nil, err
	}
	return archiveOut(a, false), nil
}

func (h handler) updateArchive(ctx context.Context, in *archiveInput) (*archive, error) {
	a, err := h.svc.UpdateArchive(ctx, wire.Region(ctx), in.domain())
	if err != nil {
		return nil, err
	}
	return archiveOut(a, false), nil
}

func (h handler) describeArchive(ctx context.Context, in *archiveInput) (*archive, error) {
	a, err := h.svc.DescribeArchive(ctx, wire.Region(ctx), in.ArchiveName)
	if err != nil {
		return nil, err
	}
	return archiveOut(a, true), nil
}

func (h handler) deleteArchive(ctx context.Context, in *archiveInput) (*empty, error) {
	return &empty{}, h.svc.DeleteArchive(ctx, wire.Region(ctx), in.ArchiveName)
}

type listArchivesInput struct {
	NamePrefix     string `json:"NamePrefix"`
	EventSourceArn string `json:"EventSourceArn"`
	State          string `json:"State"`
	page
}

type listArchivesOutput struct {
	Archives  []*archive `json:"Archives"`
	NextToken string     `json:"NextToken,omitempty"`
}

func (h handler) listArchives(ctx context.Context, in *listArchivesInput) (*listArchivesOutput, error) {
	as, next, err := h.svc.ListArchives(ctx, wire.Region(ctx), in.NamePrefix, in.EventSourceArn, in.State, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &listArchivesOutput{Archives: []*archive{}, NextToken: next}
	for _, a := range as {
		full := archiveOut(a, true)
		full.ArchiveArn, full.Description, full.EventPattern = "", "", ""
		out.Archives = append(out.Archives, full)
	}
	return out, nil
}

type destination struct {
	Arn        string   `json:"Arn"`
	FilterArns []string `json:"FilterArns,omitempty"`
}

type replayInput struct {
	ReplayName     string          `json:"ReplayName"`
	Description    string          `json:"Description"`
	EventSourceArn string          `json:"EventSourceArn"`
	EventStartTime *wire.Timestamp `json:"EventStartTime"`
	EventEndTime   *wire.Timestamp `json:"EventEndTime"`
	Destination    *destination    `json:"Destination"`
}

// replay is a replay as the replay operations show it.
type replay struct {
	ReplayName            string          `json:"ReplayName,omitempty"`
	ReplayArn             string          `json:"ReplayArn,omitempty"`
	Description           string          `json:"Description,omitempty"`
	State                 string          `json:"State"`
	EventSourceArn        string          `json:"EventSourceArn,omitempty"`
	Destination           *destination    `json:"Destination,omitempty"`
	EventStartTime        *wire.Timestamp `json:"EventStartTime,omitempty"`
	EventEndTime          *wire.Timestamp `json:"EventEndTime,omitempty"`
	EventLastReplayedTime *wire.Timestamp `json:"EventLastReplayedTime,omitempty"`
	ReplayStartTime       *wire.Timestamp `json:"ReplayStartTime,omitempty"`
	ReplayEndTime         *wire.Timestamp `json:"ReplayEndTime,omitempty"`
}

func replayOut(r events.ReplayInfo) *replay {
	return &replay{ReplayName: r.ReplayName, ReplayArn: r.ReplayArn, Description: r.Description, State: r.State,
		EventSourceArn: r.EventSourceArn, Destination: &destination{Arn: r.DestinationArn, FilterArns: r.FilterArns},
		EventStartTime: wire.TimestampOf(r.EventStartTime), EventEndTime: wire.TimestampOf(r.EventEndTime),
		EventLastReplayedTime: wire.TimestampOf(r.EventLastReplayedTime),
		ReplayStartTime:       wire.TimestampOf(r.ReplayStartTime), ReplayEndTime: wire.TimestampOf(r.ReplayEndTime)}
}

func (h handler) startReplay(ctx context.Context, in *replayInput) (*replay, error) {
	ri := events.ReplayInput{ReplayName: in.ReplayName, Description: in.Description, EventSourceArn: in.EventSourceArn}
	if in.EventStartTime != nil {
		ri.EventStartTime = in.EventStartTime.Time
	}
	if in.EventEndTime != nil {
		ri.EventEndTime = in.EventEndTime.Time
	}
	if in.Destination != nil {
		ri.DestinationArn, ri.FilterArns = in.Destination.Arn, in.Destination.FilterArns
	}
	r, err := h.svc.StartReplay(ctx, wire.Region(ctx), ri)
	if err != nil {
		return nil, err
	}
	return &replay{ReplayArn: r.ReplayArn, State: r.State, ReplayStartTime: wire.TimestampOf(r.ReplayStartTime)}, nil
}

func (h handler) describeReplay(ctx context.Context, in *replayInput) (*replay, error) {
	r, err := h.svc.DescribeReplay(ctx, wire.Region(ctx), in.ReplayName)
	if err != nil {
		return nil, err
	}
	return replayOut(r), nil
}

func (h handler) cancelReplay(ctx context.Context, in *replayInput) (*replay, error) {
	r, err := h.svc.CancelReplay(ctx, wire.Region(ctx), in.ReplayName)
	if err != nil {
		return nil, err
	}
	return &replay{ReplayArn: r.ReplayArn, State: r.State}, nil
}

type listReplaysInput struct {
	NamePrefix     string `json:"NamePrefix"`
	State          string `json:"State"`
	EventSourceArn string `json:"EventSourceArn"`
	page
}

type listReplaysOutput struct {
	Replays   []*replay `json:"Replays"`
	NextToken string    `json:"NextToken,omitempty"`
}

func (h handler) listReplays(ctx context.Context, in *listReplaysInput) (*listReplaysOutput, error) {
	rs, next, err := h.svc.ListReplays(ctx, wire.Region(ctx), in.NamePrefix, in.State, in.EventSourceArn, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &listReplaysOutput{Replays: []*replay{}, NextToken: next}
	for _, r := range rs {
		o := replayOut(r)
		o.ReplayArn, o.Description, o.Destination = "", "", nil
		out.Replays = append(out.Replays, o)
	}
	return out, nil
}
