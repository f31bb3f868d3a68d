package events

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/store"
)

// The states of a replay.
const (
	replayStarting   = "STARTING"
	replayRunning    = "RUNNING"
	replayCancelling = "CANCELLING"
	replayCompleted  = "COMPLETED"
	replayCancelled  = "CANCELLED"
)

// The limits of replays.
const (
	maxActiveReplays = 10
	replayChunkSize  = 100
)

// replay sends an archive's events of a time window back to their bus,
// to all its rules or to some, as jobs of replayChunkSize events: each
// chunk job stores the next one and the replay's progress, so a replay
// survives restarts and goes on where it was.
type replay struct {
	Region      string    `json:"region"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Archive     string    `json:"archive"`
	Bus         string    `json:"bus"`
	Rules       []string  `json:"rules,omitempty"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	State       string    `json:"state"`
	Started     time.Time `json:"started"`
	Ended       time.Time `json:"ended,omitzero"`
	// Last is the archive time of the last event replayed, Seq its stream
	// sequence.
	Last time.Time `json:"last,omitzero"`
	Seq  uint64    `json:"seq,omitempty"`
}

// ReplayInfo is a replay as DescribeReplay and ListReplays show it.
type ReplayInfo struct {
	ReplayName, ReplayArn, Description, State, EventSourceArn, DestinationArn string
	FilterArns                                                                []string
	EventStartTime, EventEndTime, EventLastReplayedTime                       time.Time
	ReplayStartTime, ReplayEndTime                                            time.Time
}

// ReplayARN is a replay's ARN.
func (s *Service) ReplayARN(region, name string) string {
	return arn.New("events", region, s.opts.Account, "replay/"+name).String()
}

func (s *Service) replayInfo(r *replay) ReplayInfo {
	info := ReplayInfo{ReplayName: r.Name, ReplayArn: s.ReplayARN(r.Region, r.Name), Description: r.Description, State: r.State,
		EventSourceArn: s.ArchiveARN(r.Region, r.Archive), DestinationArn: s.BusARN(r.Region, r.Bus),
		EventStartTime: r.Start, EventEndTime: r.End, EventLastReplayedTime: r.Last, ReplayStartTime: r.Started, ReplayEndTime: r.Ended}
	for _, rule := range r.Rules {
		info.FilterArns = append(info.FilterArns, s.RuleARN(r.Region, r.Bus, rule))
	}
	return info
}

// ReplayInput is StartReplay's request.
type ReplayInput struct {
	ReplayName, Description, EventSourceArn, DestinationArn string
	FilterArns                                              []string
	EventStartTime, EventEndTime                            time.Time
}

