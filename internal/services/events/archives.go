package events

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/eventfilter"
	"github.com/nubo-dev/nubo/internal/store"
)

// ArchivePrefix is the first token of the archive stream's subjects.
const ArchivePrefix = "evarchive"

// archive keeps the events of a bus that match its pattern (all of them
// without one), replayed events excepted, on the archive stream's subject
// evarchive.<region>.<name>, for RetentionDays (forever when 0).
type archive struct {
	Region        string    `json:"region"`
	Name          string    `json:"name"`
	Bus           string    `json:"bus"`
	Description   string    `json:"description,omitempty"`
	EventPattern  string    `json:"pattern,omitempty"`
	RetentionDays int32     `json:"retention,omitempty"`
	Created       time.Time `json:"created"`

	pattern *eventfilter.Pattern
}

// ArchiveInfo is an archive as DescribeArchive and ListArchives show it.
type ArchiveInfo struct {
	ArchiveArn, ArchiveName, EventSourceArn, Description, EventPattern, State string
	RetentionDays                                                             int32
	SizeBytes, EventCount                                                     int64
	CreationTime                                                              time.Time
}

func archiveSubject(region, name string) string { return store.Key(ArchivePrefix, region, name) }

// ArchiveARN is an archive's ARN.
func (s *Service) ArchiveARN(region, name string) string {
	return arn.New("events", region, s.opts.Account, "archive/"+name).String()
}

func (s *Service) addArchiveLocked(a *archive) {
	if a.EventPattern != "" {
		p, err := eventfilter.Compile([]byte(a.EventPattern))
		if err != nil {
			s.log.Warn("skip a stored archive whose pattern no longer compiles", "archive", a.Name, "err", err)
			return
		}
		a.pattern = p
	}
	s.archives[regionKey(a.Region, a.Name)] = a
	if a.pattern != nil {
		mk := regionKey(a.Region, a.Bus)
		if s.machines[mk] == nil {
			s.machines[mk] = new(eventfilter.Machine)
		}
		s.machines[mk].Add("a/"+a.Name, a.pattern)
	}
}

func (s *Service) removeArchiveLocked(a *archive) {
	delete(s.archives, regionKey(a.Region, a.Name))
	if m := s.machines[regionKey(a.Region, a.Bus)]; m != nil {
		m.Remove("a/" + a.Name)
	}
}

// busOfSource reads an EventSourceArn: a bus of this account and region.
func (s *Service) busOfSource(region, source string) (string, error) {
	a, err := arn.Parse(source)
	typ, name := a.ResourceType()
	if err != nil || a.Service != "events" || typ != "event-bus" {
		return "", validation("Parameter EventSourceArn is not valid. Reason: %s is not an event bus ARN.", source)
	}
	if a.Region != region || a.Account != s.opts.Account || s.busLocked(region, name) == nil {
		return "", busNotFound(name)
	}
	return name, nil
}

// ArchiveInput is CreateArchive's and UpdateArchive's request.
type ArchiveInput struct {
	ArchiveName, EventSourceArn, Description, EventPattern string
	RetentionDays                                          *int32
}