// StartReplay starts replaying an archive's events of a time window to
// its bus.
func (s *Service) StartReplay(ctx context.Context, region string, in ReplayInput) (ReplayInfo, error) {
	var c constraints
	c.name(in.ReplayName, "replayName", maxReplayName, namePattern, true)
	if err := c.err(); err != nil {
		return ReplayInfo{}, err
	}
	if !in.EventStartTime.Before(in.EventEndTime) {
		return ReplayInfo{}, validation("Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.newReplayLocked(region, in)
	if err != nil {
		return ReplayInfo{}, err
	}
	if err := s.put(ctx, replayKey(region, r.Name), r); err != nil {
		return ReplayInfo{}, err
	}
	s.replays[regionKey(region, r.Name)] = r
	if err := s.scheduleChunk(ctx, r); err != nil {
		return ReplayInfo{}, err
	}
	return s.replayInfo(r), nil
}

func (s *Service) newReplayLocked(region string, in ReplayInput) (*replay, error) {
	a, err := arn.Parse(in.EventSourceArn)
	typ, name := a.ResourceType()
	var src *archive
	if err == nil && a.Service == "events" && typ == "archive" {
		src = s.archives[regionKey(region, name)]
	}
	if src == nil {
		return nil, validation("Parameter EventSourceArn is not valid. Reason: Archive %s does not exist.", name)
	}
	dest, err := arn.Parse(in.DestinationArn)
	dtyp, busName := dest.ResourceType()
	if err != nil || dest.Service != "events" || dtyp != "event-bus" || s.busLocked(region, busName) == nil {
		return nil, busNotFound(busName)
	}
	if busName != src.Bus {
		return nil, validation("Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.")
	}
	if s.replays[regionKey(region, in.ReplayName)] != nil {
		return nil, awserr.New(ErrResourceAlreadyExists, "Replay %s already exists.", in.ReplayName)
	}
	active := 0
	for _, r := range s.replays {
		if r.Region == region && (r.State == replayStarting || r.State == replayRunning || r.State == replayCancelling) {
			active++
		}
	}
	if active >= maxActiveReplays {
		return nil, awserr.New(ErrLimitExceeded, "The requested resource exceeds the maximum number allowed.")
	}
	r := &replay{Region: region, Name: in.ReplayName, Description: in.Description, Archive: src.Name, Bus: busName,
		Start: in.EventStartTime, End: in.EventEndTime, State: replayStarting, Started: s.now()}
	for _, f := range in.FilterArns {
		fa, err := arn.Parse(f)
		res := fa.Resource
		if err != nil || !strings.HasPrefix(res, "rule/") {
			return nil, validation("Parameter Destination.FilterArns is not valid. Reason: %s is not a rule ARN.", f)
		}
		r.Rules = append(r.Rules, res[strings.LastIndexByte(res, '/')+1:])
	}
	return r, nil
}

type chunkJob struct {
	Region string `json:"r"`
	Name   string `json:"name"`
}

func (s *Service) scheduleChunk(ctx context.Context, r *replay) error {
	data, _ := json.Marshal(chunkJob{r.Region, r.Name})
	return s.opts.Jobs.At(ctx, subjectReplay, data, time.Time{})
}

// replayChunk replays the next events of a replay.
func (s *Service) replayChunk(ctx context.Context, data []byte) error {
	var j chunkJob
	if err := json.Unmarshal(data, &j); err != nil {
		return nil
	}
	s.mu.RLock()
	r := s.replays[regionKey(j.Region, j.Name)]
	s.mu.RUnlock()
	if r == nil || r.State == replayCompleted || r.State == replayCancelled {
		return nil
	}
	next := *r
	if r.State == replayCancelling {
		next.State, next.Ended = replayCancelled, s.now()
		return s.saveReplay(ctx, &next)
	}
	batch := &ingest{Region: r.Region, Bus: r.Bus, Received: s.now().UnixMilli(), Replay: r.Name, Rules: r.Rules}
	since := r.Start
	if !r.Last.IsZero() {
		since = r.Last
	}
	more := false
	err := s.opts.Archive.Read(ctx, archiveSubject(r.Region, r.Archive), since, false, func(m store.Message) bool {
		if !m.Time.Before(r.End) {
			return false
		}
		if m.Sequence <= r.Seq {
			return true
		}
		if len(batch.Events) == replayChunkSize {
			more = true
			return false
		}
		batch.Events = append(batch.Events, markReplayed(m.Data, r.Name))
		next.Last, next.Seq = m.Time, m.Sequence
		return true
	})
	if err != nil {
		return err
	}
	if len(batch.Events) > 0 {
		if err := s.publish(ctx, batch); err != nil {
			return err
		}
	}
	next.State = replayRunning
	if !more {
		next.State, next.Ended = replayCompleted, s.now()
	}
	if err := s.saveReplay(ctx, &next); err != nil {
		return err
	}
	if more {
		return s.scheduleChunk(ctx, &next)
	}
	return nil
}

// markReplayed adds replay-name to an archived event.
func markReplayed(event []byte, name string) json.RawMessage {
	var env envelope
	if json.Unmarshal(event, &env) != nil {
		return event
	}
	env.ReplayName = name
	out, err := encode(env)
	if err != nil {
		return event
	}
	return out
}

func (s *Service) saveReplay(ctx context.Context, r *replay) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur := s.replays[regionKey(r.Region, r.Name)]; cur != nil && cur.State == replayCancelling && r.State == replayRunning {
		r.State = replayCancelling // cancelled while this chunk ran
	}
	if err := s.put(ctx, replayKey(r.Region, r.Name), r); err != nil {
		return err
	}
	s.replays[regionKey(r.Region, r.Name)] = r
	return nil
}

// DescribeReplay describes a replay.
func (s *Service) DescribeReplay(ctx context.Context, region, name string) (ReplayInfo, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.replays[regionKey(region, name)]
	if r == nil {
		return ReplayInfo{}, awserr.New(ErrResourceNotFound, "Replay %s does not exist.", name)
	}
	return s.replayInfo(r), nil
}

// CancelReplay asks a replay to stop after the chunk it is replaying.
func (s *Service) CancelReplay(ctx context.Context, region, name string) (ReplayInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.replays[regionKey(region, name)]
	switch {
	case r == nil:
		return ReplayInfo{}, awserr.New(ErrResourceNotFound, "Replay %s does not exist.", name)
	case r.State != replayStarting && r.State != replayRunning:
		return ReplayInfo{}, awserr.New(ErrIllegalStatus, "Replay %s is not in a valid state for this operation.", name)
	}
	next := *r
	next.State = replayCancelling
	if err := s.put(ctx, replayKey(region, name), &next); err != nil {
		return ReplayInfo{}, err
	}
	s.replays[regionKey(region, name)] = &next
	return s.replayInfo(&next), nil
}

// ListReplays lists a region's replays by name prefix, state and archive.
func (s *Service) ListReplays(ctx context.Context, region, prefix, state, source, token string, limit *int32) ([]ReplayInfo, string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var names []string
	for _, r := range s.replays {
		if r.Region == region && strings.HasPrefix(r.Name, prefix) && (state == "" || r.State == state) &&
			(source == "" || s.ArchiveARN(r.Region, r.Archive) == source) {
			names = append(names, r.Name)
		}
	}
	names, next, err := page(names, token, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]ReplayInfo, 0, len(names))
	for _, n := range names {
		out = append(out, s.replayInfo(s.replays[regionKey(region, n)]))
	}
	return out, next, nil
}