// CreateArchive creates an archive of a bus's events.
func (s *Service) CreateArchive(ctx context.Context, region string, in ArchiveInput) (ArchiveInfo, error) {
	var c constraints
	c.name(in.ArchiveName, "archiveName", maxArchiveName, namePattern, true)
	if in.EventSourceArn == "" {
		c.add(nil, "eventSourceArn", "Member must not be null")
	}
	if in.RetentionDays != nil && *in.RetentionDays < 0 {
		c.add(*in.RetentionDays, "retentionDays", "Member must have value greater than or equal to 0")
	}
	if err := c.err(); err != nil {
		return ArchiveInfo{}, err
	}
	a := &archive{Region: region, Name: in.ArchiveName, Description: in.Description, EventPattern: in.EventPattern, Created: s.now()}
	if in.RetentionDays != nil {
		a.RetentionDays = *in.RetentionDays
	}
	if err := checkArchivePattern(in.EventPattern); err != nil {
		return ArchiveInfo{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	if a.Bus, err = s.busOfSource(region, in.EventSourceArn); err != nil {
		return ArchiveInfo{}, err
	}
	if s.archives[regionKey(region, a.Name)] != nil {
		return ArchiveInfo{}, awserr.New(ErrResourceAlreadyExists, "Archive %s already exists.", a.Name)
	}
	if err := s.put(ctx, archiveKey(region, a.Name), a); err != nil {
		return ArchiveInfo{}, err
	}
	s.addArchiveLocked(a)
	return s.archiveInfo(ctx, a, false), nil
}

func checkArchivePattern(pattern string) error {
	if pattern == "" {
		return nil
	}
	if _, err := eventfilter.Compile([]byte(pattern)); err != nil {
		return awserr.New(ErrInvalidEventPattern, "Event pattern is not valid. Reason: %s", err.Error())
	}
	return nil
}

// UpdateArchive changes an archive's description, pattern or retention.
func (s *Service) UpdateArchive(ctx context.Context, region string, in ArchiveInput) (ArchiveInfo, error) {
	if in.Description == "" && in.EventPattern == "" && in.RetentionDays == nil {
		return ArchiveInfo{}, validation("At least one of EventPattern, RetentionDays or Description must be provided.")
	}
	if err := checkArchivePattern(in.EventPattern); err != nil {
		return ArchiveInfo{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.archives[regionKey(region, in.ArchiveName)]
	if old == nil {
		return ArchiveInfo{}, archiveNotFound(in.ArchiveName)
	}
	next := *old
	if in.Description != "" {
		next.Description = in.Description
	}
	if in.EventPattern != "" {
		next.EventPattern = in.EventPattern
	}
	if in.RetentionDays != nil {
		next.RetentionDays = *in.RetentionDays
	}
	if err := s.put(ctx, archiveKey(region, next.Name), &next); err != nil {
		return ArchiveInfo{}, err
	}
	s.removeArchiveLocked(old)
	s.addArchiveLocked(&next)
	return s.archiveInfo(ctx, &next, false), nil
}

func archiveNotFound(name string) error {
	return awserr.New(ErrResourceNotFound, "Archive %s does not exist.", name)
}

// DescribeArchive describes an archive, with its events' count and size.
func (s *Service) DescribeArchive(ctx context.Context, region, name string) (ArchiveInfo, error) {
	s.mu.RLock()
	a := s.archives[regionKey(region, name)]
	s.mu.RUnlock()
	if a == nil {
		return ArchiveInfo{}, archiveNotFound(name)
	}
	return s.archiveInfo(ctx, a, true), nil
}

// DeleteArchive deletes an archive and its events.
func (s *Service) DeleteArchive(ctx context.Context, region, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.archives[regionKey(region, name)]
	if a == nil {
		return archiveNotFound(name)
	}
	if err := s.del(ctx, archiveKey(region, name)); err != nil {
		return err
	}
	s.removeArchiveLocked(a)
	return s.opts.Archive.Purge(ctx, archiveSubject(region, name), time.Time{})
}

// ListArchives lists a region's archives by name prefix, source and state.
func (s *Service) ListArchives(ctx context.Context, region, prefix, source, state, token string, limit *int32) ([]ArchiveInfo, string, error) {
	s.mu.RLock()
	busName := ""
	if source != "" {
		var err error
		if busName, err = s.busOfSource(region, source); err != nil {
			s.mu.RUnlock()
			return nil, "", err
		}
	}
	byName := map[string]*archive{}
	var names []string
	for _, a := range s.archives {
		if a.Region == region && strings.HasPrefix(a.Name, prefix) && (busName == "" || a.Bus == busName) && (state == "" || state == "ENABLED") {
			byName[a.Name] = a
			names = append(names, a.Name)
		}
	}
	s.mu.RUnlock()
	names, next, err := page(names, token, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]ArchiveInfo, 0, len(names))
	for _, n := range names {
		out = append(out, s.archiveInfo(ctx, byName[n], true))
	}
	return out, next, nil
}

// archiveInfo describes an archive; with counts, it reads its events'
// count and size from the stream.
func (s *Service) archiveInfo(ctx context.Context, a *archive, counts bool) ArchiveInfo {
	info := ArchiveInfo{ArchiveArn: s.ArchiveARN(a.Region, a.Name), ArchiveName: a.Name, EventSourceArn: s.BusARN(a.Region, a.Bus),
		Description: a.Description, EventPattern: a.EventPattern, State: "ENABLED", RetentionDays: a.RetentionDays, CreationTime: a.Created}
	if counts {
		err := s.opts.Archive.Read(ctx, archiveSubject(a.Region, a.Name), time.Time{}, false, func(m store.Message) bool {
			info.EventCount++
			info.SizeBytes += int64(len(m.Data))
			return true
		})
		if err != nil {
			s.log.Warn("count an archive's events", "archive", a.Name, "err", err)
		}
	}
	return info
}

// archiveEvent appends an event to an archive; fanOut waits for it to be
// stored before its job is done.
func (s *Service) archiveEvent(region, name string, event json.RawMessage) error {
	return s.opts.Archive.Append(archiveSubject(region, name), event)
}

// allEventArchives are the archives without a pattern of a bus.
func (s *Service) allEventArchivesLocked(region, busName string) []string {
	var out []string
	for _, a := range s.archives {
		if a.Region == region && a.Bus == busName && a.pattern == nil {
			out = append(out, a.Name)
		}
	}
	return out
}

// expireArchives drops archived events past their retention every hour.
func (s *Service) expireArchives(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		s.mu.RLock()
		var expired []*archive
		for _, a := range s.archives {
			if a.RetentionDays > 0 {
				expired = append(expired, a)
			}
		}
		s.mu.RUnlock()
		for _, a := range expired {
			keepFrom := s.now().Add(-time.Duration(a.RetentionDays) * 24 * time.Hour)
			if err := s.opts.Archive.Purge(ctx, archiveSubject(a.Region, a.Name), keepFrom); err != nil && ctx.Err() == nil {
				s.log.Warn("expire archived events", "archive", a.Name, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
